// The gate's thread on its own, without CAF: built a second time with
// ThreadSanitizer in CI (.ci/run), which cannot look inside Debian's CAF.

#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "troupe/runtime/cluster/gate.hpp"

#include <doctest/doctest.h>

using namespace std::chrono_literals;
using troupe::detail::gate;
using troupe::detail::owned_socket;

namespace {

/// Collects what a gate's callbacks report, for the test thread.
struct recorder {
  std::mutex mtx;
  std::condition_variable cv;
  std::vector<std::string> refused;
  std::vector<owned_socket> accepted;

  gate::accept_fn on_accept() {
    return [this](owned_socket sock, std::string) {
      std::lock_guard<std::mutex> guard{mtx};
      accepted.push_back(std::move(sock));
      cv.notify_all();
    };
  }

  gate::refuse_fn on_refuse() {
    return [this](const std::string& peer, const std::string& why) {
      std::lock_guard<std::mutex> guard{mtx};
      refused.push_back(peer + ": " + why);
      cv.notify_all();
    };
  }

  template <class Pred>
  bool wait(Pred pred) {
    std::unique_lock<std::mutex> guard{mtx};
    return cv.wait_for(guard, 20s, pred);
  }
};

struct dial_result {
  owned_socket sock;
  std::string error;
  bool refused = false;
};

std::unique_ptr<gate> listening(const std::string& secret,
                                std::chrono::milliseconds handshake = 5s) {
  troupe::endpoint at{"127.0.0.1", 0};
  troupe::detail::gate_options opts;
  opts.auth.secret = secret;
  opts.handshake_timeout = handshake;
  std::string error;
  auto result = gate::open(&at, opts, error);
  REQUIRE_MESSAGE(result, error);
  return result;
}

std::unique_ptr<gate> dialing(const std::string& secret) {
  troupe::detail::gate_options opts;
  opts.auth.secret = secret;
  std::string error;
  auto result = gate::open(nullptr, opts, error);
  REQUIRE_MESSAGE(result, error);
  result->start([](owned_socket, std::string) {},
                [](const std::string&, const std::string&) {});
  return result;
}

dial_result dial(gate& from, uint16_t port,
                 std::chrono::milliseconds timeout = 5s) {
  std::promise<dial_result> done;
  auto result = done.get_future();
  from.dial(
      {"127.0.0.1", port}, timeout,
      [&done](owned_socket sock, std::string error, bool refused) {
        done.set_value(dial_result{std::move(sock), std::move(error), refused});
      });
  return result.get();
}

const std::string secret = "a secret of the gate test";

} // namespace

TEST_CASE("both sides of an authenticated connection get the socket") {
  recorder server_side;
  auto server = listening(secret);
  server->start(server_side.on_accept(), server_side.on_refuse());
  auto client = dialing(secret);
  auto result = dial(*client, server->port());
  REQUIRE_MESSAGE(result.sock, result.error);
  REQUIRE(server_side.wait([&] { return !server_side.accepted.empty(); }));
  // The two sockets are the two ends of one connection.
  REQUIRE(::send(result.sock.get(), "ok", 2, MSG_NOSIGNAL) == 2);
  char buf[2] = {0, 0};
  int fd = server_side.accepted.front().get();
  for (int i = 0; i < 200 && ::recv(fd, buf, 2, MSG_DONTWAIT) != 2; ++i)
    std::this_thread::sleep_for(10ms);
  CHECK(std::string(buf, 2) == "ok");
}

TEST_CASE("a wrong secret is refused on both sides") {
  recorder server_side;
  auto server = listening(secret);
  server->start(server_side.on_accept(), server_side.on_refuse());
  auto client = dialing("another secret, not the gate's");
  auto result = dial(*client, server->port());
  CHECK_FALSE(result.sock);
  CHECK(result.refused);
  CHECK(result.error == "the node does not hold the same secret");
  REQUIRE(server_side.wait([&] { return !server_side.refused.empty(); }));
  CHECK(server_side.refused.front().find("wrong secret") != std::string::npos);
  CHECK(server_side.accepted.empty());
}

TEST_CASE("silence is refused after the handshake timeout") {
  recorder server_side;
  auto server = listening(secret, 200ms);
  server->start(server_side.on_accept(), server_side.on_refuse());
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(server->port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  REQUIRE(server_side.wait([&] { return !server_side.refused.empty(); }));
  CHECK(server_side.refused.front().find("no handshake within 200 ms")
        != std::string::npos);
  ::close(fd);
}

TEST_CASE("dialing nothing fails with the reason") {
  // A port that was free a moment ago.
  uint16_t port = 0;
  {
    auto probe = listening(secret);
    port = probe->port();
  }
  auto client = dialing(secret);
  auto result = dial(*client, port);
  CHECK_FALSE(result.sock);
  CHECK_FALSE(result.refused);
  CHECK(result.error.find("cannot connect") != std::string::npos);
}

TEST_CASE("a peer that never answers times out") {
  // A listener that accepts (in the kernel) but never speaks.
  auto mute = listening(secret);
  auto client = dialing(secret);
  auto result = dial(*client, mute->port(), 200ms);
  CHECK_FALSE(result.sock);
  CHECK(result.error.find("within the timeout") != std::string::npos);
}

TEST_CASE("dials from many threads and a concurrent stop end exactly once") {
  recorder server_side;
  auto server = listening(secret);
  server->start(server_side.on_accept(), server_side.on_refuse());
  auto client = dialing(secret);
  std::atomic<int> done{0};
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i)
        client->dial({"127.0.0.1", server->port()}, 5s,
                     [&](owned_socket sock, std::string, bool) {
                       if (sock)
                         ++ok;
                       ++done;
                     });
    });
  std::this_thread::sleep_for(5ms);
  client->stop();
  for (auto& t : threads)
    t.join();
  // Every dial ended, before or after the stop, exactly once.
  CHECK(done == 40);
  CHECK(ok <= 40);
  server->stop();
}
