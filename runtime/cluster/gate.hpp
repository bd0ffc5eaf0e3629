#pragma once

// The gate: one thread per node that runs the authentication handshake
// (handshake.hpp) on every TCP connection, incoming and outgoing, before
// CAF's middleman gets the socket. Peers that fail are refused and logged
// with their address; they never reach an actor.
//
// A thread rather than an actor: CAF 0.17's brokers cannot hand a socket
// over to the middleman's BASP broker without racing on the bytes that
// follow the handshake, while a plain socket handed over after the
// handshake is exactly what the BASP broker expects. The thread only does
// non-blocking I/O in a poll loop and talks to the rest of the node through
// the callbacks below.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "troupe/runtime/cluster/endpoint.hpp"
#include "troupe/runtime/cluster/handshake.hpp"

namespace troupe::detail {

/// A socket with one owner; closes it on destruction.
class owned_socket {
public:
  owned_socket() = default;

  explicit owned_socket(int fd) noexcept : fd_(fd) {
    // nop
  }

  owned_socket(owned_socket&& other) noexcept : fd_(other.release()) {
    // nop
  }

  owned_socket& operator=(owned_socket&& other) noexcept;

  owned_socket(const owned_socket&) = delete;

  owned_socket& operator=(const owned_socket&) = delete;

  ~owned_socket();

  int get() const noexcept { return fd_; }

  /// Gives up ownership without closing.
  int release() noexcept {
    auto result = fd_;
    fd_ = -1;
    return result;
  }

  explicit operator bool() const noexcept { return fd_ >= 0; }

private:
  int fd_ = -1;
};

struct gate_options {
  handshake_params auth;
  /// A handshake that takes longer fails (slow or silent peers).
  std::chrono::milliseconds handshake_timeout{5000};
  /// Incoming handshakes in progress before new ones are refused.
  size_t max_pending = 64;
};

class gate {
public:
  /// An authenticated incoming connection and the peer's "host:port".
  using accept_fn = std::function<void(owned_socket, std::string peer)>;

  /// A refused incoming connection: the peer's "host:port" and why.
  using refuse_fn
      = std::function<void(const std::string& peer, const std::string& why)>;

  /// The end of a dial: an authenticated socket, or an invalid one and the
  /// reason; `refused` when the peer answered but authentication failed.
  using dial_fn
      = std::function<void(owned_socket, std::string error, bool refused)>;

  /// Creates a gate; with `listen`, binds and listens there (port 0 picks a
  /// free port). Returns nullptr and sets `error` when binding fails.
  static std::unique_ptr<gate> open(const endpoint* listen, gate_options opts,
                                    std::string& error);

  ~gate();

  gate(const gate&) = delete;

  gate& operator=(const gate&) = delete;

  /// The port the gate listens on (0 without listening).
  uint16_t port() const noexcept { return port_; }

  /// Starts the thread. Callbacks run on it, one at a time.
  void start(accept_fn on_accept, refuse_fn on_refuse);

  /// Connects to `to` and runs the dialing side of the handshake, all
  /// within `timeout`. Thread-safe. `done` runs on the gate thread, or on
  /// the caller's thread if the gate has stopped.
  void dial(endpoint to, std::chrono::milliseconds timeout, dial_fn done);

  /// Stops and joins the thread; pending dials end with an error.
  /// Idempotent; the destructor calls it.
  void stop();

private:
  struct connection;

  struct dial_command {
    endpoint to;
    std::chrono::steady_clock::time_point deadline;
    dial_fn done;
  };

  gate(owned_socket listener, uint16_t port, owned_socket wake_read,
       owned_socket wake_write, gate_options opts);

  void run();

  void accept_all();

  void start_dials();

  void advance(connection& conn, short revents);

  void finish(connection& conn);

  bool step(connection& conn, handshake_step next);

  void fail(connection& conn, const std::string& why);

  owned_socket listener_;
  uint16_t port_ = 0;
  owned_socket wake_read_;
  owned_socket wake_write_;
  gate_options opts_;
  accept_fn on_accept_;
  refuse_fn on_refuse_;
  std::vector<std::unique_ptr<connection>> connections_;
  std::mutex mtx_;
  std::vector<dial_command> commands_;
  bool stopped_ = false;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

} // namespace troupe::detail
