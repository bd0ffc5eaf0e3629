#include "troupe/runtime/codec.hpp"

#include <cstdint>
#include <cstring>

#include "troupe/runtime/detail/hex.hpp"

namespace troupe::codec {

using detail::hex_digit;

// -- hex ----------------------------------------------------------------------

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

} // namespace troupe::codec
