// Names and topics across real `troupe node` processes on loopback (started
// by the ctest fixture in tests/cluster/nodes.sh). This process is the
// controller.

#include <chrono>

#include "troupe/runtime/cluster/cluster.hpp"

#include <doctest/doctest.h>

#include "support/cluster_fixture.hpp"

using namespace std::chrono_literals;

namespace {

constexpr auto patience = 20s;

} // namespace

TEST_CASE("send_to reaches agents on other nodes by name, both ways") {
  test::controller ctl{test::controller_options("ctl-remote")};
  auto n1 = ctl.node().connect(test::node_address("n1"));
  REQUIRE_MESSAGE(n1, troupe::to_text(n1.error()));
  CHECK(*n1 == "n1");
  // An echo agent on n1 and a collector here, both by name.
  auto echo = ctl.node().spawn_on("n1", {"echo", "remote-echo", {}, false});
  REQUIRE_MESSAGE(echo, troupe::to_text(echo.error()));
  test::inbox home{ctl.rt(), "remote-home"};
  REQUIRE(ctl.node().await_name("remote-echo", patience));
  // The echo answers by name: n1 must know the inbox first.
  REQUIRE(ctl.node().await_name_on("n1", "remote-home", patience));
  for (int32_t i = 0; i < 10; ++i)
    REQUIRE_FALSE(ctl.rt().send_to("remote-echo", test::probe{"remote-home", i}));
  auto replies = home.receive<test::echo_reply>(10, patience);
  REQUIRE(replies.size() == 10);
  for (int32_t i = 0; i < 10; ++i) {
    CHECK(replies[i].seq == i);
    CHECK(replies[i].from == "remote-echo");
  }
}

TEST_CASE("an unknown name stays an error value") {
  test::controller ctl{test::controller_options("ctl-unknown")};
  REQUIRE(ctl.node().connect(test::node_address("n1")));
  auto err = ctl.rt().send_to("nobody-anywhere", test::probe{"x", 1});
  CHECK(troupe::code_of(err) == troupe::errc::unknown_name);
}
