#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace troupe::detail {

/// Reads a file line by line through a fixed buffer, counting lines. Lines
/// longer than `max_line` are not kept: `next` reports them as too long and
/// skips to the next newline, so a hostile file cannot exhaust memory.
class line_reader {
public:
  enum class status { line, too_long, end, io_error };

  static constexpr size_t default_max_line = 16 * 1024 * 1024;

  explicit line_reader(size_t max_line = default_max_line);

  ~line_reader();

  line_reader(const line_reader&) = delete;

  line_reader& operator=(const line_reader&) = delete;

  /// Opens `path`; false (with `errno` set) on failure.
  bool open(const std::string& path);

  /// Reads the next line without its terminator (and without a trailing
  /// '\r'). `text` stays valid until the next call.
  status next(std::string_view& text);

  /// Number of the line last returned (1-based).
  uint64_t line() const noexcept { return line_; }

  /// Rewinds to the first line.
  bool rewind();

  /// Bytes consumed so far.
  uint64_t offset() const noexcept { return consumed_; }

private:
  bool refill();

  std::FILE* file_ = nullptr;
  size_t max_line_;
  std::vector<char> buf_;
  size_t begin_ = 0;
  size_t end_ = 0;
  bool eof_ = false;
  uint64_t line_ = 0;
  uint64_t consumed_ = 0;
};

} // namespace troupe::detail
