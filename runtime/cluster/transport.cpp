#include "troupe/runtime/cluster/transport.hpp"

#include <exception>
#include <memory>

#include "troupe/messages/errors.hpp"

#include <caf/atom.hpp>
#include <caf/io/basp_broker.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/network/default_multiplexer.hpp>
#include <caf/io/network/interfaces.hpp>
#include <caf/io/network/stream_impl.hpp>
#include <caf/io/scribe.hpp>
#include <caf/make_counted.hpp>
#include <caf/openssl/session.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace troupe::detail {

namespace {

using native_socket = caf::io::network::native_socket;

/// Routes a stream's reads and writes through an OpenSSL session.
struct tls_policy {
  explicit tls_policy(caf::openssl::session_ptr ptr) : session(std::move(ptr)) {
    // nop
  }

  caf::io::network::rw_state read_some(size_t& result, native_socket fd,
                                       void* buf, size_t len) {
    return session->read_some(result, fd, buf, len);
  }

  caf::io::network::rw_state write_some(size_t& result, native_socket fd,
                                        const void* buf, size_t len) {
    return session->write_some(result, fd, buf, len);
  }

  bool try_accept(native_socket&, native_socket) {
    // Scribes never accept; the gate did.
    return false;
  }

  bool must_read_more(native_socket fd, size_t threshold) {
    return session->must_read_more(fd, threshold);
  }

  caf::openssl::session_ptr session;
};

/// A scribe over a TLS session on a socket the gate authenticated.
/// caf_openssl only builds such scribes for sockets it connected or
/// accepted itself.
class tls_scribe : public caf::io::scribe {
public:
  tls_scribe(caf::io::network::default_multiplexer& mpx, native_socket fd,
             caf::openssl::session_ptr session)
      : scribe(caf::io::network::conn_hdl_from_socket(fd)),
        stream_(mpx, fd, std::move(session)) {
    // nop
  }

  void configure_read(caf::io::receive_policy::config cfg) override {
    stream_.configure_read(cfg);
    if (!launched_) {
      launched_ = true;
      stream_.start(this);
      // Schedules the stream once, so that the TLS handshake proceeds
      // before anything is written.
      stream_.force_empty_write(this);
    }
  }

  void ack_writes(bool enable) override { stream_.ack_writes(enable); }

  std::vector<char>& wr_buf() override { return stream_.wr_buf(); }

  std::vector<char>& rd_buf() override { return stream_.rd_buf(); }

  void graceful_shutdown() override {
    stream_.graceful_shutdown();
    detach(&stream_.backend(), false);
  }

  void flush() override { stream_.flush(this); }

  std::string addr() const override {
    auto x = caf::io::network::remote_addr_of_fd(stream_.fd());
    return x ? *x : std::string{};
  }

  uint16_t port() const override {
    auto x = caf::io::network::remote_port_of_fd(stream_.fd());
    return x ? *x : 0;
  }

  void add_to_loop() override { stream_.activate(this); }

  void remove_from_loop() override { stream_.passivate(); }

private:
  bool launched_ = false;
  caf::io::network::stream_impl<tls_policy> stream_;
};

std::string ssl_error() {
  std::string result;
  while (auto code = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    if (!result.empty())
      result += "; ";
    result += buf;
  }
  return result.empty() ? "unknown error" : result;
}

} // namespace

caf::error check_tls_files(const tls_options& tls) {
  if (tls.certificate.empty() || tls.key.empty() || tls.ca.empty())
    return make_error(errc::invalid_config,
                      "TLS needs all of --tls-cert, --tls-key and --tls-ca");
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx{
      SSL_CTX_new(TLS_method()), SSL_CTX_free};
  if (!ctx)
    return make_error(errc::invalid_config,
                      "cannot create a TLS context: " + ssl_error());
  auto fail = [](const std::string& what, const std::string& file) {
    return make_error(errc::invalid_config,
                      what + " " + file + ": " + ssl_error());
  };
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), tls.certificate.c_str())
      != 1)
    return fail("cannot load the certificate", tls.certificate);
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), tls.key.c_str(), SSL_FILETYPE_PEM)
      != 1)
    return fail("cannot load the private key", tls.key);
  if (SSL_CTX_check_private_key(ctx.get()) != 1)
    return fail("the private key does not match the certificate", tls.key);
  if (SSL_CTX_load_verify_locations(ctx.get(), tls.ca.c_str(), nullptr) != 1)
    return fail("cannot load the CA certificate", tls.ca);
  return caf::none;
}

caf::expected<caf::io::scribe_ptr> make_scribe(caf::actor_system& sys,
                                               owned_socket sock, bool tls,
                                               bool accepted) {
  auto& mpx = sys.middleman().backend();
  if (!tls)
    return mpx.new_scribe(sock.release());
  auto fd = sock.get();
  caf::openssl::session_ptr session;
  try {
    session = caf::openssl::make_session(sys, fd, accepted);
  } catch (const std::exception& ex) {
    return make_error(errc::invalid_config,
                      std::string{"cannot set up TLS: "} + ex.what());
  }
  if (!session)
    return make_error(errc::unauthorized,
                      "the TLS handshake failed: " + ssl_error());
  auto& default_mpx = static_cast<caf::io::network::default_multiplexer&>(mpx);
  caf::io::scribe_ptr result = caf::make_counted<tls_scribe>(
      default_mpx, sock.release(), std::move(session));
  return result;
}

caf::actor basp_broker(caf::actor_system& sys) {
  return sys.middleman().named_broker<caf::io::basp_broker>(caf::atom("BASP"));
}

} // namespace troupe::detail
