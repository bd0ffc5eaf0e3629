#pragma once

// The MCL_LOG format: a header of '#' lines (a dash line, `# MCL_LOG`, the
// version, revision and created lines, the `>>> Type` line naming the
// message type or `None` for raw data, a closing dash line), then one
// record per line: `<seconds> '<topic>' <hex of msgpack payload>`. A split
// set `<Name>_000.log, <Name>_001.log, ...` is one log cut into parts;
// only `_000` carries the header.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "troupe/messages/replay.hpp"
#include "troupe/runtime/detail/record_stream.hpp"

#include <caf/expected.hpp>

namespace troupe::mcl {

/// What an MCL_LOG header says.
struct header {
  std::string version = "1.0";
  std::string revision;
  std::string created = "1970-01-01 00:00:00";
  /// The message type; "None" for raw data.
  std::string type;

  bool raw() const { return type == "None"; }
};

/// Reads the header at the top of `path`. `present` is false for a file
/// without one (a later part of a split set). Error `bad_input` naming
/// file:line for a malformed header, `io_error` if unreadable.
caf::expected<header> read_header(const std::string& path, bool& present);

/// Renders a header (ends with a newline).
std::string format_header(const header& hdr);

/// Parses one data line. `file` is only used in the record.
bool parse_line(std::string_view line, record& out, std::string& scratch,
                std::string& error);

/// Appends one data line (with its newline): the time right-aligned to 12
/// characters with 5 decimals (more if needed to be exact), the topic
/// quoted, the payload as msgpack hex.
void append_line(std::string& out, const record& x);

/// A stream over the parts of one log (one file, or a split set in part
/// order). `type` comes from the first part's header; `file_index` is the
/// index of the first part in the source's file list.
std::unique_ptr<detail::record_stream>
make_stream(std::vector<std::string> parts, uint32_t file_index,
            std::string type);

} // namespace troupe::mcl
