#pragma once

// Hands authenticated sockets to CAF's middleman: wraps them into scribes
// (with TLS through caf_openssl when configured) for the BASP broker.

#include <string>

#include "troupe/runtime/cluster/gate.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/io/fwd.hpp>

namespace troupe {

/// Certificate files for mutual TLS between nodes: this node's certificate
/// chain and private key (PEM) and the CA that signs every node's
/// certificate. All empty: no TLS.
struct tls_options {
  std::string certificate;
  std::string key;
  std::string ca;

  bool enabled() const noexcept {
    return !certificate.empty() || !key.empty() || !ca.empty();
  }
};

} // namespace troupe

namespace troupe::detail {

/// Checks that all three files are given, load, and that the key matches
/// the certificate. Error `invalid_config` naming the file.
caf::error check_tls_files(const tls_options& tls);

/// Wraps an authenticated socket into a scribe for the BASP broker; with
/// `tls`, the scribe runs TLS (the system must have loaded
/// caf::openssl::manager). `accepted` tells the TLS side to take.
caf::expected<caf::io::scribe_ptr>
make_scribe(caf::actor_system& sys, owned_socket sock, bool tls, bool accepted);

/// The middleman's BASP broker (the system must have loaded the
/// middleman).
caf::actor basp_broker(caf::actor_system& sys);

} // namespace troupe::detail
