#include "troupe/runtime/codec.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace troupe::codec {

// -- hex ----------------------------------------------------------------------

namespace {

/// Hex digit values, -1 for anything else (a table: hex decoding is the
/// hottest loop of reading MCL logs).
struct hex_table {
  int8_t values[256];

  constexpr hex_table() : values() {
    for (int i = 0; i < 256; ++i)
      values[i] = -1;
    for (int i = 0; i < 10; ++i)
      values['0' + i] = static_cast<int8_t>(i);
    for (int i = 0; i < 6; ++i) {
      values['a' + i] = static_cast<int8_t>(10 + i);
      values['A' + i] = static_cast<int8_t>(10 + i);
    }
  }
};

constexpr hex_table hex_values;

int hex_digit(char c) noexcept {
  return hex_values.values[static_cast<unsigned char>(c)];
}

} // namespace

bool decode_hex(std::string_view text, std::string& out, std::string& error) {
  if (text.size() % 2 != 0) {
    error = "odd number of hex digits (" + std::to_string(text.size()) + ")";
    return false;
  }
  out.resize(text.size() / 2);
  auto* dst = out.data();
  int bad = 0;
  for (size_t i = 0; i < text.size(); i += 2) {
    auto hi = hex_digit(text[i]);
    auto lo = hex_digit(text[i + 1]);
    bad |= hi | lo; // negative if any digit was bad
    // Unsigned arithmetic: a bad digit (-1) must not shift a negative
    // value; its byte is garbage anyway and the whole decode fails below.
    dst[i / 2] = static_cast<char>((static_cast<unsigned>(hi) << 4)
                                   | static_cast<unsigned>(lo));
  }
  if (bad < 0) {
    for (size_t i = 0; i < text.size(); ++i)
      if (hex_digit(text[i]) < 0) {
        error = "bad hex digit at payload column " + std::to_string(i + 1);
        break;
      }
    return false;
  }
  return true;
}

void append_hex(std::string& out, std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  auto offset = out.size();
  out.resize(offset + bytes.size() * 2);
  for (unsigned char c : bytes) {
    out[offset++] = digits[c >> 4];
    out[offset++] = digits[c & 0x0F];
  }
}

// -- msgpack ------------------------------------------------------------------

namespace {

class msgpack_reader {
public:
  explicit msgpack_reader(std::string_view bytes) : bytes_(bytes) {
    // nop
  }

  bool read(value& out, int depth) {
    if (depth > max_depth)
      return fail("nesting deeper than " + std::to_string(max_depth));
    uint8_t tag = 0;
    if (!byte(tag))
      return false;
    if (tag <= 0x7f) {
      out.set_int(tag);
      return true;
    }
    if (tag >= 0xe0) {
      out.set_int(static_cast<int8_t>(tag));
      return true;
    }
    if ((tag & 0xf0) == 0x80)
      return read_map(tag & 0x0f, out, depth);
    if ((tag & 0xf0) == 0x90)
      return read_array(tag & 0x0f, out, depth);
    if ((tag & 0xe0) == 0xa0)
      return str(tag & 0x1f, out);
    switch (tag) {
      case 0xc0: out.set_nil(); return true;
      case 0xc2: out.set_bool(false); return true;
      case 0xc3: out.set_bool(true); return true;
      case 0xc4: return read_sized<uint8_t>(out, &msgpack_reader::bin);
      case 0xc5: return read_sized<uint16_t>(out, &msgpack_reader::bin);
      case 0xc6: return read_sized<uint32_t>(out, &msgpack_reader::bin);
      case 0xca: return real<uint32_t, float>(out);
      case 0xcb: return real<uint64_t, double>(out);
      case 0xcc: return unsigned_int<uint8_t>(out);
      case 0xcd: return unsigned_int<uint16_t>(out);
      case 0xce: return unsigned_int<uint32_t>(out);
      case 0xcf: return unsigned_int<uint64_t>(out);
      case 0xd0: return signed_int<uint8_t, int8_t>(out);
      case 0xd1: return signed_int<uint16_t, int16_t>(out);
      case 0xd2: return signed_int<uint32_t, int32_t>(out);
      case 0xd3: return signed_int<uint64_t, int64_t>(out);
      case 0xd9: return read_sized<uint8_t>(out, &msgpack_reader::str);
      case 0xda: return read_sized<uint16_t>(out, &msgpack_reader::str);
      case 0xdb: return read_sized<uint32_t>(out, &msgpack_reader::str);
      case 0xdc: {
        uint16_t n = 0;
        return big_endian(n) && read_array(n, out, depth);
      }
      case 0xdd: {
        uint32_t n = 0;
        return big_endian(n) && read_array(n, out, depth);
      }
      case 0xde: {
        uint16_t n = 0;
        return big_endian(n) && read_map(n, out, depth);
      }
      case 0xdf: {
        uint32_t n = 0;
        return big_endian(n) && read_map(n, out, depth);
      }
      default:
        return fail("unsupported msgpack type 0x" + hex_byte(tag)
                    + (tag == 0xc1 ? " (never used)" : " (extension)"));
    }
  }

