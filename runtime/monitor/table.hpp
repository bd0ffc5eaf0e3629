#pragma once

#include <cstddef>
#include <string>

#include "troupe/messages/monitor.hpp"

namespace troupe {

/// How `render_table` lays a snapshot out.
struct table_options {
  size_t name_width = 30;
  size_t value_width = 40;
  size_t alert_width = 10;
  /// ANSI colours on the alert column (for terminals).
  bool color = false;
};

/// The monitor as a table, like libgs' printout: a header with the overall
/// alert and whether the monitor is running, then one row per parent and
/// point, depth-first, names indented by depth (a name that repeats its
/// parent's as a "parent/" prefix shows only the rest), value, alert
/// (STALE where it applies) and age in seconds since the last update.
std::string render_table(const monitor_snapshot& snap,
                         const table_options& opts = {});

/// The header line alone, e.g. " Monitor (RED) --- running".
std::string table_header(const monitor_snapshot& snap);

/// The table for a monitor that did not answer: says so and why.
std::string render_unreachable(const std::string& why);

/// The name as a table shows it: without its parent's "parent/" prefix.
std::string short_name(const point_info& p);

/// The value column: the value, or "ERROR: <text>" for a failed poll.
std::string value_text(const point_info& p);

/// The alert column: "STALE", or the level's label ("" for none).
std::string alert_text(const point_info& p);

/// Seconds since the last update with two decimals; "" if never updated.
std::string age_text(const point_info& p, int64_t now_ns);

} // namespace troupe
