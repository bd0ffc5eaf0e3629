#include "troupe/runtime/cluster/gate.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace troupe::detail {

namespace {

using clock_type = std::chrono::steady_clock;

std::string last_error() {
  return std::strerror(errno);
}

void set_nodelay(int fd) {
  int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

std::string address_of(const sockaddr* addr) {
  char host[INET6_ADDRSTRLEN] = "?";
  uint16_t port = 0;
  if (addr->sa_family == AF_INET) {
    auto* in = reinterpret_cast<const sockaddr_in*>(addr);
    ::inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
    port = ntohs(in->sin_port);
  } else if (addr->sa_family == AF_INET6) {
    auto* in6 = reinterpret_cast<const sockaddr_in6*>(addr);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
    port = ntohs(in6->sin6_port);
  }
  return to_string(endpoint{host, port});
}

/// Resolves `to`; returns the addresses or sets `error`.
std::vector<sockaddr_storage> resolve(const endpoint& to, bool passive,
                                      std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
  addrinfo* found = nullptr;
  auto port = std::to_string(to.port);
  auto rc = ::getaddrinfo(to.host.c_str(), port.c_str(), &hints, &found);
  std::vector<sockaddr_storage> result;
  if (rc != 0) {
    error = "cannot resolve '" + to.host + "': " + ::gai_strerror(rc);
    return result;
  }
  for (auto* i = found; i != nullptr; i = i->ai_next) {
    sockaddr_storage addr{};
    std::memcpy(&addr, i->ai_addr, i->ai_addrlen);
    result.push_back(addr);
  }
  ::freeaddrinfo(found);
  return result;
}

socklen_t length_of(const sockaddr_storage& addr) {
  return addr.ss_family == AF_INET6 ? sizeof(sockaddr_in6)
                                    : sizeof(sockaddr_in);
}

} // namespace

// -- owned_socket -------------------------------------------------------------

owned_socket& owned_socket::operator=(owned_socket&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

owned_socket::~owned_socket() {
  if (fd_ >= 0)
    ::close(fd_);
}

// -- connection ---------------------------------------------------------------

struct gate::connection {
  connection(handshake x, bool is_client)
      : hs(std::move(x)), client(is_client) {
    // nop
  }

  handshake hs;
  bool client;
  owned_socket fd;
  std::string peer;
  clock_type::time_point deadline;
  /// Dialing: connect() in progress, and the addresses still to try.
  bool connecting = false;
  std::vector<sockaddr_storage> addresses;
  std::string connect_error;
  dial_fn done;
  std::vector<uint8_t> in;
  size_t expect = 0;
  std::vector<uint8_t> out;
  size_t written = 0;
  bool succeeded = false;
  /// The handshake itself failed (as opposed to the connection).
  bool refused = false;
  std::string failure;
  bool finished = false;

  bool over() const noexcept { return succeeded || !failure.empty(); }
};

// -- gate ---------------------------------------------------------------------

std::unique_ptr<gate> gate::open(const endpoint* listen, gate_options opts,
                                 std::string& error) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_NONBLOCK | O_CLOEXEC) != 0) {
    error = "cannot create the gate's wake-up pipe: " + last_error();
    return nullptr;
  }
  owned_socket wake_read{pipe_fds[0]};
  owned_socket wake_write{pipe_fds[1]};
  owned_socket listener;
  uint16_t port = 0;
  if (listen != nullptr) {
    auto addresses = resolve(*listen, true, error);
    if (addresses.empty())
      return nullptr;
    auto& addr = addresses.front();
    listener = owned_socket{::socket(
        addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
    int on = 1;
    if (!listener
        || ::setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &on,
                        sizeof(on))
               != 0
        || ::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr),
                  length_of(addr))
               != 0
        || ::listen(listener.get(), 128) != 0) {
      error = "cannot listen on " + to_string(*listen) + ": " + last_error();
      return nullptr;
    }
    sockaddr_storage bound{};
    socklen_t len = sizeof(bound);
    ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&bound), &len);
    port = bound.ss_family == AF_INET6
               ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
               : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  }
  return std::unique_ptr<gate>{
      new gate(std::move(listener), port, std::move(wake_read),
               std::move(wake_write), std::move(opts))};
}

gate::gate(owned_socket listener, uint16_t port, owned_socket wake_read,
           owned_socket wake_write, gate_options opts)
    : listener_(std::move(listener)),
      port_(port),
      wake_read_(std::move(wake_read)),
      wake_write_(std::move(wake_write)),
      opts_(std::move(opts)) {
  // nop
}

gate::~gate() {
  stop();
}

