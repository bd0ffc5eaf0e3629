#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "troupe/actors/topic_forwarder.hpp"
#include "troupe/runtime/cluster/endpoint.hpp"
#include "troupe/runtime/cluster/transport.hpp"

#include <caf/actor.hpp>
#include <caf/error.hpp>
#include <caf/timespan.hpp>

namespace troupe {

class catalog;

/// How a process takes part in a cluster.
struct cluster_options {
  /// This node's name, unique in the cluster.
  std::string name;

  /// Where to accept peers; none for a node that only dials out (e.g. a
  /// controller). Port 0 picks a free port.
  std::optional<endpoint> listen;

  /// The address peers should dial, when it differs from `listen` (e.g.
  /// listening on 0.0.0.0). Without it, a wildcard listen address is
  /// replaced by the address a peer reached this node on.
  std::optional<endpoint> advertise;

  /// The shared secret; empty for none (loopback only, or `insecure`).
  std::string secret;

  /// Mutual TLS between nodes (all three files, or none).
  tls_options tls;

  /// Allows listening beyond loopback without any authentication.
  bool insecure = false;

  /// Application heartbeats; a peer silent for `heartbeat_timeout` is lost.
  /// The same values go to CAF's middleman heartbeat settings.
  caf::timespan heartbeat_interval = std::chrono::milliseconds{250};
  caf::timespan heartbeat_timeout = std::chrono::milliseconds{1500};

  /// Connecting, authenticating and saying hello, in total.
  caf::timespan connect_timeout = std::chrono::seconds{5};

  /// Requests to peers (spawning, ...).
  caf::timespan request_timeout = std::chrono::seconds{10};

  /// Dial lost peers that this node dialed again until they are back.
  bool reconnect = true;

  /// Receive `node_joined` and `node_lost` events from the start.
  std::vector<caf::actor> observers;

  /// Agent types this node spawns for others; nullptr: `catalog::global()`.
  const catalog* agents = nullptr;

  /// Flow control of topic traffic to each peer.
  forwarder_limits forwarding;
};

/// Checks the options: a name, complete TLS files, heartbeat timeout above
/// the interval, and no listening beyond loopback without a secret or TLS
/// unless `insecure`. Error `invalid_config` with one line saying which
/// option and why.
caf::error validate(const cluster_options& opts);

} // namespace troupe
