#pragma once

#include <chrono>
#include <string>

#include <caf/timespan.hpp>

#include <fmt/format.h>

namespace troupe::detail {

/// A duration as people read it in log lines and errors: "250 ms", "1.5 s".
inline std::string format_duration(caf::timespan d) {
  using std::chrono::duration_cast;
  auto ns = d.count();
  auto abs_ns = ns < 0 ? -ns : ns;
  if (abs_ns < 1'000)
    return fmt::format("{} ns", ns);
  if (abs_ns < 1'000'000)
    return fmt::format("{:g} us", ns / 1e3);
  if (abs_ns < 1'000'000'000)
    return fmt::format("{:g} ms", ns / 1e6);
  if (abs_ns < 3'600'000'000'000)
    return fmt::format("{:g} s", ns / 1e9);
  return fmt::format("{:g} h", ns / 3.6e12);
}

} // namespace troupe::detail
