#include "troupe/messages/monitor.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

namespace troupe {

// -- alert levels -------------------------------------------------------------

std::string to_string(alert_level x) {
  switch (x) {
    case alert_level::none: return "none";
    case alert_level::green: return "green";
    case alert_level::orange: return "orange";
    case alert_level::red: return "red";
    case alert_level::critical: return "critical";
  }
  return "alert(" + std::to_string(static_cast<int32_t>(x)) + ")";
}

std::string alert_label(alert_level x) {
  if (x == alert_level::none)
    return "";
  auto result = to_string(x);
  std::transform(result.begin(), result.end(), result.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  return result;
}

bool parse_alert_level(const std::string& text, alert_level& out) {
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  for (auto level : all_alert_levels) {
    if (lower == to_string(level)
        || lower == std::to_string(static_cast<int32_t>(level))) {
      out = level;
      return true;
    }
  }
  return false;
}

bool is_valid(alert_level x) noexcept {
  return std::find(std::begin(all_alert_levels), std::end(all_alert_levels), x)
         != std::end(all_alert_levels);
}

size_t level_index(alert_level x) noexcept {
  switch (x) {
    case alert_level::none: return 0;
    case alert_level::green: return 1;
    case alert_level::orange: return 2;
    case alert_level::red: return 3;
    case alert_level::critical: return 4;
  }
  return 0;
}

// -- values -------------------------------------------------------------------

std::optional<double> point_value::number() const noexcept {
  switch (kind_) {
    case kind::boolean:
    case kind::integer: return static_cast<double>(integer_);
    case kind::real: return real_;
    default: return std::nullopt;
  }
}

bool operator==(const point_value& x, const point_value& y) noexcept {
  if (x.kind_ != y.kind_)
    return false;
  switch (x.kind_) {
    case point_value::kind::none: return true;
    case point_value::kind::boolean:
    case point_value::kind::integer: return x.integer_ == y.integer_;
    case point_value::kind::real:
      // NaN never equals itself, but an unchanged NaN is no change.
      return x.real_ == y.real_ || (std::isnan(x.real_) && std::isnan(y.real_));
    case point_value::kind::text: return x.text_ == y.text_;
  }
  return false;
}

namespace {

std::string format_real(double x, bool exact) {
  if (std::isnan(x))
    return "NaN";
  if (std::isinf(x))
    return x > 0 ? "+Inf" : "-Inf";
  return exact ? fmt::format("{}", x) : fmt::format("{:.6g}", x);
}

std::string format_value(const point_value& x, bool exact) {
  switch (x.type()) {
    case point_value::kind::none: return "";
    case point_value::kind::boolean: return x.as_bool() ? "true" : "false";
    case point_value::kind::integer: return std::to_string(x.as_integer());
    case point_value::kind::real: return format_real(x.as_real(), exact);
    case point_value::kind::text: return x.as_text();
  }
  return "";
}

} // namespace

std::string to_string(const point_value& x) {
  return format_value(x, false);
}

std::string to_exact_string(const point_value& x) {
  return format_value(x, true);
}

} // namespace troupe
