#pragma once

#include <functional>
#include <string>
#include <utility>

#include <fmt/format.h>

namespace troupe::log {

/// Severity of a log line. Lines below the current threshold are dropped
/// before formatting.
enum class level { debug, info, warning, error, off };

/// Receives every line that passes the threshold. The default sink writes
/// "troupe: <level>: <text>" to stderr, one line at a time.
using sink = std::function<void(level, const std::string&)>;

/// Sets the threshold (default: `level::warning`, or the value of the
/// environment variable TROUPE_LOG: debug, info, warning, error, off).
void set_level(level lvl);

level current_level() noexcept;

/// Replaces the sink; an empty function restores the stderr sink. Returns the
/// previous sink so tests can restore it.
sink set_sink(sink fn);

/// Writes one line (thread-safe).
void write(level lvl, const std::string& text);

/// Parses "debug", "info", "warning", "error" or "off".
bool parse_level(const std::string& text, level& out);

template <class... Ts>
void debug(fmt::format_string<Ts...> fstr, Ts&&... xs) {
  if (current_level() <= level::debug)
    write(level::debug, fmt::format(fstr, std::forward<Ts>(xs)...));
}

template <class... Ts>
void info(fmt::format_string<Ts...> fstr, Ts&&... xs) {
  if (current_level() <= level::info)
    write(level::info, fmt::format(fstr, std::forward<Ts>(xs)...));
}

template <class... Ts>
void warning(fmt::format_string<Ts...> fstr, Ts&&... xs) {
  if (current_level() <= level::warning)
    write(level::warning, fmt::format(fstr, std::forward<Ts>(xs)...));
}

template <class... Ts>
void error(fmt::format_string<Ts...> fstr, Ts&&... xs) {
  if (current_level() <= level::error)
    write(level::error, fmt::format(fstr, std::forward<Ts>(xs)...));
}

} // namespace troupe::log
