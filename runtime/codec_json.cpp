// The JSON half of the codecs (see codec.hpp): a reader of JSON text into
// `value`, whole documents or a record's members.

#include <charconv>
#include <cmath>
#include <cstdint>

#include "troupe/runtime/codec.hpp"
#include "troupe/runtime/detail/hex.hpp"

namespace troupe::codec {

using detail::hex_digit;

// -- JSON ---------------------------------------------------------------------

namespace {

class json_reader {
public:
  explicit json_reader(std::string_view text) : text_(text) {
    // nop
  }

  bool document(value& out) {
    skip_space();
    if (!read(out, 0))
      return false;
    skip_space();
    if (pos_ != text_.size())
      return fail("unexpected text after the JSON value");
    return true;
  }

  /// Parses a top-level object, each member's value into the slot that
  /// `slot_of(key)` names (or a scratch value).
  bool members(void* ctx, value* (*slot_of)(void*, std::string_view)) {
    skip_space();
    if (pos_ >= text_.size() || text_[pos_] != '{')
      return fail("a record must be a JSON object");
    value scratch;
    std::string key;
    auto key_slot = [&]() -> std::string& {
      key.clear();
      return key;
    };
    auto read_value = [&] {
      auto* slot = slot_of(ctx, key);
      return read(slot != nullptr ? *slot : scratch, 1);
    };
    if (!object_body(key_slot, read_value))
      return false;
    skip_space();
    if (pos_ != text_.size())
      return fail("unexpected text after the JSON value");
    return true;
  }

  std::string error;

private:
  bool fail(std::string what) {
    error = "bad JSON at column " + std::to_string(pos_ + 1) + ": "
            + std::move(what);
    return false;
  }

  void skip_space() noexcept {
    while (pos_ < text_.size()
           && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n'
               || text_[pos_] == '\r'))
      ++pos_;
  }

