#pragma once

// The authentication handshake that runs on a fresh TCP connection before
// CAF's own protocol (BASP) sees a single byte. A node that fails it gets
// nothing: no actor handle, no message delivered.
//
//   dialing side                         accepting side
//   HELLO     magic, version, flags, client nonce        ->
//          <- CHALLENGE magic, version, status, server nonce, server proof
//   RESPONSE  client proof                               ->
//          <- RESULT    "TROK" or "TRNO"
//
// Proofs are HMAC-SHA256 under the shared secret over both nonces, the
// flags and a label that differs per direction, so neither side can replay
// the other's proof and the secret never crosses the wire. Both sides prove
// they hold the secret. Without a secret on both sides (loopback or
// --insecure) the frames are the same and the proofs are not checked.
//
// Every frame has a fixed size; the I/O around this class (the gate) reads
// exactly `expect` bytes and calls `receive`.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "troupe/runtime/cluster/auth.hpp"

namespace troupe::detail {

/// What one side of the handshake knows before it starts.
struct handshake_params {
  /// Empty: no secret (only allowed where the node may run without one).
  std::string secret;
  /// Whether TLS follows the handshake on this side.
  bool tls = false;
};

/// Reasons the accepting side states in its CHALLENGE (status field).
enum class handshake_status : uint16_t {
  ok = 0,
  version_mismatch = 1,
  secret_mismatch = 2,
  tls_mismatch = 3,
  busy = 4,
};

/// The next move of one side.
struct handshake_step {
  /// Bytes to send to the peer (may be empty).
  std::vector<uint8_t> send;
  /// Size of the next frame to read; 0 once the handshake is over.
  size_t expect = 0;
  /// Over and successful: hand the connection to CAF.
  bool done = false;
  /// Over and failed: send `send` (if any), then close. Says why, from this
  /// side's point of view ("wrong secret", ...).
  std::string failure;
};

/// One side of the handshake. Not thread-safe; one per connection.
class handshake {
public:
  static constexpr uint16_t version = 1;
  static constexpr size_t hello_size = 40;
  static constexpr size_t challenge_size = 72;
  static constexpr size_t response_size = 32;
  static constexpr size_t result_size = 4;

  /// The dialing side. `client_nonce` must be fresh for every connection.
  static handshake client(handshake_params params, const nonce& client_nonce);

  /// The accepting side. `server_nonce` must be fresh for every
  /// connection. `busy` refuses politely (too many pending handshakes).
  static handshake server(handshake_params params, const nonce& server_nonce,
                          bool busy = false);

  /// The first step: the client sends HELLO, the server waits for it.
  handshake_step start();

  /// Processes one complete frame of `step.expect` bytes.
  handshake_step receive(const uint8_t* frame, size_t size);

  bool is_client() const noexcept { return client_; }

private:
  enum class state {
    initial,
    client_await_challenge,
    client_await_result,
    server_await_hello,
    server_await_response,
    finished,
  };

  handshake(handshake_params params, const nonce& own, bool client, bool busy);

  handshake_step on_hello(const uint8_t* frame);

  handshake_step on_challenge(const uint8_t* frame);

  handshake_step on_response(const uint8_t* frame);

  handshake_step on_result(const uint8_t* frame);

  handshake_step fail(std::string why, std::vector<uint8_t> send = {});

  uint16_t flags() const noexcept;

  proof make_proof(const char* label, uint16_t client_flags) const;

  handshake_params params_;
  nonce own_nonce_;
  nonce peer_nonce_{};
  uint16_t client_flags_ = 0;
  bool client_;
  bool busy_;
  state state_ = state::initial;
};

} // namespace troupe::detail
