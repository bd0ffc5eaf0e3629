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

} // namespace

TEST_CASE("a wrong secret gets no handle and is logged with its address") {
  auto opts = test::controller_options("ctl-wrong-secret");
  opts.secret = "this is not the cluster's secret";
  test::controller ctl{opts};
  auto joined = ctl.node().connect(test::node_address("guarded"));
  REQUIRE_FALSE(joined);
  CHECK(troupe::code_of(joined.error()) == troupe::errc::unauthorized);
  CHECK(ctl.node().peers().empty());
  CHECK(log_has({"refused a connection from 127.0.0.1:", "wrong secret"}));
}

TEST_CASE("a missing secret gets no handle and is logged") {
  test::controller ctl{test::controller_options("ctl-no-secret"), false};
  auto joined = ctl.node().connect(test::node_address("guarded"));
  REQUIRE_FALSE(joined);
  CHECK(troupe::code_of(joined.error()) == troupe::errc::unauthorized);
  CHECK(troupe::to_text(joined.error()).find("requires a secret")
        != std::string::npos);
  CHECK(log_has({"refused a connection from 127.0.0.1:", "missing secret"}));
}

TEST_CASE("garbage on the port is refused and logged with the address") {
  raw_client client;
  std::string junk = "GET / HTTP/1.1\r\nHost: guarded\r\n\r\n";
  junk.resize(64, 'x');
  REQUIRE(::send(client.fd, junk.data(), junk.size(), MSG_NOSIGNAL) > 0);
  // The node closes the connection without a word.
  CHECK(client.read_all().empty());
  CHECK(log_has({"refused a connection from 127.0.0.1:"
                     + std::to_string(client.local_port),
                 "not a troupe peer"}));
}

TEST_CASE("a plain CAF client that skips the handshake gets no handle") {
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
              const std::set<std::string>&) { got_handle = ptr != nullptr; },
          [&](caf::error& x) { err = std::move(x); });
  CHECK_FALSE(got_handle);
  CHECK(err);
  CHECK(log_has({"refused a connection from 127.0.0.1:", "not a troupe peer"}));
}

TEST_CASE("none of the refused peers delivered a message") {
  // An authenticated controller places an agent on the node before any
  // attack and checks afterwards that it never received anything but its
  // stats request.
  test::controller ctl{test::controller_options("ctl-guard")};
  REQUIRE(ctl.node().connect(test::node_address("guarded")));
  auto sentinel
      = ctl.node().spawn_on("guarded", {"echo", "sentinel", {}, false});
  REQUIRE(sentinel);
  {
    auto opts = test::controller_options("ctl-intruder");
    opts.secret = "another wrong secret, long enough";
    test::controller intruder{opts};
    CHECK_FALSE(intruder.node().connect(test::node_address("guarded")));
    CHECK(
        troupe::code_of(intruder.rt().send_to("sentinel", test::probe{"x", 1}))
        == troupe::errc::unknown_name);
  }
  raw_client client;
  std::string junk(40, '\0');
  ::send(client.fd, junk.data(), junk.size(), MSG_NOSIGNAL);
  client.read_all();
  auto stats = ctl.ask<troupe::agent_stats>(
      *sentinel, patience, caf::get_atom::value, troupe::stats_atom::value);
  REQUIRE(stats);
  CHECK(stats->received == 0);
  CHECK(stats->unexpected.empty());
}
