#include <chrono>
#include <string>

#include "troupe/runtime/monitor/builtin_points.hpp"

#include <doctest/doctest.h>

#include "support/experiment.hpp"
#include "support/monitor.hpp"
#include "support/replay.hpp"

using namespace std::chrono_literals;
using namespace troupe;

namespace {

/// An agent without handlers: everything sent to it is unexpected.
class deaf : public agent {
public:
  using agent::agent;
};

/// Subscribes to "imu" so that the topic exists.
class listener : public agent {
public:
  using agent::agent;

protected:
  void work() override {
    subscribe("imu", [](const test::ping&) {});
  }
};

} // namespace

TEST_CASE_FIXTURE(test::monitor_fixture, "the runtime feeds topic rates, "
                                         "unexpected counts and mailbox "
                                         "delays") {
  spawn<deaf>("deaf");
  spawn<listener>("listener");
  add_runtime_points(rt(), mon);
  run();
  CHECK(info("runtime").is_parent);
  CHECK(info("runtime/topics").parent == "runtime");
  // First poll: the topic is known, its rate not yet.
  CHECK(info("runtime/topics/imu").value.empty());
  CHECK(info("runtime/agents/deaf").value == point_value{uint64_t{0}});
  for (int i = 0; i < 30; ++i)
    REQUIRE(!publish("imu", test::ping{i}));
  REQUIRE(!send_to("deaf", test::ping{1}));
  REQUIRE(!send_to("deaf", test::note{"x"}));
  advance(1s);
  CHECK(info("runtime/topics/imu").value == point_value{30.0});
  auto deaf_point = info("runtime/agents/deaf");
  CHECK(deaf_point.value == point_value{uint64_t{2}});
  CHECK(deaf_point.alert == alert_level::orange);
  CHECK(info("runtime/agents/listener").alert == alert_level::none);
  CHECK(info("runtime/agents").alert == alert_level::orange);
  for (auto name : {"directory", "broadcaster", "monitor"}) {
    auto p = info(std::string{"runtime/mailbox/"} + name);
    CHECK_MESSAGE(p.value == point_value{0.0}, name); // virtual time
    CHECK(p.unit == "seconds");
    CHECK(p.error.empty());
  }
  CHECK(info("runtime/mailbox/monitor queued").value.is_number());
  advance(1s);
  CHECK(info("runtime/topics/imu").value == point_value{0.0});
  // An agent that exits leaves the tree.
  caf::anon_send(rt().lookup("deaf"), shutdown_atom::value);
  run();
  advance(1s);
  CHECK(code_of(request<point_info>(mon, caf::get_atom::value,
                                    std::string{"runtime/agents/deaf"})
                    .error())
        == errc::not_found);
}

TEST_CASE_FIXTURE(test::monitor_fixture, "a mailbox probe that gets no "
                                         "answer fails its point") {
  test::log_capture logs{log::level::off};
  auto busy = rt().spawn([](caf::event_based_actor* self) -> caf::behavior {
    // Exits at once: the probe finds nobody to answer it.
    self->quit();
    return {};
  });
  run();
  point_options opts;
  opts.dt = 1s;
  must_add(mailbox_point("gone", busy, opts, 100ms, 1s));
  auto p = info("gone");
  CHECK(!p.error.empty());
  CHECK(p.alert == alert_level::red);
}

namespace {

struct monitored_experiment : test::experiment_fixture {
  monitored_experiment() : experiment_fixture(with_monitor{}) {
    // nop
  }

  point_info point(const std::string& name) {
    auto result = request<point_info>(mon, caf::get_atom::value, name);
    if (!result)
      FAIL(name << ": " << to_text(result.error()));
    return *result;
  }
};

} // namespace

TEST_CASE_FIXTURE(monitored_experiment, "the experiment feeds resource "
                                        "states and replay points") {
  auto logs
      = add("replay", "logs",
            test::attrs({{"paths",
                          caf::config_value{caf::config_value::list{
                              caf::config_value{test::mcl_dir("dataset")}}}}}));
  auto flaky = add("sim", "flaky",
                   test::attrs({{"fail_at", caf::config_value{"start"}},
                                {"critical", caf::config_value{false}}}));
  REQUIRE(
      !request<void>(mon, caf::add_atom::value,
                     resource_state_points(caf::actor_cast<caf::actor>(ctl))));
  deploy();
  advance(2s);
  CHECK(state(logs) == resource_state::stopped);
  CHECK(state(flaky) == resource_state::failed);
  CHECK(point("experiment/resources/logs").value
        == point_value{std::string{"STOPPED"}});
  CHECK(point("experiment/resources/logs").alert == alert_level::none);
  CHECK(point("experiment/resources/flaky").value
        == point_value{std::string{"FAILED"}});
  CHECK(point("experiment/resources/flaky").alert == alert_level::orange);
  CHECK(point("experiment/resources").alert == alert_level::orange);
  CHECK(point("experiment/replays/logs/position").value == point_value{1.0});
  CHECK(point("experiment/replays/logs/state").value
        == point_value{std::string{"finished"}});
  CHECK(point("experiment/replays/logs/lateness").value == point_value{0.0});
  CHECK(point("experiment/replays/logs/lateness").alert == alert_level::none);
  CHECK(point("experiment/replays/logs/stall").value == point_value{0.0});
  // Released: the replay's points go.
  REQUIRE(!request<void>(ctl, shutdown_experiment{}));
  CHECK(code_of(request<point_info>(mon, caf::get_atom::value,
                                    std::string{"experiment/replays/logs/"
                                                "position"})
                    .error())
        == errc::not_found);
}
