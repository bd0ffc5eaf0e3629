#include "troupe/runtime/monitor/table.hpp"

#include <fmt/format.h>

namespace troupe {

namespace {

/// Cuts `text` to fit a column of `width` characters (one space stays
/// free), counting UTF-8 sequences as one character and never cutting one
/// apart, and pads it.
std::string cell(const std::string& text, size_t width) {
  auto is_continuation = [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
  };
  std::string result;
  size_t columns = 0;
  for (size_t i = 0; i < text.size();) {
    size_t len = 1;
    while (i + len < text.size() && is_continuation(text[i + len]))
      ++len;
    if (width > 0 && columns + 1 > width - 1)
      break;
    auto c = text[i];
    if (c == '\n' || c == '\r' || c == '\t')
      result += ' ';
    else
      result.append(text, i, len);
    ++columns;
    i += len;
  }
  if (columns < width)
    result.append(width - columns, ' ');
  return result;
}

const char* ansi_color(const point_info& p) {
  if (p.stale)
    return "\x1b[90m";
  switch (p.alert) {
    case alert_level::green: return "\x1b[32m";
    case alert_level::orange: return "\x1b[33m";
    case alert_level::red: return "\x1b[31m";
    case alert_level::critical: return "\x1b[1;35m";
    default: return "";
  }
}

} // namespace

std::string short_name(const point_info& p) {
  if (!p.parent.empty() && p.name.size() > p.parent.size() + 1
      && p.name.compare(0, p.parent.size(), p.parent) == 0
      && p.name[p.parent.size()] == '/')
    return p.name.substr(p.parent.size() + 1);
  return p.name;
}

std::string value_text(const point_info& p) {
  if (!p.error.empty())
    return "ERROR: " + p.error;
  return to_string(p.value);
}

std::string alert_text(const point_info& p) {
  return p.stale ? "STALE" : alert_label(p.alert);
}

std::string age_text(const point_info& p, int64_t now_ns) {
  if (p.is_parent || p.updates == 0)
    return "";
  return fmt::format("{:.2f}", (now_ns - p.time_ns) / 1e9);
}

std::string table_header(const monitor_snapshot& snap) {
  std::string result = " Monitor ";
  if (snap.alert != alert_level::none)
    result += "(" + alert_label(snap.alert) + ") ";
  result += snap.running ? "--- running" : "--- not running";
  return result;
}

std::string render_table(const monitor_snapshot& snap,
                         const table_options& opts) {
  std::string out = table_header(snap) + "\n";
  out += " " + cell("Name", opts.name_width) + cell("Value", opts.value_width)
         + cell("Alert", opts.alert_width) + "Age (s)\n";
  out += " " + std::string(opts.name_width - 1, '-') + " "
         + std::string(opts.value_width - 1, '-') + " "
         + std::string(opts.alert_width - 1, '-') + " " + std::string(15, '-')
         + "\n";
  for (auto& p : snap.points) {
    auto name = std::string(p.depth + 1, '.') + short_name(p);
    auto alert = cell(alert_text(p), opts.alert_width);
    if (opts.color && *ansi_color(p) != '\0')
      alert = ansi_color(p) + alert + "\x1b[0m";
    out += " " + cell(name, opts.name_width)
           + cell(value_text(p), opts.value_width) + alert
           + age_text(p, snap.now_ns) + "\n";
  }
  if (snap.points.empty())
    out += " (no points)\n";
  return out;
}

std::string render_unreachable(const std::string& why) {
  return " Monitor --- not running (no answer: " + why + ")\n";
}

} // namespace troupe