void gate::start(accept_fn on_accept, refuse_fn on_refuse) {
  on_accept_ = std::move(on_accept);
  on_refuse_ = std::move(on_refuse);
  thread_ = std::thread{[this] {
    run();
  }};
}

void gate::dial(endpoint to, std::chrono::milliseconds timeout, dial_fn done) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (!stopped_) {
      commands_.push_back(dial_command{
          std::move(to), clock_type::now() + timeout, std::move(done)});
      char token = 'd';
      // A full pipe already holds a wake-up; nothing is lost.
      [[maybe_unused]] auto n = ::write(wake_write_.get(), &token, 1);
      return;
    }
  }
  done(owned_socket{}, "the node is shutting down", false);
}

void gate::stop() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (stopped_)
      return;
    stopped_ = true;
  }
  stopping_.store(true);
  char token = 's';
  [[maybe_unused]] auto n = ::write(wake_write_.get(), &token, 1);
  if (thread_.joinable())
    thread_.join();
  // Dials that arrived after the thread's last look.
  std::vector<dial_command> rest;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    rest.swap(commands_);
  }
  for (auto& cmd : rest)
    cmd.done(owned_socket{}, "the node is shutting down", false);
}

void gate::run() {
  std::vector<pollfd> fds;
  while (!stopping_.load()) {
    start_dials();
    fds.clear();
    fds.push_back(pollfd{wake_read_.get(), POLLIN, 0});
    size_t pending_incoming = 0;
    for (auto& conn : connections_)
      if (!conn->client)
        ++pending_incoming;
    bool listening = listener_ && pending_incoming < 2 * opts_.max_pending;
    if (listening)
      fds.push_back(pollfd{listener_.get(), POLLIN, 0});
    auto first_conn = fds.size();
    auto now = clock_type::now();
    auto wait = std::chrono::milliseconds{-1};
    for (auto& conn : connections_) {
      short events = 0;
      if (conn->connecting || conn->written < conn->out.size())
        events |= POLLOUT;
      else if (conn->expect > 0)
        events |= POLLIN;
      fds.push_back(pollfd{conn->fd.get(), events, 0});
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                      conn->deadline - now)
                  + std::chrono::milliseconds{1};
      left = std::max(left, std::chrono::milliseconds{0});
      if (wait.count() < 0 || left < wait)
        wait = left;
    }
    auto rc = ::poll(fds.data(), fds.size(), static_cast<int>(wait.count()));
    if (rc < 0 && errno != EINTR)
      break;
    if (fds[0].revents != 0) {
      char buf[64];
      while (::read(wake_read_.get(), buf, sizeof(buf)) > 0) {
        // drain
      }
    }
    if (listening && fds[1].revents != 0)
      accept_all();
    // accept_all appends; only the connections polled above have results.
    auto polled = fds.size() - first_conn;
    for (size_t i = 0; i < polled && i < connections_.size(); ++i)
      advance(*connections_[i], rc > 0 ? fds[first_conn + i].revents : 0);
    connections_.erase(
        std::remove_if(connections_.begin(), connections_.end(),
                       [](const auto& conn) { return conn->finished; }),
        connections_.end());
  }
  for (auto& conn : connections_)
    if (!conn->finished)
      fail(*conn, "the node is shutting down");
  connections_.clear();
}

void gate::accept_all() {
  for (;;) {
    sockaddr_storage addr{};
    socklen_t len = sizeof(addr);
    int fd = ::accept4(listener_.get(), reinterpret_cast<sockaddr*>(&addr),
                       &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
      return;
    owned_socket sock{fd};
    auto peer = address_of(reinterpret_cast<sockaddr*>(&addr));
    auto fresh = make_nonce();
    if (!fresh) {
      on_refuse_(peer, "no random nonce available");
      continue;
    }
    size_t pending = 0;
    for (auto& conn : connections_)
      if (!conn->client)
        ++pending;
    auto busy = pending >= opts_.max_pending;
    auto conn = std::make_unique<connection>(
        handshake::server(opts_.auth, *fresh, busy), false);
    conn->fd = std::move(sock);
    conn->peer = std::move(peer);
    conn->deadline = clock_type::now() + opts_.handshake_timeout;
    set_nodelay(conn->fd.get());
    auto& ref = *conn;
    connections_.push_back(std::move(conn));
    step(ref, ref.hs.start());
  }
}

void gate::start_dials() {
  std::vector<dial_command> cmds;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    cmds.swap(commands_);
  }
  for (auto& cmd : cmds) {
    auto fresh = make_nonce();
    if (!fresh) {
      cmd.done(owned_socket{}, "no random nonce available", false);
      continue;
    }
    auto conn = std::make_unique<connection>(
        handshake::client(opts_.auth, *fresh), true);
    conn->peer = to_string(cmd.to);
    conn->deadline = cmd.deadline;
    conn->done = std::move(cmd.done);
    std::string error;
    conn->addresses = resolve(cmd.to, false, error);
    std::reverse(conn->addresses.begin(), conn->addresses.end());
    conn->connect_error = error;
    conn->connecting = true;
    auto& ref = *conn;
    connections_.push_back(std::move(conn));
    // Starts the first connect; an immediate failure tries the next address.
    advance(ref, POLLERR);
  }
}

