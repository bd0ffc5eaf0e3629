// Node loss against real processes: kill -9 (the connection closes) and
// SIGSTOP (the process hangs; only heartbeats notice). The bound of 2 s is
// the requirement; everything else waits generously.

#include <chrono>
#include <csignal>

#include "troupe/runtime/cluster/cluster.hpp"

#include <doctest/doctest.h>

#include "support/cluster_fixture.hpp"
#include "support/process.hpp"

using namespace std::chrono_literals;

namespace {

constexpr auto patience = 20s;

constexpr auto loss_bound = 2s;

using clock_type = std::chrono::steady_clock;

/// Waits for the first `node_lost` about `node`; returns it and when it
/// arrived.
std::pair<troupe::node_lost, clock_type::time_point>
await_lost(test::inbox& events, const std::string& node) {
  for (;;) {
    auto lost = events.receive<troupe::node_lost>(1, patience);
    REQUIRE_MESSAGE(lost.size() == 1, "no node_lost event for " << node);
    if (lost[0].node == node)
      return {lost[0], clock_type::now()};
  }
}

troupe::node_joined await_joined(test::inbox& events, const std::string& node) {
  for (;;) {
    auto joined = events.receive<troupe::node_joined>(1, patience);
    REQUIRE_MESSAGE(joined.size() == 1, "no node_joined event for " << node);
    if (joined[0].node == node)
      return joined[0];
  }
}

} // namespace

TEST_CASE("a killed node is reported lost within 2 s and re-attached when it "
          "comes back") {
  test::controller ctl{test::controller_options("ctl-loss")};
  test::inbox events{ctl.rt(), "loss-events"};
  ctl.node().observe(caf::actor{events.self()});
  auto address = test::node_address("victim");
  REQUIRE(ctl.node().connect(address));
  REQUIRE(ctl.node().spawn_on("victim", {"echo", "victim-echo", {}, false}));
  auto pid_file = test::cluster_dir() + "/victim.pid";
  auto pid = test::read_pid(pid_file);
  REQUIRE(pid > 0);
  auto killed_at = clock_type::now();
  REQUIRE(::kill(pid, SIGKILL) == 0);
  auto [lost, at] = await_lost(events, "victim");
  auto took
      = std::chrono::duration_cast<std::chrono::milliseconds>(at - killed_at);
  MESSAGE("loss of a killed node detected after " << took.count() << " ms");
  CHECK(took < loss_bound);
  CHECK(troupe::code_of(lost.reason) == troupe::errc::node_lost);
  CHECK_FALSE(lost.graceful);
  CHECK(troupe::to_text(lost.reason).find("victim") != std::string::npos);
  // Its agents left the directory with it.
  CHECK(troupe::code_of(ctl.rt().send_to("victim-echo", test::probe{"x", 1}))
        == troupe::errc::unknown_name);
  // The node comes back on the same address; the controller, which dialed
  // it, dials again and the node is re-attached.
  auto dir = test::cluster_dir();
  auto new_pid = test::start_process(
      {TROUPE_TEST_NODE, "node", "--name", "victim", "--listen",
       troupe::to_string(address), "--secret-file", test::secret_file()},
      dir + "/victim.out", dir + "/victim.log");
  {
    std::ofstream out{pid_file, std::ios::trunc};
    out << new_pid << '\n';
  }
  auto joined = await_joined(events, "victim");
  CHECK(joined.rejoined);
  REQUIRE(ctl.node().spawn_on("victim", {"echo", "victim-echo-2", {}, false}));
  test::inbox home{ctl.rt(), "loss-home"};
  REQUIRE(ctl.node().await_name_on("victim", "loss-home", patience));
  REQUIRE_FALSE(ctl.rt().send_to("victim-echo-2", test::probe{"loss-home", 3}));
  auto replies = home.receive<test::echo_reply>(1, patience);
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].seq == 3);
}

TEST_CASE("heartbeats report a hung node lost within 2 s") {
  auto opts = test::controller_options("ctl-hang");
  opts.heartbeat_timeout = 1s;
  test::controller ctl{opts};
  test::inbox events{ctl.rt(), "hang-events"};
  ctl.node().observe(caf::actor{events.self()});
  REQUIRE(ctl.node().connect(test::node_address("sleeper")));
  auto pid = test::read_pid(test::cluster_dir() + "/sleeper.pid");
  REQUIRE(pid > 0);
  // A stopped process keeps its connections open: only silence tells.
  auto stopped_at = clock_type::now();
  REQUIRE(::kill(pid, SIGSTOP) == 0);
  auto [lost, at] = await_lost(events, "sleeper");
  ::kill(pid, SIGCONT);
  auto took
      = std::chrono::duration_cast<std::chrono::milliseconds>(at - stopped_at);
  MESSAGE("loss of a hung node detected after " << took.count() << " ms");
  CHECK(took < loss_bound);
  CHECK(troupe::code_of(lost.reason) == troupe::errc::node_lost);
  // Awake again, it is re-attached.
  auto joined = await_joined(events, "sleeper");
  CHECK(joined.rejoined);
}
