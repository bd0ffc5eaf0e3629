#include "troupe/runtime/monitor/prometheus.hpp"

#include <cmath>
#include <map>
#include <set>
#include <vector>

#include <fmt/format.h>

namespace troupe {

namespace {

/// Families the monitor itself exports; a point's metric never takes these.
const std::set<std::string>& reserved_names() {
  static const std::set<std::string> names{
      "troupe_monitor_running", "troupe_monitor_alert_level",
      "troupe_alert_level",     "troupe_point_stale",
      "troupe_point_error",     "troupe_point_age_seconds",
  };
  return names;
}

/// Lower-case ASCII letters and digits; every other run of characters
/// becomes one '_'.
std::string snake_case(const std::string& text) {
  std::string result;
  for (unsigned char c : text) {
    if (c >= 'A' && c <= 'Z')
      c = static_cast<unsigned char>(c - 'A' + 'a');
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
      result += static_cast<char>(c);
    else if (!result.empty() && result.back() != '_')
      result += '_';
  }
  while (!result.empty() && result.back() == '_')
    result.pop_back();
  return result;
}

/// Escapes backslashes and newlines, and double quotes in label values
/// (HELP texts keep theirs).
std::string escape(const std::string& text, bool quotes) {
  std::string result;
  for (auto c : text) {
    if (c == '\\')
      result += "\\\\";
    else if (c == '\n')
      result += "\\n";
    else if (c == '"' && quotes)
      result += "\\\"";
    else
      result += c;
  }
  return result;
}

std::string escape_label(const std::string& text) {
  return escape(text, true);
}

std::string escape_help(const std::string& text) {
  return escape(text, false);
}

std::string format_number(double x) {
  if (std::isnan(x))
    return "NaN";
  if (std::isinf(x))
    return x > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", x);
}

/// One metric family: its lines are written together, as the format
/// requires.
struct family {
  std::string help;
  std::vector<std::string> samples;
};

/// Families in the order they were first used.
class exposition {
public:
  family& get(const std::string& name, const std::string& help) {
    auto i = index_.find(name);
    if (i != index_.end())
      return families_[i->second].second;
    index_.emplace(name, families_.size());
    families_.emplace_back(name, family{help, {}});
    return families_.back().second;
  }

  void sample(const std::string& name, const std::string& help,
              const std::string& labels, const std::string& value) {
    get(name, help).samples.push_back(name + labels + " " + value);
  }

  std::string text() const {
    std::string out;
    for (auto& [name, fam] : families_) {
      out += "# HELP " + name + " " + escape_help(fam.help) + "\n";
      out += "# TYPE " + name + " gauge\n";
      for (auto& line : fam.samples)
        out += line + "\n";
    }
    return out;
  }

private:
  std::map<std::string, size_t> index_;
  std::vector<std::pair<std::string, family>> families_;
};

} // namespace

std::string metric_name(const point_info& p) {
  auto base = snake_case(p.name);
  if (base.empty())
    base = "point";
  auto result = "troupe_" + base;
  if (!p.unit.empty()) {
    auto suffix = "_" + p.unit;
    if (result.size() < suffix.size()
        || result.compare(result.size() - suffix.size(), suffix.size(), suffix)
               != 0)
      result += suffix;
  }
  if (reserved_names().count(result) > 0
      || result.compare(0, 15, "troupe_monitor_") == 0)
    result = "troupe_value_" + result.substr(7);
  // A metric name must not start with a digit; "troupe_" sees to that.
  return result;
}

std::string to_prometheus(const monitor_snapshot& snap) {
  exposition out;
  out.sample("troupe_monitor_running",
             "Whether the monitor is polling (1) or stopped (0).", "",
             snap.running ? "1" : "0");
  out.sample("troupe_monitor_alert_level",
             "Worst alert level of all monitor points (0 none, 10 green, 20 "
             "orange, 30 red, 100 critical).",
             "", std::to_string(static_cast<int32_t>(snap.alert)));
  for (auto& p : snap.points) {
    auto label = "{point=\"" + escape_label(p.name) + "\"}";
    out.sample("troupe_alert_level",
               "Alert level of each monitor point and parent (0 none, 10 "
               "green, 20 orange, 30 red, 100 critical); a parent's is the "
               "worst of its descendants, a STALE point counting as red.",
               label, std::to_string(static_cast<int32_t>(p.alert)));
  }
  for (auto& p : snap.points) {
    if (p.is_parent)
      continue;
    auto label = "{point=\"" + escape_label(p.name) + "\"}";
    out.sample("troupe_point_stale",
               "Whether the point was not updated within its stale limit.",
               label, p.stale ? "1" : "0");
    out.sample("troupe_point_error", "Whether the point's last poll failed.",
               label, p.error.empty() ? "0" : "1");
    if (p.updates > 0)
      out.sample("troupe_point_age_seconds",
                 "Seconds since the point's last update.", label,
                 format_number((snap.now_ns - p.time_ns) / 1e9));
  }
  for (auto& p : snap.points) {
    auto number = p.value.number();
    if (p.is_parent || !number)
      continue;
    auto help = p.help.empty() ? "Monitor point '" + p.name + "'." : p.help;
    out.sample(metric_name(p), help, "{point=\"" + escape_label(p.name) + "\"}",
               p.value.type() == point_value::kind::integer
                   ? std::to_string(p.value.as_integer())
                   : format_number(*number));
  }
  return out.text();
}

} // namespace troupe
