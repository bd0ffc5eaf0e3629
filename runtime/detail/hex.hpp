#pragma once

#include <cstdint>

namespace troupe::detail {

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

inline constexpr hex_table hex_values;

/// The value of a hex digit, or -1.
inline int hex_digit(char c) noexcept {
  return hex_values.values[static_cast<unsigned char>(c)];
}

} // namespace troupe::detail
