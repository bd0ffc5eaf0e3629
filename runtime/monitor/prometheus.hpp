#pragma once

#include <string>

#include "troupe/messages/monitor.hpp"

namespace troupe {

/// The snapshot in Prometheus' text exposition format (version 0.0.4), all
/// gauges:
///
/// - `troupe_monitor_running`, `troupe_monitor_alert_level` (the worst
///   alert of all points);
/// - `troupe_alert_level{point="..."}` for every point and parent (0 none,
///   10 green, 20 orange, 30 red, 100 critical; a parent's is its
///   roll-up);
/// - `troupe_point_stale`, `troupe_point_error` (0 / 1) and
///   `troupe_point_age_seconds` (updated points only) per point;
/// - one gauge per point with a numeric value (booleans as 0 / 1), named
///   `troupe_` + the point's name in snake case + `_` + its unit, with the
///   exact point name as label `point` and its help text as `# HELP`. Text
///   values are not exported (a changing label would be a new series each
///   time). Points whose names map to the same metric name share it,
///   told apart by the label.
std::string to_prometheus(const monitor_snapshot& snap);

/// The metric name of a point's value, e.g. "troupe_imu_rate_hertz".
std::string metric_name(const point_info& p);

/// The content type of `to_prometheus`' output.
constexpr const char* prometheus_content_type
    = "text/plain; version=0.0.4; charset=utf-8";

} // namespace troupe
