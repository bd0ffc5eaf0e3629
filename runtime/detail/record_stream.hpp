#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "troupe/messages/replay.hpp"

namespace troupe::detail {

/// One time-ordered run of records: a log file, or the parts of a split
/// set read one after the other. Sources merge several of them by time.
class record_stream {
public:
  enum class result { record, bad, end };

  virtual ~record_stream();

  /// Reads the next record into `out`, or describes a bad one in `bad`
  /// (the stream stays usable and continues after it).
  virtual result next(record& out, bad_record& bad) = 0;

  /// Back to the first record. False (with `error`) if a file went away.
  virtual bool rewind(std::string& error) = 0;

  /// Bytes read so far (for progress).
  virtual uint64_t bytes_read() const = 0;

  /// Total bytes of the stream's files.
  virtual uint64_t bytes_total() const = 0;
};

/// Converts seconds to nanoseconds, rounding to the nearest.
int64_t seconds_to_ns(double seconds) noexcept;

/// Writes `ns` as decimal seconds with at least `min_decimals` decimals and
/// as many more (up to 9) as needed to be exact.
std::string format_seconds(int64_t ns, int min_decimals);

/// Parses a plain decimal number of seconds ("12", "0.01000", "-3.5")
/// exactly into nanoseconds (digits beyond the 9th decimal are rounded).
bool parse_seconds(std::string_view text, int64_t& ns, std::string& error);

} // namespace troupe::detail
