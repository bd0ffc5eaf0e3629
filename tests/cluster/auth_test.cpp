// Authentication before anything else, against the fixture node "guarded":
// a wrong or missing secret, a plain CAF client that skips the handshake
// and garbage on the port get no handle, deliver nothing, and are refused
// in the node's log with their address.

#include <arpa/inet.h>
#include <chrono>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include "troupe/runtime/cluster/cluster.hpp"

#include <caf/io/middleman.hpp>

#include <doctest/doctest.h>

#include "support/cluster_fixture.hpp"

using namespace std::chrono_literals;

namespace {

constexpr auto patience = 20s;

/// Waits (bounded) until the guarded node's log has a line containing all
/// of `parts`.
bool log_has(const std::vector<std::string>& parts) {
  auto path = test::cluster_dir() + "/guarded.log";
  for (int i = 0; i < 200; ++i) {
    std::istringstream log{test::read_file(path)};
    std::string line;
    while (std::getline(log, line)) {
      bool all = true;
      for (auto& part : parts)
        all = all && line.find(part) != std::string::npos;
      if (all)
        return true;
    }
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

/// A plain TCP connection to the guarded node.
struct raw_client {
  int fd = -1;
  uint16_t local_port = 0;

  raw_client() {
    auto to = test::node_address("guarded");
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(to.port);
    ::inet_pton(AF_INET, to.host.c_str(), &addr.sin_addr);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr))
            == 0);
    sockaddr_in local{};
    socklen_t len = sizeof(local);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len);
    local_port = ntohs(local.sin_port);
    timeval tv{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }

  ~raw_client() { ::close(fd); }

  /// Reads until the node closes the connection; returns what came.
  std::string read_all() {
    std::string result;
    char buf[256];
    for (;;) {
      auto n = ::recv(fd, buf, sizeof(buf), 0);
      if (n <= 0)
        return result;
      result.append(buf, static_cast<size_t>(n));
    }
  }
};

/// Each refused attempt, as run both by its own test and while a sentinel
/// agent on the node watches for anything that gets through.

caf::error try_wrong_secret(const std::string& name) {
  auto opts = test::controller_options(name);
  opts.secret = "this is not the cluster's secret";
  test::controller ctl{opts};
  auto joined = ctl.node().connect(test::node_address("guarded"));
  CHECK(ctl.node().peers().empty());
  // Nothing reaches the node's agents by name either.
  CHECK(troupe::code_of(ctl.rt().send_to("sentinel", test::probe{"x", 1}))
        == troupe::errc::unknown_name);
  return joined ? caf::error{} : joined.error();
}

caf::error try_missing_secret(const std::string& name) {
  test::controller ctl{test::controller_options(name), false};
  auto joined = ctl.node().connect(test::node_address("guarded"));
  CHECK(ctl.node().peers().empty());
  return joined ? caf::error{} : joined.error();
}

/// Sends `junk` on a plain TCP connection; returns what the node answered
/// and the local port it saw.
std::pair<std::string, uint16_t> try_garbage(std::string junk) {
  raw_client client;
  REQUIRE(::send(client.fd, junk.data(), junk.size(), MSG_NOSIGNAL) > 0);
  return {client.read_all(), client.local_port};
}

/// Connects as a plain CAF node (no troupe handshake) and, should it get a
/// handle, sends it a probe. Returns whether it got a handle and the error.
std::pair<bool, caf::error> try_plain_caf() {
  caf::actor_system_config cfg;
  cfg.load<caf::io::middleman>();
  caf::actor_system sys{cfg};
  auto to = test::node_address("guarded");
  caf::scoped_actor self{sys};
  caf::error err;
  bool got_handle = false;
  // Asynchronous connect with a timeout: a peer that never answers the BASP
  // handshake would otherwise block remote_actor forever.
  self->request(sys.middleman().actor_handle(), patience,
                caf::connect_atom::value, to.host, to.port)
      .receive(
          [&](const caf::node_id&, const caf::strong_actor_ptr& ptr,
              const std::set<std::string>&) {
            got_handle = ptr != nullptr;
            if (ptr)
              caf::anon_send(caf::actor_cast<caf::actor>(ptr),
                             std::string{"sentinel"}, std::string{"probe"});
          },
          [&](caf::error& x) { err = std::move(x); });
  return {got_handle, err};
}

std::string http_junk() {
  std::string junk = "GET / HTTP/1.1\r\nHost: guarded\r\n\r\n";
  junk.resize(64, 'x');
  return junk;
}

} // namespace

TEST_CASE("a wrong secret gets no handle and is logged with its address") {
  auto err = try_wrong_secret("ctl-wrong-secret");
  REQUIRE(err);
  CHECK(troupe::code_of(err) == troupe::errc::unauthorized);
  CHECK(log_has({"refused a connection from 127.0.0.1:", "wrong secret"}));
}

TEST_CASE("a missing secret gets no handle and is logged") {
  auto err = try_missing_secret("ctl-no-secret");
  REQUIRE(err);
  CHECK(troupe::code_of(err) == troupe::errc::unauthorized);
  CHECK(troupe::to_text(err).find("requires a secret") != std::string::npos);
  CHECK(log_has({"refused a connection from 127.0.0.1:", "missing secret"}));
}

TEST_CASE("garbage on the port is refused and logged with the address") {
  auto [answer, port] = try_garbage(http_junk());
  // The node closes the connection without a word.
  CHECK(answer.empty());
  CHECK(log_has({"refused a connection from 127.0.0.1:" + std::to_string(port),
                 "not a troupe peer"}));
}

TEST_CASE("a plain CAF client that skips the handshake gets no handle") {
  auto [got_handle, err] = try_plain_caf();
  CHECK_FALSE(got_handle);
  CHECK(err);
  CHECK(log_has({"refused a connection from 127.0.0.1:", "not a troupe peer"}));
}

TEST_CASE("none of the refused peers delivered a message") {
  // An authenticated controller places an agent on the node, every kind of
  // refused peer tries its luck while it runs, and the agent never
  // received anything but the controller's stats request.
  test::controller ctl{test::controller_options("ctl-guard")};
  REQUIRE(ctl.node().connect(test::node_address("guarded")));
  auto sentinel
      = ctl.node().spawn_on("guarded", {"echo", "sentinel", {}, false});
  REQUIRE(sentinel);
  CHECK(try_wrong_secret("ctl-intruder-1"));
  CHECK(try_missing_secret("ctl-intruder-2"));
  CHECK(try_garbage(http_junk()).first.empty());
  CHECK(try_garbage(std::string(40, '\0')).first.empty());
  CHECK_FALSE(try_plain_caf().first);
  auto stats = ctl.ask<troupe::agent_stats>(
      *sentinel, patience, caf::get_atom::value, troupe::stats_atom::value);
  REQUIRE(stats);
  CHECK(stats->received == 0);
  CHECK(stats->unexpected.empty());
}
