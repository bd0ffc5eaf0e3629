#include "troupe/actors/builtin_agents.hpp"

#include <doctest/doctest.h>

#include "support/experiment.hpp"
#include "support/replay.hpp"

using namespace troupe;
using namespace std::chrono_literals;
using test::attrs;

TEST_CASE_FIXTURE(test::experiment_fixture,
                  "topic_stats publishes the rate of each topic") {
  auto stats = add("agent", "stats",
                   attrs({{"agent", caf::config_value{"topic_stats"}},
                          {"topics", caf::config_value{caf::config_value::list{
                                         caf::config_value{"imu"}}}}}));
  deploy();
  CHECK(state(stats) == resource_state::started);
  for (int i = 0; i < 5; ++i)
    publish("imu", 1.0);
  publish("gps", 1.0);
  advance(1s);
  auto rates = published<double>("stats/imu");
  REQUIRE(rates.size() == 1);
  CHECK(rates[0] == 5.0);
  CHECK(published<double>("stats/gps").empty());
  advance(1s);
  CHECK(published<double>("stats/imu").back() == 0.0);
  // Stop: the agent is asked to shut down and the resource STOPS.
  CHECK(!request<void>(ctl, resource_command{resource_action::stop, stats}));
  CHECK(state(stats) == resource_state::stopped);
  CHECK(rt().lookup("stats") == nullptr);
}

TEST_CASE_FIXTURE(test::experiment_fixture,
                  "a threshold alarm reports to the failure manager") {
  SUBCASE("critical: the experiment aborts") {
    auto alarm = add("agent", "alarm",
                     attrs({{"agent", caf::config_value{"threshold_alarm"}},
                            {"topic", caf::config_value{"temp"}},
                            {"above", caf::config_value{50}}}));
    auto other = add("sim", "other");
    auto done = later(wait_for{resource_state::stopped, {alarm, other}});
    deploy();
    publish("temp", 20.0);
    run();
    CHECK(published<alarm_event>("alarms").empty());
    publish("temp", int64_t{70});
    run();
    auto events = published<alarm_event>("alarms");
    REQUIRE(events.size() == 1);
    CHECK(events[0].active);
    CHECK(events[0].above);
    CHECK(events[0].value == 70.0);
    CHECK(events[0].limit == 50.0);
    REQUIRE(done->has_value());
    CHECK(code_of(**done) == errc::aborted);
    CHECK(failures().level == failure_level::rm_failure);
    CHECK(state(other) == resource_state::released);
  }
  SUBCASE("not critical: recorded, the experiment goes on") {
    add("agent", "alarm",
        attrs({{"agent", caf::config_value{"threshold_alarm"}},
               {"topic", caf::config_value{"temp"}},
               {"below", caf::config_value{0}},
               {"critical", caf::config_value{false}}}));
    auto other = add("sim", "other");
    deploy();
    publish("temp", -5.0);
    publish("temp", -6.0); // still active: no second event
    publish("temp", 3.0);
    run();
    auto events = published<alarm_event>("alarms");
    REQUIRE(events.size() == 2);
    CHECK(events[0].active);
    CHECK(!events[1].active);
    auto summary = failures();
    CHECK(summary.level == failure_level::ok);
    REQUIRE(summary.records.size() == 1);
    CHECK(summary.records[0].report.origin.kind == "agent");
    CHECK(summary.records[0].report.origin.name == "alarm");
    CHECK(state(other) == resource_state::started);
  }
}

TEST_CASE_FIXTURE(test::experiment_fixture,
                  "an agent that dies with an error fails its resource") {
  auto a = add("agent", "stats",
               attrs({{"agent", caf::config_value{"topic_stats"}},
                      {"critical", caf::config_value{false}}}));
  deploy();
  auto handle = rt().lookup("stats");
  REQUIRE(handle != nullptr);
  anon_send_exit(handle, caf::exit_reason::kill);
  run();
  CHECK(state(a) == resource_state::failed);
  CHECK(info(a).error.find("stopped") != std::string::npos);
}

TEST_CASE_FIXTURE(test::experiment_fixture,
                  "a threshold alarm watches a member of replayed records") {
  auto logs = add(
      "replay", "logs",
      attrs({{"paths", caf::config_value{caf::config_value::list{
                           caf::config_value{test::mcl_dir("dataset")}}}}}));
  add("agent", "alarm",
      attrs({{"agent", caf::config_value{"threshold_alarm"}},
             {"topic", caf::config_value{"UnitTestMessageB"}},
             {"field", caf::config_value{"data"}},
             {"above", caf::config_value{0.55}},
             {"critical", caf::config_value{false}}}));
  deploy();
  advance(1s);
  CHECK(state(logs) == resource_state::stopped);
  auto events = published<alarm_event>("alarms");
  REQUIRE(events.size() == 1);
  CHECK(events[0].active);
  CHECK(events[0].value == doctest::Approx(0.6));
  auto summary = failures();
  REQUIRE(summary.records.size() == 1);
  CHECK(summary.records[0].report.origin.name == "alarm");
  CHECK(summary.level == failure_level::ok);
}
