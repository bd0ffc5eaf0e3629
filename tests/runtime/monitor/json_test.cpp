#include <chrono>
#include <cmath>
#include <string>

#include "troupe/runtime/monitor/json.hpp"

#include <doctest/doctest.h>

#include "support/monitor.hpp"

using namespace std::chrono_literals;
using namespace troupe;

TEST_CASE_FIXTURE(test::monitor_fixture, "the JSON snapshot carries the "
                                         "tree, values and ages") {
  test::log_capture logs{log::level::off};
  point_options opts;
  opts.dt = 1s;
  opts.parent = "group";
  opts.unit = "seconds";
  must_add(make_points({"a", "b", "c", "d"}, opts, poll([] {
                         return std::make_tuple(alert::orange(1.5), true,
                                                "text", std::nan(""));
                       })));
  advance(250ms);
  auto doc = nlohmann::json::parse(to_json_text(snapshot(), 2));
  CHECK(doc["running"] == true);
  CHECK(doc["alert"] == "orange");
  CHECK(doc["alert_level"] == 20);
  auto& points = doc["points"];
  REQUIRE(points.size() == 5);
  CHECK(points[0]["name"] == "group");
  CHECK(points[0]["kind"] == "parent");
  CHECK(points[0]["parent"].is_null());
  CHECK(points[0]["alert"] == "orange");
  CHECK(!points[0].contains("value"));
  auto& a = points[1];
  CHECK(a["name"] == "a");
  CHECK(a["parent"] == "group");
  CHECK(a["depth"] == 1);
  CHECK(a["value"] == 1.5);
  CHECK(a["alert_level"] == 20);
  CHECK(a["age_s"] == doctest::Approx(0.25));
  CHECK(a["dt_s"] == 1.0);
  CHECK(a["unit"] == "seconds");
  CHECK(a["error"].is_null());
  CHECK(points[2]["value"] == true);
  CHECK(points[3]["value"] == "text");
  CHECK(points[4]["value"].is_null()); // NaN has no JSON form
}

TEST_CASE("failed and never-updated points have null values and ages") {
  monitor_snapshot snap;
  point_info p;
  p.name = "p";
  p.error = "down";
  p.alert = alert_level::red;
  p.updates = 0;
  snap.points.push_back(p);
  auto doc = to_json(snap);
  CHECK(doc["points"][0]["value"].is_null());
  CHECK(doc["points"][0]["age_s"].is_null());
  CHECK(doc["points"][0]["error"] == "down");
  // Invalid UTF-8 from a user's name does not throw.
  snap.points[0].name = "bad \xff name";
  CHECK_NOTHROW(to_json_text(snap));
}