void gate::advance(connection& conn, short revents) {
  if (conn.finished)
    return;
  if (clock_type::now() >= conn.deadline) {
    if (conn.client) {
      fail(conn, conn.connecting ? "no connection within the timeout"
                                 : "no handshake answer within the timeout");
    } else {
      auto ms = opts_.handshake_timeout.count();
      fail(conn, "no handshake within " + std::to_string(ms) + " ms");
    }
    return;
  }
  if (conn.connecting) {
    if (revents == 0)
      return;
    if (conn.fd) {
      int err = 0;
      socklen_t len = sizeof(err);
      ::getsockopt(conn.fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
      if (err == 0) {
        conn.connecting = false;
        set_nodelay(conn.fd.get());
        step(conn, conn.hs.start());
        return;
      }
      conn.connect_error = std::strerror(err);
      conn.fd = owned_socket{};
    }
    // Try the next address, if any.
    while (!conn.addresses.empty()) {
      auto addr = conn.addresses.back();
      conn.addresses.pop_back();
      owned_socket sock{::socket(
          addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
      if (!sock)
        continue;
      auto rc = ::connect(sock.get(), reinterpret_cast<sockaddr*>(&addr),
                          length_of(addr));
      if (rc == 0 || errno == EINPROGRESS) {
        conn.fd = std::move(sock);
        return;
      }
      conn.connect_error = last_error();
    }
    fail(conn, "cannot connect: " + conn.connect_error);
    return;
  }
  if (conn.written < conn.out.size()) {
    if ((revents & (POLLOUT | POLLERR | POLLHUP)) == 0)
      return;
    auto n = ::send(conn.fd.get(), conn.out.data() + conn.written,
                    conn.out.size() - conn.written, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      fail(conn, "write failed: " + last_error());
      return;
    }
    if (n > 0)
      conn.written += static_cast<size_t>(n);
    if (conn.written == conn.out.size() && conn.over())
      finish(conn);
    return;
  }
  if (conn.expect == 0 || (revents & (POLLIN | POLLERR | POLLHUP)) == 0)
    return;
  auto have = conn.in.size();
  conn.in.resize(conn.expect);
  auto n = ::recv(conn.fd.get(), conn.in.data() + have, conn.expect - have, 0);
  if (n <= 0) {
    conn.in.resize(have);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return;
    fail(conn, n == 0 ? "closed the connection during the handshake"
                      : "read failed: " + last_error());
    return;
  }
  conn.in.resize(have + static_cast<size_t>(n));
  if (conn.in.size() < conn.expect)
    return;
  auto frame = std::move(conn.in);
  conn.in.clear();
  step(conn, conn.hs.receive(frame.data(), frame.size()));
}

bool gate::step(connection& conn, handshake_step next) {
  conn.out.insert(conn.out.end(), next.send.begin(), next.send.end());
  conn.expect = next.expect;
  conn.succeeded = next.done;
  conn.failure = std::move(next.failure);
  conn.refused = !conn.failure.empty();
  if (conn.written < conn.out.size()) {
    // Frames are small: one send usually takes all of it.
    auto n = ::send(conn.fd.get(), conn.out.data() + conn.written,
                    conn.out.size() - conn.written, MSG_NOSIGNAL);
    if (n > 0)
      conn.written += static_cast<size_t>(n);
    else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && !conn.over()) {
      fail(conn, "write failed: " + last_error());
      return false;
    }
  }
  if (conn.over() && (conn.written == conn.out.size() || !conn.failure.empty()))
    finish(conn);
  return !conn.finished;
}

void gate::fail(connection& conn, const std::string& why) {
  conn.succeeded = false;
  conn.refused = false;
  conn.failure = why;
  finish(conn);
}

void gate::finish(connection& conn) {
  conn.finished = true;
  if (conn.succeeded) {
    if (conn.client)
      conn.done(std::move(conn.fd), std::string{}, false);
    else
      on_accept_(std::move(conn.fd), conn.peer);
    return;
  }
  conn.fd = owned_socket{};
  if (conn.client)
    conn.done(owned_socket{}, conn.failure, conn.refused);
  else
    on_refuse_(conn.peer, conn.failure);
}

} // namespace troupe::detail