  bool at_end() const noexcept { return pos_ == bytes_.size(); }

  size_t pos() const noexcept { return pos_; }

  std::string error;

private:
  static std::string hex_byte(uint8_t x) {
    std::string result;
    append_hex(result, std::string_view{reinterpret_cast<char*>(&x), 1});
    return result;
  }

  bool fail(std::string what) {
    error = "bad msgpack at byte " + std::to_string(pos_) + ": "
            + std::move(what);
    return false;
  }

  bool truncated() { return fail("truncated"); }

  bool byte(uint8_t& x) {
    if (pos_ >= bytes_.size())
      return truncated();
    x = static_cast<uint8_t>(bytes_[pos_++]);
    return true;
  }

  template <class T>
  bool big_endian(T& x) {
    if (bytes_.size() - pos_ < sizeof(T))
      return truncated();
    x = 0;
    for (size_t i = 0; i < sizeof(T); ++i)
      x = static_cast<T>((x << 8) | static_cast<uint8_t>(bytes_[pos_ + i]));
    pos_ += sizeof(T);
    return true;
  }

  template <class T>
  bool unsigned_int(value& out) {
    T x = 0;
    if (!big_endian(x))
      return false;
    // Small unsigned values read back as plain integers, as msgpack
    // libraries do, so that re-encoding picks the same smallest form.
    if (static_cast<uint64_t>(x) <= static_cast<uint64_t>(INT64_MAX))
      out.set_int(static_cast<int64_t>(x));
    else
      out.set_uint(x);
    return true;
  }

  template <class T, class Signed>
  bool signed_int(value& out) {
    T x = 0;
    if (!big_endian(x))
      return false;
    out.set_int(static_cast<Signed>(x));
    return true;
  }

  /// An IEEE float stored big-endian in `sizeof(Bits)` bytes.
  template <class Bits, class Real>
  bool real(value& out) {
    static_assert(sizeof(Bits) == sizeof(Real));
    Bits bits = 0;
    if (!big_endian(bits))
      return false;
    Real x;
    std::memcpy(&x, &bits, sizeof(x));
    out.set_real(x);
    return true;
  }

  using payload_fn = bool (msgpack_reader::*)(size_t, value&);

  template <class T>
  bool read_sized(value& out, payload_fn fn) {
    T n = 0;
    return big_endian(n) && (this->*fn)(n, out);
  }

  bool span(size_t n, std::string& out) {
    if (bytes_.size() - pos_ < n)
      return truncated();
    out.assign(bytes_.data() + pos_, n);
    pos_ += n;
    return true;
  }

  bool str(size_t n, value& out) { return span(n, out.set_string()); }

  bool bin(size_t n, value& out) { return span(n, out.set_binary()); }

  bool read_array(size_t n, value& out, int depth) {
    // Every element takes at least one byte: refuse sizes the input cannot
    // hold before allocating for them.
    if (n > bytes_.size() - pos_)
      return truncated();
    auto& items = out.set_array();
    items.resize(n);
    for (auto& item : items)
      if (!read(item, depth + 1))
        return false;
    return true;
  }

  bool read_map(size_t n, value& out, int depth) {
    if (n > (bytes_.size() - pos_) / 2)
      return truncated();
    auto& items = out.set_map();
    items.resize(n * 2);
    for (auto& item : items)
      if (!read(item, depth + 1))
        return false;
    return true;
  }

