#pragma once

// The dynamic value that replayed payloads arrive as when no decoder to a
// C++ type is registered: the tree of a msgpack (MCL_LOG) or JSON (JSON
// Lines) document. Serializable, so it crosses node boundaries like any
// other message.

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <caf/meta/type_name.hpp>

namespace troupe {

/// A msgpack / JSON document: nil, bool, signed or unsigned integer, real,
/// string, binary, array or map. Map keys are values too (msgpack allows any
/// key); `find` looks up string keys. Sent by the broadcaster to topic
/// subscribers inside replayed deliveries `(topic_header, value)`; no reply.
class value {
public:
  enum class kind : uint8_t {
    nil,
    boolean,
    integer,
    unsigned_integer,
    real,
    string,
    binary,
    array,
    map,
  };

  value() = default;

  value(std::nullptr_t) {
    // nop
  }

  value(bool x) : kind_(kind::boolean), int_(x ? 1 : 0) {
    // nop
  }

  /// Any signed integer type.
  template <class T, std::enable_if_t<std::is_integral<T>::value
                                          && std::is_signed<T>::value
                                          && !std::is_same<T, bool>::value,
                                      int> = 0>
  value(T x) : kind_(kind::integer), int_(static_cast<int64_t>(x)) {
    // nop
  }

  /// Any unsigned integer type.
  template <class T, std::enable_if_t<std::is_integral<T>::value
                                          && std::is_unsigned<T>::value
                                          && !std::is_same<T, bool>::value,
                                      int> = 0>
  value(T x) : kind_(kind::unsigned_integer), int_(static_cast<int64_t>(x)) {
    // nop
  }

  value(double x) : kind_(kind::real), real_(x) {
    // nop
  }

  value(std::string x) : kind_(kind::string), str_(std::move(x)) {
    // nop
  }

  value(const char* x) : kind_(kind::string), str_(x) {
    // nop
  }

  static value binary(std::string bytes);

  static value array(std::vector<value> items);

  /// A map from alternating keys and values: `{k0, v0, k1, v1, ...}` (keys
  /// of any kind, as msgpack allows).
  static value map_items(std::vector<value> keys_and_values);

  /// A map from string keys.
  static value map(std::vector<std::pair<std::string, value>> members);

  // -- in-place setters (for decoders: no temporaries, no moves) ------------

  void set_nil() noexcept { reset(kind::nil); }

  void set_bool(bool x) noexcept {
    reset(kind::boolean);
    int_ = x ? 1 : 0;
  }

  void set_int(int64_t x) noexcept {
    reset(kind::integer);
    int_ = x;
  }

  void set_uint(uint64_t x) noexcept {
    reset(kind::unsigned_integer);
    int_ = static_cast<int64_t>(x);
  }

  void set_real(double x) noexcept {
    reset(kind::real);
    real_ = x;
  }

  /// Turns this into an empty string and returns it for filling.
  std::string& set_string() noexcept {
    reset(kind::string);
    return str_;
  }

  std::string& set_binary() noexcept {
    reset(kind::binary);
    return str_;
  }

  /// Turns this into an empty array and returns its elements for filling.
  std::vector<value>& set_array() noexcept {
    reset(kind::array);
    return items_;
  }

  /// Turns this into an empty map; fill with keys and values alternating.
  std::vector<value>& set_map() noexcept {
    reset(kind::map);
    return items_;
  }

  // -- observers ------------------------------------------------------------

  kind type() const noexcept { return kind_; }

  bool is_nil() const noexcept { return kind_ == kind::nil; }

  bool is_map() const noexcept { return kind_ == kind::map; }

  bool is_array() const noexcept { return kind_ == kind::array; }

  bool is_string() const noexcept { return kind_ == kind::string; }

  bool is_number() const noexcept {
    return kind_ == kind::integer || kind_ == kind::unsigned_integer
           || kind_ == kind::real;
  }

  bool as_bool() const noexcept { return int_ != 0; }

  int64_t as_int() const noexcept { return int_; }

  uint64_t as_uint() const noexcept { return static_cast<uint64_t>(int_); }

  double as_real() const noexcept { return real_; }

  /// Any number as a double (0 for non-numbers).
  double to_double() const noexcept;

  /// The text of a string or the bytes of a binary.
  const std::string& as_string() const noexcept { return str_; }

  std::string& as_string() noexcept { return str_; }

  /// Array elements, or map keys and values alternating.
  const std::vector<value>& items() const noexcept { return items_; }

  std::vector<value>& items() noexcept { return items_; }

  /// Elements of an array or members of a map.
  size_t size() const noexcept {
    return kind_ == kind::map ? items_.size() / 2 : items_.size();
  }

  /// The member of a map with string key `key`, or nullptr.
  const value* find(std::string_view key) const noexcept;

  /// The string member `key` of a map, or an empty view.
  std::string_view string_member(std::string_view key) const noexcept;

  /// Rough heap footprint in bytes (for the buffer's byte bound).
  size_t footprint() const noexcept;

  friend bool operator==(const value& x, const value& y) noexcept;

  friend bool operator!=(const value& x, const value& y) noexcept {
    return !(x == y);
  }

  template <class Inspector>
  friend typename Inspector::result_type inspect(Inspector& f, value& x) {
    return f(caf::meta::type_name("troupe::value"), x.kind_code_ref(), x.int_,
             x.real_, x.str_, x.items_);
  }

private:
  void reset(kind k) noexcept {
    kind_ = k;
    int_ = 0;
    real_ = 0;
    str_.clear();
    items_.clear();
  }

  // Serialized as its underlying integer; every enumerator is valid.
  uint8_t& kind_code_ref() noexcept {
    return reinterpret_cast<uint8_t&>(kind_);
  }

  kind kind_ = kind::nil;
  int64_t int_ = 0;
  double real_ = 0;
  std::string str_;
  std::vector<value> items_;
};

/// Renders `x` as compact JSON (binaries as `{"$binary": "<hex>"}`, non-string
/// map keys as their JSON text). Also the `to_string` CAF uses for printing.
std::string to_json(const value& x);

std::string to_string(const value& x);

} // namespace troupe