  bool literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word)
      return fail("unexpected character");
    pos_ += word.size();
    return true;
  }

  bool read(value& out, int depth) {
    if (depth > max_depth)
      return fail("nesting deeper than " + std::to_string(max_depth));
    if (pos_ >= text_.size())
      return fail("unexpected end");
    switch (text_[pos_]) {
      case '{': return object(out, depth);
      case '[': return array(out, depth);
      case '"': return string(out.set_string());
      case 't': out.set_bool(true); return literal("true");
      case 'f': out.set_bool(false); return literal("false");
      case 'n': out.set_nil(); return literal("null");
      default: return number(out);
    }
  }

  bool expect(char c) {
    skip_space();
    if (pos_ >= text_.size() || text_[pos_] != c)
      return fail(std::string{"expected '"} + c + "'");
    ++pos_;
    return true;
  }

  bool array(value& out, int depth) {
    ++pos_; // '['
    auto& items = out.set_array();
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == ']') {
      ++pos_;
      return true;
    }
    for (;;) {
      skip_space();
      items.emplace_back();
      if (!read(items.back(), depth + 1))
        return false;
      skip_space();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      return expect(']');
    }
  }

  /// Parses the object that starts at the current '{': `key_slot()` gives
  /// the string each key is read into, then `read_value()` reads its value.
  template <class KeySlot, class ReadValue>
  bool object_body(KeySlot key_slot, ReadValue read_value) {
    ++pos_; // '{'
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
      return true;
    }
    for (;;) {
      skip_space();
      if (pos_ >= text_.size() || text_[pos_] != '"')
        return fail("expected a string key");
      if (!string(key_slot()) || !expect(':'))
        return false;
      skip_space();
      if (!read_value())
        return false;
      skip_space();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      return expect('}');
    }
  }

  bool object(value& out, int depth) {
    auto& items = out.set_map();
    items.reserve(8);
    auto key_slot = [&]() -> std::string& {
      items.emplace_back();
      return items.back().set_string();
    };
    auto read_value = [&] {
      items.emplace_back();
      return read(items.back(), depth + 1);
    };
    return object_body(key_slot, read_value) && special_form(out);
  }

  // Turns the lossless forms written by `to_json` back into their values.
  bool special_form(value& x) {
    if (x.size() != 1 || x.items()[0].as_string().empty()
        || x.items()[0].as_string()[0] != '$')
      return true;
    auto& key = x.items()[0].as_string();
    auto& body = x.items()[1];
    if (key == "$binary" && body.is_string()) {
      std::string bytes;
      std::string why;
      if (!decode_hex(body.as_string(), bytes, why))
        return fail("$binary: " + why);
      x = value::binary(std::move(bytes));
    } else if (key == "$map" && body.is_array()) {
      std::vector<value> items;
      for (auto& pair : body.items()) {
        if (!pair.is_array() || pair.items().size() != 2)
          return fail("$map: each member must be a [key, value] pair");
        items.push_back(pair.items()[0]);
        items.push_back(pair.items()[1]);
      }
      x = value::map_items(std::move(items));
    }
    return true;
  }

  static void put_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xc0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xe0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }

  bool hex4(uint32_t& cp) {
    if (text_.size() - pos_ < 4)
      return fail("truncated \\u escape");
    cp = 0;
    for (int i = 0; i < 4; ++i) {
      auto d = hex_digit(text_[pos_++]);
      if (d < 0)
        return fail("bad \\u escape");
      cp = (cp << 4) | static_cast<uint32_t>(d);
    }
    return true;
  }

  bool escape(std::string& out) {
    if (pos_ >= text_.size())
      return fail("unterminated string");
    char c = text_[pos_++];
    switch (c) {
      case '"': out += '"'; return true;
      case '\\': out += '\\'; return true;
      case '/': out += '/'; return true;
      case 'b': out += '\b'; return true;
      case 'f': out += '\f'; return true;
      case 'n': out += '\n'; return true;
      case 'r': out += '\r'; return true;
      case 't': out += '\t'; return true;
      case 'u': {
        uint32_t cp = 0;
        if (!hex4(cp))
          return false;
        if (cp >= 0xd800 && cp <= 0xdbff && text_.substr(pos_, 2) == "\\u") {
          pos_ += 2;
          uint32_t low = 0;
          if (!hex4(low))
            return false;
          if (low >= 0xdc00 && low <= 0xdfff)
            cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        }
        put_utf8(out, cp);
        return true;
      }
      default: return fail("bad escape");
    }
  }

  bool string(std::string& out) {
    ++pos_; // opening quote
    for (;;) {
      auto start = pos_;
      while (pos_ < text_.size() && text_[pos_] != '"' && text_[pos_] != '\\'
             && static_cast<unsigned char>(text_[pos_]) >= 0x20)
        ++pos_;
      out.append(text_.data() + start, pos_ - start);
      if (pos_ >= text_.size())
        return fail("unterminated string");
      char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c != '\\')
        return fail("control character in string");
      ++pos_;
      if (!escape(out))
        return false;
    }
  }

  bool number(value& out) {
    auto start = pos_;
    bool real = false;
    if (pos_ < text_.size() && text_[pos_] == '-')
      ++pos_;
    auto digits_start = pos_;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9')
      ++pos_;
    if (pos_ == digits_start)
      return fail("unexpected character");
    if (pos_ < text_.size() && text_[pos_] == '.') {
      real = true;
      ++pos_;
      auto frac = pos_;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9')
        ++pos_;
      if (pos_ == frac)
        return fail("digits expected after '.'");
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      real = true;
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-'))
        ++pos_;
      auto exp = pos_;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9')
        ++pos_;
      if (pos_ == exp)
        return fail("digits expected in exponent");
    }
    auto* first = text_.data() + start;
    auto* last = text_.data() + pos_;
    if (!real) {
      int64_t x = 0;
      auto res = std::from_chars(first, last, x);
      if (res.ec == std::errc{} && res.ptr == last) {
        out.set_int(x);
        return true;
      }
      uint64_t u = 0;
      res = std::from_chars(first, last, u);
      if (res.ec == std::errc{} && res.ptr == last) {
        out.set_uint(u);
        return true;
      }
      // Out of integer range: read it as a real.
    }
    double x = 0;
    auto res = std::from_chars(first, last, x);
    if (res.ec == std::errc::result_out_of_range) {
      x = first[0] == '-' ? -HUGE_VAL : HUGE_VAL;
      // Tiny magnitudes underflow to zero rather than overflow.
      auto e = std::string_view{first, static_cast<size_t>(last - first)};
      auto epos = e.find_first_of("eE");
      if (epos != std::string_view::npos
          && e.find('-', epos) != std::string_view::npos)
        x = first[0] == '-' ? -0.0 : 0.0;
    } else if (res.ec != std::errc{} || res.ptr != last) {
      return fail("bad number");
    }
    out.set_real(x);
    return true;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

} // namespace

bool parse_json_members(std::string_view text, void* ctx,
                        value* (*slot_of)(void*, std::string_view),
                        std::string& error) {
  json_reader reader{text};
  if (!reader.members(ctx, slot_of)) {
    error = std::move(reader.error);
    return false;
  }
  return true;
}

bool parse_json(std::string_view text, value& out, std::string& error) {
  json_reader reader{text};
  if (!reader.document(out)) {
    error = std::move(reader.error);
    return false;
  }
  return true;
}

} // namespace troupe::codec
