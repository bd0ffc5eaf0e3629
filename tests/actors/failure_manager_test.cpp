#include "troupe/actors/failure_manager.hpp"
#include "troupe/runtime/monitor/poll.hpp"
#include "troupe/runtime/testing.hpp"

#include <doctest/doctest.h>

#include "support/experiment.hpp"

using namespace troupe;
using namespace std::chrono_literals;

namespace {

struct fm_fixture : testing::fixture {
  failure_manager_actor fm = spawn_failure_manager(rt());

  failure_decision report(std::string kind, uint64_t guid, std::string name) {
    failure_report x;
    x.origin.kind = std::move(kind);
    x.origin.guid = guid;
    x.origin.name = std::move(name);
    x.code = "resource_failed";
    x.text = "boom";
    auto d = request<failure_decision>(fm, x);
    REQUIRE(d);
    return *d;
  }

  failure_summary summary() {
    auto x = request<failure_summary>(fm, get_failures{});
    REQUIRE(x);
    return *x;
  }
};

} // namespace

TEST_CASE("B10: a failure renders with its origin and trace") {
  failure_report x;
  x.origin.kind = "resource";
  x.origin.guid = 3;
  x.origin.name = "worker";
  x.code = "handler_failed";
  x.text = "division by zero";
  x.trace = {"  at step 1", "  at step 2"};
  CHECK(to_string(x)
        == "Error in resource 'worker' (guid 3) on node 'local': "
           "handler_failed: division by zero\n  at step 1\n  at step 2");
  failure_origin agent{"agent", 0, "compute", "compute", "n3"};
  x.origin = agent;
  x.trace.clear();
  CHECK(to_string(x)
        == "Error in agent 'compute' on node 'n3': handler_failed: division "
           "by zero");
}

TEST_CASE_FIXTURE(fm_fixture, "critical aborts, non-critical is recorded") {
  anon_send(fm, set_failure_policy{1, "a", true, {}});
  anon_send(fm, set_failure_policy{2, "b", false, {}});
  run();
  auto d = report("resource", 2, "b");
  CHECK(d.action == failure_action::ignore);
  CHECK(d.level == failure_level::ok);
  d = report("resource", 1, "a");
  CHECK(d.action == failure_action::abort);
  CHECK(d.level == failure_level::rm_failure);
  auto s = summary();
  CHECK(s.level == failure_level::rm_failure);
  REQUIRE(s.records.size() == 2);
  CHECK(s.records[0].report.origin.name == "b");
  CHECK(s.records[1].decision.action == failure_action::abort);
}

TEST_CASE_FIXTURE(fm_fixture, "restart within the bound with back-off") {
  anon_send(fm, set_failure_policy{1, "a", true, {3, 100ms, 3.0}});
  run();
  auto d1 = report("resource", 1, "a");
  auto d2 = report("resource", 1, "a");
  auto d3 = report("resource", 1, "a");
  auto d4 = report("resource", 1, "a");
  CHECK(d1.action == failure_action::restart);
  CHECK(d1.attempt == 1);
  CHECK(d1.delay == caf::timespan{100ms});
  CHECK(d2.delay == caf::timespan{300ms});
  CHECK(d3.delay == caf::timespan{900ms});
  CHECK(d3.attempt == 3);
  CHECK(d4.action == failure_action::abort);
  CHECK(summary().level == failure_level::rm_failure);
}

TEST_CASE_FIXTURE(fm_fixture, "agents are judged by their resource's policy") {
  anon_send(fm, set_failure_policy{7, "alarm", false, {2, 1s, 2.0}});
  run();
  // An agent reports by name; agents are not restarted.
  CHECK(report("agent", 0, "alarm").action == failure_action::ignore);
  // Unknown origins fail safe.
  CHECK(report("agent", 0, "stranger").action == failure_action::abort);
}

TEST_CASE_FIXTURE(fm_fixture, "a failure of the controller is EC_FAILURE") {
  auto d = report("controller", 0, "exp");
  CHECK(d.action == failure_action::abort);
  CHECK(d.level == failure_level::ec_failure);
  // The level never goes down.
  report("resource", 0, "x");
  CHECK(summary().level == failure_level::ec_failure);
}

TEST_CASE_FIXTURE(fm_fixture,
                  "an abort decided before the controller attached is kept") {
  // The monitor may alert before the controller has attached itself.
  anon_send(fm, critical_alert{"plant/boiler", point_value{120.5}, "", 0});
  run();
  CHECK(summary().level == failure_level::rm_failure);
  auto aborts = std::make_shared<std::vector<abort_experiment>>();
  auto controller = sys().spawn([aborts]() -> caf::behavior {
    return {[aborts](abort_experiment& x) {
      aborts->push_back(x);
    }};
  });
  anon_send(fm, attach_controller{controller});
  run();
  REQUIRE(aborts->size() == 1);
  CHECK((*aborts)[0].reason.find("plant/boiler") != std::string::npos);
  CHECK((*aborts)[0].level == failure_level::rm_failure);
  // Delivered once: a second attach does not repeat it.
  anon_send(fm, attach_controller{controller});
  run();
  CHECK(aborts->size() == 1);
  anon_send_exit(controller, caf::exit_reason::user_shutdown);
  run();
}

TEST_CASE("a critical alert becomes a report of origin kind monitor") {
  critical_alert alert{"plant/boiler", point_value{120.5}, "", 0};
  auto x = to_failure_report(alert);
  CHECK(x.origin.kind == "monitor");
  CHECK(x.origin.name == "plant/boiler");
  CHECK(x.code == "critical_alert");
  CHECK(x.text == "point 'plant/boiler' is Critical at 120.5");
}

namespace {

struct monitored_experiment : test::experiment_fixture {
  monitored_experiment() : experiment_fixture(with_monitor{}) {
    // nop
  }
};

} // namespace

TEST_CASE_FIXTURE(monitored_experiment,
                  "a critical alert of the monitor aborts the experiment") {
  auto a = add("sim", "a");
  deploy();
  auto done = later(wait_for{resource_state::stopped, {a}});
  CHECK(!done->has_value());
  point_options opts;
  opts.dt = 1s;
  opts.critical = true;
  auto level = std::make_shared<int>(0);
  REQUIRE(!request<void>(mon, caf::add_atom::value,
                         make_point("plant/boiler", opts, poll([level] {
                                      return ++*level < 3
                                                 ? alert::green(80.0)
                                                 : alert::critical(120.0);
                                    }))));
  advance(1s);
  CHECK(failures().records.empty());
  CHECK(state(a) == resource_state::started);
  advance(1s);
  auto summary = failures();
  REQUIRE(summary.records.size() == 1);
  CHECK(summary.records[0].report.origin.kind == "monitor");
  CHECK(summary.records[0].report.origin.name == "plant/boiler");
  CHECK(summary.records[0].decision.action == failure_action::abort);
  CHECK(summary.level == failure_level::rm_failure);
  REQUIRE(done->has_value());
  CHECK(code_of(**done) == errc::aborted);
  CHECK(state(a) == resource_state::released);
}
