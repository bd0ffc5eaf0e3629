#pragma once

// Writing logs: MCL_LOG (one log per message type, as MCL keeps them) or
// JSON Lines, optionally split into parts by size or record count.

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "troupe/messages/replay.hpp"

#include <caf/error.hpp>
#include <caf/expected.hpp>

namespace troupe {

enum class log_format { mcl, jsonl };

/// Parses "mcl" or "jsonl".
bool parse_log_format(const std::string& text, log_format& out);

/// How a `log_writer` writes.
struct write_options {
  log_format format = log_format::jsonl;
  /// Start a new part after this many bytes (0: never).
  uint64_t split_bytes = 0;
  /// Start a new part after this many records (0: never).
  uint64_t split_records = 0;
  /// The `created` line of MCL headers.
  std::string created = "1970-01-01 00:00:00";
  /// The `revision` line of MCL headers.
  std::string revision;
};

/// Writes records to `path`. For MCL_LOG, `path` may be a directory (it
/// exists or ends with '/'): each message type then gets `<Type>.log`;
/// a file path holds one type only. Split parts are named `<base>_000`,
/// `<base>_001`, ... with the original extension; MCL parts after the first
/// have no header, as MCL writes them.
class log_writer {
public:
  static caf::expected<std::unique_ptr<log_writer>>
  open(const std::string& path, write_options opts);

  ~log_writer();

  log_writer(const log_writer&) = delete;

  log_writer& operator=(const log_writer&) = delete;

  caf::error write(const record& x);

  /// Flushes every file (what was written is complete on disk).
  caf::error flush();

  /// Flushes and closes every file; writing afterwards is an error. Also
  /// done by the destructor.
  caf::error close();

  /// Every file written so far.
  const std::vector<std::string>& files() const noexcept { return files_; }

  uint64_t records() const noexcept { return records_; }

private:
  struct output {
    std::string base; // path without extension
    std::string ext;
    std::string type;
    std::FILE* file = nullptr;
    uint64_t part = 0;
    uint64_t bytes = 0;
    uint64_t records = 0;
  };

  log_writer(std::string path, write_options opts, bool directory);

  caf::expected<output*> output_for(const record& x);

  caf::error open_part(output& out);

  std::string path_;
  write_options opts_;
  bool directory_;
  std::map<std::string, output> outputs_; // by type ("" for JSON Lines)
  std::vector<std::string> files_;
  std::string line_;
  uint64_t records_ = 0;
  bool closed_ = false;
};

} // namespace troupe
