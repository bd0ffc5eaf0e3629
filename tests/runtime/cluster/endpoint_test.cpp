#include "troupe/messages/errors.hpp"
#include "troupe/runtime/cluster/endpoint.hpp"

#include <doctest/doctest.h>

TEST_CASE("endpoints parse from HOST:PORT and [IPv6]:PORT") {
  auto x = troupe::parse_endpoint("127.0.0.1:4242", "--listen");
  REQUIRE(x);
  CHECK(x->host == "127.0.0.1");
  CHECK(x->port == 4242);
  auto y = troupe::parse_endpoint("[::1]:0", "--listen");
  REQUIRE(y);
  CHECK(y->host == "::1");
  CHECK(y->port == 0);
  CHECK(troupe::to_string(*y) == "[::1]:0");
  CHECK(troupe::to_string(*x) == "127.0.0.1:4242");
}

TEST_CASE("bad endpoints are refused naming the option") {
  for (auto text : {"nohost", ":80", "host:", "host:http", "host:70000",
                    "::1:80", "[::1:80"}) {
    auto x = troupe::parse_endpoint(text, "--connect");
    REQUIRE_FALSE(x);
    CHECK(troupe::code_of(x.error()) == troupe::errc::invalid_argument);
    CHECK(troupe::to_text(x.error()).find("--connect") != std::string::npos);
  }
}

TEST_CASE("loopback addresses are told from the others") {
  CHECK(troupe::is_loopback("127.0.0.1"));
  CHECK(troupe::is_loopback("127.3.2.1"));
  CHECK(troupe::is_loopback("::1"));
  CHECK(troupe::is_loopback("localhost"));
  CHECK_FALSE(troupe::is_loopback("0.0.0.0"));
  CHECK_FALSE(troupe::is_loopback("10.1.2.3"));
  CHECK_FALSE(troupe::is_loopback("::"));
}
