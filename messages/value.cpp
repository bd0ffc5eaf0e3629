#include "troupe/messages/value.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace troupe {

value value::binary(std::string bytes) {
  value result;
  result.kind_ = kind::binary;
  result.str_ = std::move(bytes);
  return result;
}

value value::array(std::vector<value> items) {
  value result;
  result.kind_ = kind::array;
  result.items_ = std::move(items);
  return result;
}

value value::map_items(std::vector<value> keys_and_values) {
  value result;
  result.kind_ = kind::map;
  result.items_ = std::move(keys_and_values);
  if (result.items_.size() % 2 != 0)
    result.items_.emplace_back();
  return result;
}

value value::map(std::vector<std::pair<std::string, value>> members) {
  value result;
  result.kind_ = kind::map;
  result.items_.reserve(members.size() * 2);
  for (auto& member : members) {
    result.items_.emplace_back(std::move(member.first));
    result.items_.emplace_back(std::move(member.second));
  }
  return result;
}

double value::to_double() const noexcept {
  switch (kind_) {
    case kind::integer: return static_cast<double>(int_);
    case kind::unsigned_integer: return static_cast<double>(as_uint());
    case kind::real: return real_;
    default: return 0;
  }
}

const value* value::find(std::string_view key) const noexcept {
  if (kind_ != kind::map)
    return nullptr;
  for (size_t i = 0; i + 1 < items_.size(); i += 2)
    if (items_[i].kind_ == kind::string && items_[i].str_ == key)
      return &items_[i + 1];
  return nullptr;
}

std::string_view value::string_member(std::string_view key) const noexcept {
  auto* member = find(key);
  if (member == nullptr || member->kind_ != kind::string)
    return {};
  return member->str_;
}

size_t value::footprint() const noexcept {
  auto text = [](const std::string& x) {
    return x.capacity() > 15 ? x.capacity() : 0;
  };
  size_t result = sizeof(value) + text(str_);
  for (auto& item : items_)
    // Scalars and strings without a call (the buffer sizes every record).
    result += item.items_.empty() ? sizeof(value) + text(item.str_)
                                  : item.footprint();
  return result;
}

bool operator==(const value& x, const value& y) noexcept {
  if (x.kind_ != y.kind_)
    return false;
  using kind = value::kind;
  switch (x.kind_) {
    case kind::nil: return true;
    case kind::boolean:
    case kind::integer:
    case kind::unsigned_integer: return x.int_ == y.int_;
    case kind::real:
      // Bitwise, so that NaN payloads compare equal to themselves.
      return x.real_ == y.real_ || (std::isnan(x.real_) && std::isnan(y.real_));
    case kind::string:
    case kind::binary: return x.str_ == y.str_;
    case kind::array:
    case kind::map: return x.items_ == y.items_;
  }
  return false;
}

namespace {

void append_hex(std::string& out, const std::string& bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 0x0F];
  }
}

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

void append_real(std::string& out, double x) {
  if (!std::isfinite(x)) {
    // JSON has no literal for these; keep them readable and distinct.
    out += std::isnan(x) ? "\"NaN\""
                         : (x > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    return;
  }
  // Shortest text that reads back to the same double.
  char buf[32];
  auto end = std::to_chars(buf, buf + sizeof(buf), x).ptr;
  std::string_view text{buf, static_cast<size_t>(end - buf)};
  out += text;
  // Keep reals distinguishable from integers ("1" -> "1.0").
  if (text.find_first_of(".eEn") == std::string_view::npos)
    out += ".0";
}

bool has_only_string_keys(const value& x) {
  auto& items = x.items();
  for (size_t i = 0; i < items.size(); i += 2)
    if (!items[i].is_string())
      return false;
  return true;
}

void append_json(std::string& out, const value& x) {
  using kind = value::kind;
  switch (x.type()) {
    case kind::nil: out += "null"; return;
    case kind::boolean: out += x.as_bool() ? "true" : "false"; return;
    case kind::integer: out += std::to_string(x.as_int()); return;
    case kind::unsigned_integer: out += std::to_string(x.as_uint()); return;
    case kind::real: append_real(out, x.as_real()); return;
    case kind::string: append_json_string(out, x.as_string()); return;
    case kind::binary:
      out += "{\"$binary\":\"";
      append_hex(out, x.as_string());
      out += "\"}";
      return;
    case kind::array: {
      out += '[';
      bool first = true;
      for (auto& item : x.items()) {
        if (!first)
          out += ',';
        first = false;
        append_json(out, item);
      }
      out += ']';
      return;
    }
    case kind::map: {
      auto& items = x.items();
      if (!has_only_string_keys(x)) {
        // Lossless form for msgpack maps whose keys are not all strings.
        out += "{\"$map\":[";
        for (size_t i = 0; i + 1 < items.size(); i += 2) {
          if (i > 0)
            out += ',';
          out += '[';
          append_json(out, items[i]);
          out += ',';
          append_json(out, items[i + 1]);
          out += ']';
        }
        out += "]}";
        return;
      }
      out += '{';
      for (size_t i = 0; i + 1 < items.size(); i += 2) {
        if (i > 0)
          out += ',';
        append_json_string(out, items[i].as_string());
        out += ':';
        append_json(out, items[i + 1]);
      }
      out += '}';
      return;
    }
  }
}

} // namespace

std::string to_json(const value& x) {
  std::string result;
  append_json(result, x);
  return result;
}

std::string to_string(const value& x) {
  return to_json(x);
}

} // namespace troupe
