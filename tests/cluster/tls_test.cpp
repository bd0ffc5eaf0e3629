// Mutual TLS between nodes, against the fixture node "tls1" (its
// certificate and the controllers' come from the fixture's test CA; the
// "stranger" certificate from another CA).

#include <chrono>

#include "troupe/runtime/cluster/cluster.hpp"

#include <doctest/doctest.h>

#include "support/cluster_fixture.hpp"

using namespace std::chrono_literals;

namespace {

constexpr auto patience = 20s;

troupe::tls_options certificate(const std::string& name) {
  auto dir = test::cluster_dir() + "/tls/";
  return {dir + name + ".pem", dir + name + ".key", dir + "ca.pem"};
}

} // namespace

TEST_CASE("a certificate from the cluster's CA gets in under TLS") {
  auto opts = test::controller_options("ctl-tls");
  opts.tls = certificate("controller");
  test::controller ctl{opts};
  auto joined = ctl.node().connect(test::node_address("tls1"));
  // The message is built for passing checks too (doctest -s): no error()
  // on a value.
  REQUIRE_MESSAGE(joined,
                  (joined ? std::string{} : troupe::to_text(joined.error())));
  REQUIRE(ctl.node().spawn_on("tls1", {"echo", "tls-echo", {}, false}));
  test::inbox home{ctl.rt(), "tls-home"};
  REQUIRE(ctl.node().await_name_on("tls1", "tls-home", patience));
  REQUIRE_FALSE(ctl.rt().send_to("tls-echo", test::probe{"tls-home", 5}));
  auto replies = home.receive<test::echo_reply>(1, patience);
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].seq == 5);
}

TEST_CASE("a certificate from another CA is refused under TLS") {
  auto address = test::node_address("tls1");
  auto opts = test::controller_options("ctl-stranger");
  opts.tls = certificate("stranger");
  test::controller stranger{opts};
  auto joined = stranger.node().connect(address);
  REQUIRE_FALSE(joined);
  // Refused in the TLS handshake (the shared secret is the right one), not
  // for want of a node: that would be an io_error such as "Connection
  // refused".
  CHECK(troupe::code_of(joined.error()) == troupe::errc::unauthorized);
  CHECK_MESSAGE(troupe::to_text(joined.error()).find("handshake")
                    != std::string::npos,
                troupe::to_text(joined.error()));
  CHECK(stranger.node().peers().empty());
  // The same node, still up, lets a certificate of its own CA in: what it
  // refused was the CA.
  opts = test::controller_options("ctl-trusted");
  opts.tls = certificate("controller");
  test::controller trusted{opts};
  auto trusted_joined = trusted.node().connect(address);
  REQUIRE_MESSAGE(trusted_joined,
                  (trusted_joined ? std::string{}
                                  : troupe::to_text(trusted_joined.error())));
  CHECK(*trusted_joined == "tls1");
}

TEST_CASE("a peer without TLS is refused by a TLS node") {
  test::controller ctl{test::controller_options("ctl-plain")};
  auto joined = ctl.node().connect(test::node_address("tls1"));
  REQUIRE_FALSE(joined);
  CHECK(troupe::code_of(joined.error()) == troupe::errc::unauthorized);
  CHECK(troupe::to_text(joined.error()).find("requires TLS")
        != std::string::npos);
}
