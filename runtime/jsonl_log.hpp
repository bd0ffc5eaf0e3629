#pragma once

// JSON Lines logs: one record per line,
// `{"elapsed_time": 0.01, "topic": "gps", "payload": {...}}`, with an
// optional `"type"` when the payload's `name` does not give the message
// type.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "troupe/messages/replay.hpp"
#include "troupe/runtime/detail/record_stream.hpp"

namespace troupe::jsonl {

/// Parses one line into `out`; false with the reason in `error` (naming
/// the field for a missing or mistyped one).
bool parse_line(std::string_view line, record& out, std::string& error);

/// Appends one line (with its newline).
void append_line(std::string& out, const record& x);

/// A stream over one JSON Lines file.
std::unique_ptr<detail::record_stream> make_stream(std::string path,
                                                   uint32_t file_index);

} // namespace troupe::jsonl
