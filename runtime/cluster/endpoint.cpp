#include "troupe/runtime/cluster/endpoint.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "troupe/messages/errors.hpp"

namespace troupe {

caf::expected<endpoint> parse_endpoint(const std::string& text,
                                       const std::string& what) {
  auto fail = [&](const std::string& why) {
    return make_error(errc::invalid_argument, what + " '" + text + "': " + why
                                                  + " (expected HOST:PORT)");
  };
  endpoint result;
  std::string port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size()
        || text[close + 1] != ':')
      return fail("unbalanced brackets");
    result.host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string::npos)
      return fail("no port");
    result.host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (result.host.find(':') != std::string::npos)
      return fail("put IPv6 addresses in brackets");
  }
  if (result.host.empty())
    return fail("no host");
  if (port.empty() || port.size() > 5
      || port.find_first_not_of("0123456789") != std::string::npos)
    return fail("the port is not a number");
  auto value = std::stoul(port);
  if (value > 65535)
    return fail("the port is above 65535");
  result.port = static_cast<uint16_t>(value);
  return result;
}

std::string to_string(const endpoint& x) {
  if (x.host.find(':') != std::string::npos)
    return "[" + x.host + "]:" + std::to_string(x.port);
  return x.host + ":" + std::to_string(x.port);
}

bool is_loopback(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0
      || found == nullptr)
    return false;
  bool result = true;
  for (auto* i = found; i != nullptr; i = i->ai_next) {
    if (i->ai_family == AF_INET) {
      auto* in = reinterpret_cast<sockaddr_in*>(i->ai_addr);
      result = result && (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    } else if (i->ai_family == AF_INET6) {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(i->ai_addr);
      result = result && IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
    } else {
      result = false;
    }
  }
  ::freeaddrinfo(found);
  return result;
}

} // namespace troupe
