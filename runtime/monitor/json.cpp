#include "troupe/runtime/monitor/json.hpp"

#include <cmath>

namespace troupe {

nlohmann::json to_json(const point_value& x) {
  switch (x.type()) {
    case point_value::kind::boolean: return x.as_bool();
    case point_value::kind::integer: return x.as_integer();
    case point_value::kind::real:
      if (!std::isfinite(x.as_real()))
        return nullptr;
      return x.as_real();
    case point_value::kind::text: return x.as_text();
    default: return nullptr;
  }
}

namespace {

nlohmann::json or_null(const std::string& x) {
  if (x.empty())
    return nullptr;
  return x;
}

nlohmann::json point_json(const point_info& p, int64_t now_ns) {
  nlohmann::json result{
      {"name", p.name},
      {"parent", or_null(p.parent)},
      {"depth", p.depth},
      {"kind", p.is_parent ? "parent" : "point"},
      {"alert", to_string(p.alert)},
      {"alert_level", static_cast<int32_t>(p.alert)},
  };
  if (p.is_parent)
    return result;
  result["value"] = to_json(p.value);
  result["stale"] = p.stale;
  result["error"] = or_null(p.error);
  if (p.updates > 0)
    result["age_s"] = (now_ns - p.time_ns) / 1e9;
  else
    result["age_s"] = nullptr;
  result["updates"] = p.updates;
  result["failures"] = p.failures;
  result["dt_s"] = p.dt_ns / 1e9;
  result["once"] = p.once;
  result["pushed"] = p.pushed;
  result["critical"] = p.critical;
  result["help"] = p.help;
  result["unit"] = p.unit;
  return result;
}

} // namespace

nlohmann::json to_json(const monitor_snapshot& snap) {
  auto points = nlohmann::json::array();
  for (auto& p : snap.points)
    points.push_back(point_json(p, snap.now_ns));
  return nlohmann::json{
      {"running", snap.running},
      {"alert", to_string(snap.alert)},
      {"alert_level", static_cast<int32_t>(snap.alert)},
      {"points", std::move(points)},
  };
}

std::string to_json_text(const monitor_snapshot& snap, int indent) {
  // Replace invalid UTF-8 instead of throwing: names come from users.
  return to_json(snap).dump(indent, ' ', false,
                            nlohmann::json::error_handler_t::replace);
}

} // namespace troupe