  std::string_view bytes_;
  size_t pos_ = 0;
};

template <class T>
void put_big_endian(std::string& out, T x) {
  for (size_t i = sizeof(T); i > 0; --i)
    out += static_cast<char>((x >> ((i - 1) * 8)) & 0xff);
}

void put_header(std::string& out, size_t n, uint8_t fix_tag, size_t fix_max,
                uint8_t tag8, uint8_t tag16, uint8_t tag32) {
  if (n <= fix_max) {
    out += static_cast<char>(fix_tag | n);
  } else if (tag8 != 0 && n <= 0xff) {
    out += static_cast<char>(tag8);
    put_big_endian(out, static_cast<uint8_t>(n));
  } else if (n <= 0xffff) {
    out += static_cast<char>(tag16);
    put_big_endian(out, static_cast<uint16_t>(n));
  } else {
    out += static_cast<char>(tag32);
    put_big_endian(out, static_cast<uint32_t>(n));
  }
}

void put_unsigned(std::string& out, uint64_t x) {
  if (x <= 0x7f) {
    out += static_cast<char>(x);
  } else if (x <= 0xff) {
    out += static_cast<char>(0xcc);
    put_big_endian(out, static_cast<uint8_t>(x));
  } else if (x <= 0xffff) {
    out += static_cast<char>(0xcd);
    put_big_endian(out, static_cast<uint16_t>(x));
  } else if (x <= 0xffffffff) {
    out += static_cast<char>(0xce);
    put_big_endian(out, static_cast<uint32_t>(x));
  } else {
    out += static_cast<char>(0xcf);
    put_big_endian(out, x);
  }
}

void put_signed(std::string& out, int64_t x) {
  if (x >= 0) {
    put_unsigned(out, static_cast<uint64_t>(x));
  } else if (x >= -32) {
    out += static_cast<char>(static_cast<int8_t>(x));
  } else if (x >= INT8_MIN) {
    out += static_cast<char>(0xd0);
    put_big_endian(out, static_cast<uint8_t>(static_cast<int8_t>(x)));
  } else if (x >= INT16_MIN) {
    out += static_cast<char>(0xd1);
    put_big_endian(out, static_cast<uint16_t>(static_cast<int16_t>(x)));
  } else if (x >= INT32_MIN) {
    out += static_cast<char>(0xd2);
    put_big_endian(out, static_cast<uint32_t>(static_cast<int32_t>(x)));
  } else {
    out += static_cast<char>(0xd3);
    put_big_endian(out, static_cast<uint64_t>(x));
  }
}

} // namespace

bool decode_msgpack(std::string_view bytes, value& out, std::string& error) {
  msgpack_reader reader{bytes};
  if (!reader.read(out, 0)) {
    error = std::move(reader.error);
    return false;
  }
  if (!reader.at_end()) {
    error = "bad msgpack: " + std::to_string(bytes.size() - reader.pos())
            + " trailing byte(s) after the object";
    return false;
  }
  return true;
}

void append_msgpack(std::string& out, const value& x) {
  using kind = value::kind;
  switch (x.type()) {
    case kind::nil: out += static_cast<char>(0xc0); return;
    case kind::boolean:
      out += static_cast<char>(x.as_bool() ? 0xc3 : 0xc2);
      return;
    case kind::integer: put_signed(out, x.as_int()); return;
    case kind::unsigned_integer: put_unsigned(out, x.as_uint()); return;
    case kind::real: {
      uint64_t bits = 0;
      auto real = x.as_real();
      std::memcpy(&bits, &real, sizeof(bits));
      out += static_cast<char>(0xcb);
      put_big_endian(out, bits);
      return;
    }
    case kind::string:
      put_header(out, x.as_string().size(), 0xa0, 31, 0xd9, 0xda, 0xdb);
      out += x.as_string();
      return;
    case kind::binary:
      put_header(out, x.as_string().size(), 0, 0, 0xc4, 0xc5, 0xc6);
      // put_header writes a fix tag for size 0; bin has none.
      if (x.as_string().empty()) {
        out.back() = static_cast<char>(0xc4);
        out += '\0';
      }
      out += x.as_string();
      return;
    case kind::array:
      put_header(out, x.items().size(), 0x90, 15, 0, 0xdc, 0xdd);
      for (auto& item : x.items())
        append_msgpack(out, item);
      return;
    case kind::map:
      put_header(out, x.items().size() / 2, 0x80, 15, 0, 0xde, 0xdf);
      for (auto& item : x.items())
        append_msgpack(out, item);
      return;
  }
}

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
    ++pos_;
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
    } else {
      value scratch;
      std::string key;
      for (;;) {
        skip_space();
        if (pos_ >= text_.size() || text_[pos_] != '"')
          return fail("expected a string key");
        key.clear();
        if (!string(key) || !expect(':'))
          return false;
        skip_space();
        auto* slot = slot_of(ctx, key);
        if (!read(slot != nullptr ? *slot : scratch, 1))
          return false;
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (!expect('}'))
          return false;
        break;
      }
    }
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

  bool object(value& out, int depth) {
    ++pos_; // '{'
    auto& items = out.set_map();
    items.reserve(8);
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
      return true;
    }
    for (;;) {
      skip_space();
      if (pos_ >= text_.size() || text_[pos_] != '"')
        return fail("expected a string key");
      items.emplace_back();
      if (!string(items.back().set_string()))
        return false;
      if (!expect(':'))
        return false;
      skip_space();
      items.emplace_back();
      if (!read(items.back(), depth + 1))
        return false;
      skip_space();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (!expect('}'))
        return false;
      return special_form(out);
    }
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
