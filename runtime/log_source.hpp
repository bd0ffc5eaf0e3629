#pragma once

// Opening logs for replay: files and directories of MCL_LOG or JSON Lines,
// merged by time into one source of records.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "troupe/messages/replay.hpp"
#include "troupe/runtime/detail/record_stream.hpp"

#include <caf/expected.hpp>

namespace troupe {

/// How `open_logs` reads.
struct read_options {
  /// Keep only records in [min_ns, max_ns] (no_time: unbounded).
  int64_t min_ns = no_time;
  int64_t max_ns = no_time;
  /// Read MCL raw-data logs (`>>> None`) found in directories.
  bool include_raw = false;
};

/// Records from one or more logs in time order (ties: earlier file name
/// first). Bad records are reported, not thrown: `next` returns `bad` with
/// the file, line and reason, and reading goes on after them.
class record_source {
public:
  enum class result { record, bad, end };

  virtual ~record_source();

  virtual result next(record& out, bad_record& bad) = 0;

  /// Back to the first record.
  virtual caf::error rewind() = 0;

  /// Every file read, in the order `record::file` indexes them.
  virtual const std::vector<std::string>& files() const = 0;

  /// Bytes read and total (0 / 0 for sources without files).
  virtual uint64_t bytes_read() const = 0;

  virtual uint64_t bytes_total() const = 0;
};

/// Opens `paths` (files or directories; formats by extension `.log` /
/// `.jsonl` / `.json` / `.ndjson`, else by content). Directories contribute
/// their `.log` and `.jsonl` files; `<Name>_000.log, <Name>_001.log, ...`
/// form one split set. Errors: `not_found` for a missing path,
/// `bad_input` for a malformed header, inconsistent `created` times or a
/// directory with nothing readable, `invalid_argument` for min > max.
caf::expected<std::unique_ptr<record_source>>
open_logs(const std::vector<std::string>& paths, const read_options& opts);

/// A source over records held in memory (sorted by time, stable).
std::unique_ptr<record_source> memory_source(std::vector<record> records);

/// Reads every record of `src` (for tools and tests); bad records go to
/// `bad` when given.
std::vector<record> read_all(record_source& src,
                             std::vector<bad_record>* bad = nullptr);

} // namespace troupe
