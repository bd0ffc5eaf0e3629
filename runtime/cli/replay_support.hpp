#pragma once

// Helpers shared by the replay, record, inspect and convert subcommands.

#include <cstdint>
#include <string>
#include <vector>

#include "troupe/messages/replay.hpp"
#include "troupe/runtime/cli/cli.hpp"

#include <caf/error.hpp>

namespace troupe::cli {

/// Prints "troupe <command>: <text>" on stderr and returns `exit_usage`.
int fail(const std::string& command, const std::string& text);

/// Same for an error value.
int fail(const std::string& command, const caf::error& err);

/// Parses a non-negative number of seconds ("1.5") into nanoseconds; on
/// failure `error` names the option.
bool parse_seconds_option(const std::string& option, const std::string& text,
                          int64_t& ns, std::string& error);

/// Splits "a,b,c" (empty parts dropped).
std::vector<std::string> split_list(const std::string& text);

/// How much of the replay is done, 0 to 1, for the progress bar: the
/// share of the file read, less what is read ahead but not yet passed on
/// (published, filtered out or dropped). A finished replay is 1; on a
/// loop's later passes, the reader's position in the pass.
double replay_progress(const replay_status& st, const buffer_status& bst);

/// Microseconds as a JSON-friendly double.
double to_us(int64_t ns);

} // namespace troupe::cli
