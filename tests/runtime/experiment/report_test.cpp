#include "troupe/runtime/experiment/report.hpp"

#include <doctest/doctest.h>

using namespace troupe;

TEST_CASE("the report: times from the first deploy, null when never") {
  experiment_report x;
  x.exp_id = "e";
  x.run_id = "r";
  x.state = "finished";
  x.start_ns = 1000000000;
  resource_info r;
  r.guid = 1;
  r.name = "a";
  r.type = "sim";
  r.state = resource_state::stopped;
  r.times_ns.assign(resource_state_count, -1);
  r.times_ns[static_cast<size_t>(resource_state::ready)] = 1500000000;
  r.times_ns[static_cast<size_t>(resource_state::stopped)] = 4000000000;
  x.resources.push_back(r);
  x.timers.push_back(timer_summary{"run", 1, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5});
  auto j = to_json(x);
  CHECK(j["exp_id"] == "e");
  CHECK(j["state"] == "finished");
  CHECK(j["failure_level"] == "OK");
  auto& times = j["resources"][0]["times"];
  CHECK(times["ready"] == 0.5);
  CHECK(times["stopped"] == 3.0);
  CHECK(times["started"].is_null());
  CHECK(times.size() == 7);
  CHECK(j["resources"][0]["error"].is_null());
  CHECK(j["timers"]["run"]["median_s"] == 2.5);
  CHECK(j["timers"]["run"]["n"] == 1);
  CHECK(!j.contains("monitor"));
  auto with = to_json(x, nlohmann::json{{"alert", "green"}});
  CHECK(with["monitor"]["alert"] == "green");
}
