#include <string>

#include "troupe/runtime/cluster/handshake.hpp"

#include <doctest/doctest.h>

using troupe::detail::handshake;
using troupe::detail::handshake_params;
using troupe::detail::handshake_step;

namespace {

troupe::detail::nonce nonce_of(uint8_t seed) {
  troupe::detail::nonce result{};
  for (size_t i = 0; i < result.size(); ++i)
    result[i] = static_cast<uint8_t>(seed + i);
  return result;
}

/// The outcome of both sides of one handshake.
struct outcome {
  handshake_step client;
  handshake_step server;
};

/// Runs both sides against each other, frame by frame.
outcome run(handshake_params client_params, handshake_params server_params,
            bool busy = false) {
  auto client = handshake::client(client_params, nonce_of(1));
  auto server = handshake::server(server_params, nonce_of(100), busy);
  outcome result;
  result.client = client.start();
  result.server = server.start();
  // Alternate: the client's bytes go to the server and back, until one side
  // stops expecting.
  for (int round = 0; round < 4; ++round) {
    auto& out = result.client.send;
    if (out.empty() || result.server.expect == 0)
      break;
    result.server = server.receive(out.data(), out.size());
    auto& back = result.server.send;
    if (back.empty() || result.client.expect == 0)
      break;
    result.client = result.client.failure.empty()
                        ? client.receive(back.data(), back.size())
                        : result.client;
  }
  return result;
}

handshake_params with_secret(std::string secret, bool tls = false) {
  return handshake_params{std::move(secret), tls};
}

} // namespace

TEST_CASE("peers with the same secret both authenticate") {
  auto x = run(with_secret("the shared secret!"),
               with_secret("the shared secret!"));
  CHECK(x.client.done);
  CHECK(x.server.done);
  CHECK(x.client.failure.empty());
  CHECK(x.server.failure.empty());
}

TEST_CASE("peers without secrets pass on loopback terms") {
  auto x = run(with_secret(""), with_secret(""));
  CHECK(x.client.done);
  CHECK(x.server.done);
}

TEST_CASE("a wrong secret fails on both sides") {
  auto x = run(with_secret("the wrong secret!!"),
               with_secret("the shared secret!"));
  CHECK_FALSE(x.client.done);
  CHECK_FALSE(x.server.done);
  CHECK(x.client.failure == "the node does not hold the same secret");
  CHECK(x.server.failure == "wrong secret");
}

TEST_CASE("a missing secret is refused before any proof") {
  auto x = run(with_secret(""), with_secret("the shared secret!"));
  CHECK(x.server.failure == "missing secret");
  CHECK(x.client.failure == "the node requires a secret (--secret-file)");
}

TEST_CASE("a secret the node does not expect is refused") {
  auto x = run(with_secret("the shared secret!"), with_secret(""));
  CHECK(x.server.failure == "the peer has a secret but this node has none");
  CHECK(x.client.failure == "the node runs without a secret");
}

TEST_CASE("TLS on one side only is refused") {
  auto x = run(with_secret("s3cret-s3cret-s3cret"),
               with_secret("s3cret-s3cret-s3cret", true));
  CHECK(x.server.failure == "the peer does not use TLS");
  CHECK(x.client.failure.find("requires TLS") != std::string::npos);
}

TEST_CASE("a busy node refuses politely") {
  auto x = run(with_secret(""), with_secret(""), true);
  CHECK(x.server.failure == "too many pending handshakes");
  CHECK(x.client.failure == "the node has too many pending handshakes");
}

TEST_CASE("garbage is not a troupe peer") {
  auto server
      = handshake::server(with_secret("the shared secret!"), nonce_of(7));
  auto first = server.start();
  std::string junk(first.expect, 'G');
  auto step = server.receive(reinterpret_cast<const uint8_t*>(junk.data()),
                             junk.size());
  CHECK(step.failure == "not a troupe peer");
  CHECK(step.send.empty());
}

TEST_CASE("another handshake version is refused") {
  auto client = handshake::client(with_secret(""), nonce_of(1));
  auto hello = client.start().send;
  hello[5] = 9; // version 9
  auto server = handshake::server(with_secret(""), nonce_of(2));
  server.start();
  auto step = server.receive(hello.data(), hello.size());
  CHECK(step.failure == "the peer speaks handshake version 9");
}

TEST_CASE("a recorded response does not open a fresh challenge") {
  handshake_params secret = with_secret("the shared secret!");
  // A full, successful exchange is recorded ...
  auto client = handshake::client(secret, nonce_of(1));
  auto server = handshake::server(secret, nonce_of(100));
  server.start();
  auto hello = client.start().send;
  auto challenge = server.receive(hello.data(), hello.size()).send;
  auto response = client.receive(challenge.data(), challenge.size()).send;
  // ... and replayed against a server with a new nonce.
  auto fresh = handshake::server(secret, nonce_of(200));
  fresh.start();
  fresh.receive(hello.data(), hello.size());
  auto step = fresh.receive(response.data(), response.size());
  CHECK_FALSE(step.done);
  CHECK(step.failure == "wrong secret");
}

TEST_CASE("frames of the wrong size end the handshake") {
  auto server = handshake::server(with_secret(""), nonce_of(3));
  server.start();
  uint8_t tiny[3] = {1, 2, 3};
  auto step = server.receive(tiny, sizeof(tiny));
  CHECK_FALSE(step.failure.empty());
}
