#pragma once

#include <cstdint>
#include <string>

#include <caf/expected.hpp>

namespace troupe {

/// A host and a TCP port, as given on the command line ("HOST:PORT",
/// "[IPv6]:PORT").
struct endpoint {
  std::string host;
  uint16_t port = 0;
};

/// Parses "HOST:PORT" or "[IPv6]:PORT". Error `invalid_argument` naming
/// `what` (e.g. "--listen") and the text.
caf::expected<endpoint> parse_endpoint(const std::string& text,
                                       const std::string& what);

/// "host:port", with brackets around IPv6 hosts.
std::string to_string(const endpoint& x);

/// Whether every address `host` stands for is a loopback address
/// (127.0.0.0/8, ::1, "localhost"). Wildcards and names that do not
/// resolve are not loopback.
bool is_loopback(const std::string& host);

} // namespace troupe
