// The Prometheus exposition, checked by a parser of the text format.

#include <cmath>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "troupe/runtime/monitor/prometheus.hpp"

#include <doctest/doctest.h>

#include "support/prometheus_parser.hpp"

using namespace troupe;
using test::metric_family;
using test::prometheus_parser;

namespace {

point_info point(std::string name, point_value value, alert_level alert,
                 std::string parent = {}, uint32_t depth = 0) {
  point_info p;
  p.name = std::move(name);
  p.parent = std::move(parent);
  p.depth = depth;
  p.value = std::move(value);
  p.alert = alert;
  p.updates = 1;
  p.time_ns = 1'000'000'000;
  return p;
}

monitor_snapshot sample_snapshot() {
  monitor_snapshot snap;
  snap.running = true;
  snap.alert = alert_level::red;
  snap.now_ns = 3'500'000'000;
  point_info group;
  group.name = "sensors";
  group.is_parent = true;
  group.alert = alert_level::red;
  snap.points.push_back(group);
  auto imu = point("sensors/imu rate", 99.5, alert_level::green, "sensors", 1);
  imu.unit = "hertz";
  imu.help = "IMU samples per second.\nMeasured at the driver.";
  snap.points.push_back(imu);
  auto temp
      = point("Temperature \"box\" \\ 1", 41, alert_level::red, "sensors", 1);
  temp.stale = true;
  snap.points.push_back(temp);
  snap.points.push_back(point("armed", true, alert_level::none));
  snap.points.push_back(point("mode", "replay", alert_level::none));
  auto broken = point("broken", point_value{}, alert_level::red);
  broken.error = "the poll threw: nope";
  snap.points.push_back(broken);
  snap.points.push_back(point("nan", std::nan(""), alert_level::none));
  auto fresh = point("never", point_value{}, alert_level::none);
  fresh.updates = 0;
  snap.points.push_back(fresh);
  // Names that clash with the monitor's own families or with each other.
  snap.points.push_back(point("alert level", 1, alert_level::none));
  snap.points.push_back(point("a.b", 1, alert_level::none));
  snap.points.push_back(point("a_b", 2, alert_level::none));
  return snap;
}

} // namespace

TEST_CASE("the exposition parses as Prometheus text") {
  auto text = to_prometheus(sample_snapshot());
  INFO(text);
  prometheus_parser parser;
  std::map<std::string, metric_family> families;
  REQUIRE_NOTHROW(families = parser.parse(text));
  for (auto& [name, fam] : families) {
    CHECK_MESSAGE(fam.type == "gauge", name);
    CHECK_MESSAGE(!fam.help.empty(), name);
    CHECK_MESSAGE(name.rfind("troupe_", 0) == 0, name);
    CHECK_MESSAGE(!fam.samples.empty(), name);
  }
  auto value = [&](const std::string& family, const std::string& point) {
    for (auto& s : families.at(family).samples)
      if (s.labels.count("point") && s.labels.at("point") == point)
        return s.value;
    throw std::runtime_error("no sample for " + point + " in " + family);
  };
  CHECK(families.at("troupe_monitor_running").samples.at(0).value == 1);
  CHECK(families.at("troupe_monitor_alert_level").samples.at(0).value == 30);
  // Every point and parent has an alert level.
  CHECK(families.at("troupe_alert_level").samples.size() == 11);
  CHECK(value("troupe_alert_level", "sensors") == 30);
  CHECK(value("troupe_alert_level", "sensors/imu rate") == 10);
  // Label values come back exactly, escapes included.
  CHECK(value("troupe_alert_level", "Temperature \"box\" \\ 1") == 30);
  CHECK(value("troupe_point_stale", "Temperature \"box\" \\ 1") == 1);
  CHECK(value("troupe_point_error", "broken") == 1);
  CHECK(value("troupe_point_age_seconds", "armed") == doctest::Approx(2.5));
  // Numeric values become gauges named after the point and its unit.
  auto& imu = families.at("troupe_sensors_imu_rate_hertz");
  CHECK(imu.help == "IMU samples per second.\nMeasured at the driver.");
  CHECK(value("troupe_sensors_imu_rate_hertz", "sensors/imu rate") == 99.5);
  CHECK(value("troupe_temperature_box_1", "Temperature \"box\" \\ 1") == 41);
  CHECK(value("troupe_armed", "armed") == 1);
  CHECK(std::isnan(value("troupe_nan", "nan")));
  // Texts, failed and never-polled points have no value gauge.
  CHECK(families.count("troupe_mode") == 0);
  CHECK(families.count("troupe_broken") == 0);
  CHECK(families.count("troupe_never") == 0);
  // A point never takes one of the monitor's own names; clashing points
  // share a family, told apart by the label.
  CHECK(value("troupe_value_alert_level", "alert level") == 1);
  CHECK(value("troupe_a_b", "a.b") == 1);
  CHECK(value("troupe_a_b", "a_b") == 2);
}

TEST_CASE("the parser refuses what Prometheus refuses") {
  prometheus_parser parser;
  CHECK_THROWS(parser.parse("troupe_x 1"));
  CHECK_THROWS(parser.parse("1bad 1\n"));
  CHECK_THROWS(parser.parse("x{a=\"1\"} one\n"));
  CHECK_THROWS(parser.parse("x{a=1} 1\n"));
  CHECK_THROWS(parser.parse("x 1\ny 1\nx 2\n"));
  CHECK_THROWS(parser.parse("x{a=\"1\"} 1\nx{a=\"1\"} 2\n"));
  CHECK_THROWS(parser.parse("# TYPE x gauge\n# TYPE x gauge\nx 1\n"));
  CHECK_THROWS(parser.parse("# TYPE x meter\nx 1\n"));
  CHECK_THROWS(parser.parse("x 1\n# HELP x late\n"));
  CHECK_NOTHROW(parser.parse("# TYPE x gauge\nx{a=\"q\\\"\"} -Inf 123\n"));
}

TEST_CASE("metric names follow Prometheus conventions") {
  auto named = [](std::string name, std::string unit = {}) {
    point_info p;
    p.name = std::move(name);
    p.unit = std::move(unit);
    return metric_name(p);
  };
  CHECK(named("CPU Usage", "ratio") == "troupe_cpu_usage_ratio");
  CHECK(named("lateness_seconds", "seconds") == "troupe_lateness_seconds");
  CHECK(named("runtime/topics/imu") == "troupe_runtime_topics_imu");
  CHECK(named("9 lives") == "troupe_9_lives");
  CHECK(named("***") == "troupe_point");
  CHECK(named("monitor running") == "troupe_value_monitor_running");
}
