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

/// Microseconds as a JSON-friendly double.
double to_us(int64_t ns);

} // namespace troupe::cli
