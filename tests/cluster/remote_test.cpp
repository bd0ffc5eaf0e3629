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
    REQUIRE_FALSE(
        ctl.rt().send_to("remote-echo", test::probe{"remote-home", i}));
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

TEST_CASE("topics cross nodes without loss, in order, only where "
          "subscribed") {
  test::controller ctl{test::controller_options("ctl-topics")};
  REQUIRE(ctl.node().connect(test::node_address("n1")));
  REQUIRE(ctl.node().connect(test::node_address("n2")));
  test::inbox home{ctl.rt(), "topics-home"};
  constexpr int64_t n = 100000;
  // A recorder on n2 expects n ticks from n1's publisher and n from ours.
  auto rec = ctl.node().spawn_on("n2", {"recorder",
                                        "topics-rec",
                                        {{"topic", "topics-a"},
                                         {"expect", std::to_string(2 * n)},
                                         {"notify", "topics-home"}},
                                        false});
  REQUIRE_MESSAGE(rec, troupe::to_text(rec.error()));
  auto pub = ctl.node().spawn_on("n1", {"publisher", "topics-pub", {}, false});
  REQUIRE(pub);
  REQUIRE(ctl.node().await_name_on("n2", "topics-home", patience));
  // n1 and n2 connect to each other on their own (every pair of nodes
  // connects); n1 forwards once it learned of n2's subscriber.
  REQUIRE_FALSE(
      ctl.node().await_subscriber_at("n1", "n2", "topics-a", patience));
  REQUIRE_FALSE(ctl.node().await_subscriber("n2", "topics-a", patience));
  auto published
      = ctl.ask<int64_t>(*pub, patience, test::publish_order{"topics-a", n});
  REQUIRE(published);
  CHECK(*published == n);
  for (int64_t i = 0; i < n; ++i)
    REQUIRE_FALSE(ctl.rt().publish("topics-a", test::tick{i, "controller"}));
  auto done = home.receive<test::recording>(1, patience);
  REQUIRE(done.size() == 1);
  CHECK(done[0].count == 2 * n);
  CHECK(done[0].in_order);
  // No duplicates behind the last expected one either.
  auto final_state
      = ctl.ask<test::recording>(*rec, patience, test::recording_atom::value);
  REQUIRE(final_state);
  CHECK(final_state->count == 2 * n);
  CHECK(final_state->in_order);
  // Nobody on n1 subscribed: the controller forwards nothing there.
  for (auto& peer : ctl.node().peers())
    if (peer.address.name == "n1")
      CHECK(peer.topics.empty());
}

TEST_CASE("a subscriber here receives what other nodes publish") {
  test::controller ctl{test::controller_options("ctl-home-sub")};
  REQUIRE(ctl.node().connect(test::node_address("n2")));
  test::inbox home{ctl.rt(), "home-sub-inbox"};
  constexpr int64_t n = 10000;
  auto rec = ctl.rt().spawn_agent<test::recorder_agent>(
      "home-rec", troupe::agent_params{{"topic", "topics-b"},
                                       {"expect", std::to_string(n)},
                                       {"notify", "home-sub-inbox"}});
  REQUIRE(rec);
  auto pub = ctl.node().spawn_on("n2", {"publisher", "home-pub", {}, false});
  REQUIRE(pub);
  REQUIRE_FALSE(ctl.node().await_subscriber_at("n2", "ctl-home-sub", "topics-b",
                                               patience));
  REQUIRE(ctl.ask<int64_t>(*pub, patience, test::publish_order{"topics-b", n}));
  auto done = home.receive<test::recording>(1, patience);
  REQUIRE(done.size() == 1);
  CHECK(done[0].count == n);
  CHECK(done[0].in_order);
}

TEST_CASE("agents on two nodes reach each other by name") {
  test::controller ctl{test::controller_options("ctl-peer-to-peer")};
  REQUIRE(ctl.node().connect(test::node_address("n1")));
  REQUIRE(ctl.node().connect(test::node_address("n2")));
  test::inbox home{ctl.rt(), "p2p-home"};
  auto a = ctl.node().spawn_on("n1", {"echo", "p2p-a", {}, false});
  auto b = ctl.node().spawn_on("n2", {"echo", "p2p-b", {}, false});
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE(ctl.node().await_name_on("n1", "p2p-b", patience));
  REQUIRE(ctl.node().await_name_on("n2", "p2p-home", patience));
  // a (on n1) sends a probe to b (on n2) by name; b answers us by name.
  CHECK_FALSE(
      ctl.ask_void(*a, patience, test::relay_order{"p2p-b", {"p2p-home", 7}}));
  auto replies = home.receive<test::echo_reply>(1, patience);
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].from == "p2p-b");
  CHECK(replies[0].seq == 7);
}
