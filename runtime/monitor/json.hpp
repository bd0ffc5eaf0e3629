#pragma once

#include <string>

#include "troupe/messages/monitor.hpp"

#include <nlohmann/json.hpp>

namespace troupe {

/// The snapshot as JSON (also embedded in `troupe run`'s report):
///
///     {"running": true, "alert": "red", "alert_level": 30,
///      "points": [{"name": "cpu", "parent": null, "depth": 0,
///                  "kind": "point", "value": 0.93, "alert": "red",
///                  "alert_level": 30, "stale": false, "error": null,
///                  "age_s": 0.7, "updates": 12, "failures": 0,
///                  "dt_s": 1.0, "once": false, "pushed": false,
///                  "critical": false, "help": "", "unit": ""}, ...]}
///
/// Points are listed depth-first, children alphabetically. A parent has
/// kind "parent", its rolled-up alert and no value fields. Values are JSON
/// numbers, booleans or strings; null when there is none (never updated,
/// failed poll) or when a real is NaN or infinite (JSON has no such numbers).
/// `age_s` is null before the first update.
nlohmann::json to_json(const monitor_snapshot& snap);

/// `to_json(snap).dump(indent)`.
std::string to_json_text(const monitor_snapshot& snap, int indent = -1);

/// A value as JSON (see `to_json`).
nlohmann::json to_json(const point_value& x);

} // namespace troupe
