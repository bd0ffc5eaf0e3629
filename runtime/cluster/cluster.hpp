#pragma once

// Running a troupe runtime as a node of a cluster.
//
//   troupe::config cfg;
//   cfg.add_message_types<caf::id_block::my_app>();
//   troupe::cluster_options opts;
//   opts.name = "controller";
//   opts.secret = *troupe::read_secret_file("cluster.key");
//   if (auto err = troupe::enable_cluster(cfg, opts)) ...  // before the
//   runtime troupe::runtime rt{cfg}; auto node = troupe::cluster::start(rt,
//   opts);           // expected<cluster> auto peer =
//   node->connect({"10.0.0.2", 4242});          // peer's name
//   node->spawn_on(*peer, {"bob_type", "bob"});
//   rt.send_to("bob", greeting{...});                       // reaches the peer
//
// Every node of a cluster registers the same message types; agents reach
// each other by name with `send_to` and by topic with `publish` wherever
// they run.

#include <string>
#include <vector>

#include "troupe/actors/node.hpp"
#include "troupe/messages/cluster.hpp"
#include "troupe/runtime/cluster/auth.hpp"
#include "troupe/runtime/cluster/catalog.hpp"
#include "troupe/runtime/cluster/endpoint.hpp"
#include "troupe/runtime/cluster/options.hpp"
#include "troupe/runtime/config.hpp"
#include "troupe/runtime/runtime.hpp"

#include <caf/expected.hpp>

namespace troupe {

/// Reads a shared secret file (see `detail::read_secret_file`).
inline caf::expected<std::string> read_secret_file(const std::string& path) {
  return detail::read_secret_file(path);
}

/// Prepares `cfg` for a cluster: validates `opts`, loads CAF's middleman
/// (and caf_openssl for TLS) and sets CAF's own heartbeat and connection
/// timeout to the options' values. Call before constructing the runtime.
caf::error enable_cluster(config& cfg, const cluster_options& opts);

/// A runtime's membership in a cluster: its node actor plus blocking calls
/// for code outside actors (actors talk to `handle()` with requests).
class cluster {
public:
  /// Starts listening (if configured) and spawns the node actor through
  /// `rt`, which stops it on shutdown. `rt` must come from a config that
  /// went through `enable_cluster` with the same options.
  static caf::expected<cluster> start(runtime& rt, cluster_options opts);

  /// The node actor.
  const node_actor& handle() const noexcept { return handle_; }

  const std::string& name() const noexcept { return name_; }

  /// The port this node listens on (0 without listening).
  uint16_t port() const noexcept { return port_; }

  /// Dials a node, authenticates and joins it; returns its name. Other
  /// members of its cluster are connected in the background.
  caf::expected<std::string> connect(const endpoint& to);

  /// Spawns an agent of a catalog type on `node` (this node's own name
  /// works too); the name is in the local directory when this returns.
  caf::expected<caf::actor> spawn_on(const std::string& node,
                                     spawn_request req);

  /// Waits until `name` is in the directory, local or remote.
  caf::expected<caf::actor> await_name(const std::string& name,
                                       caf::timespan timeout);

  /// Waits until `name` is in the directory of `node`. Names travel between
  /// nodes asynchronously: an agent on `node` that answers by name needs
  /// this after the name was registered here.
  caf::expected<caf::actor> await_name_on(const std::string& node,
                                          const std::string& name,
                                          caf::timespan timeout);

  /// Waits until `node` has subscribers for `topic` and this node forwards
  /// the topic to it.
  caf::error await_subscriber(const std::string& node, const std::string& topic,
                              caf::timespan timeout);

  /// Waits until node `at` forwards `topic` to `node`: what a publisher on
  /// `at` needs before its messages reach subscribers on `node`.
  caf::error await_subscriber_at(const std::string& at, const std::string& node,
                                 const std::string& topic,
                                 caf::timespan timeout);

  /// The connected peers.
  std::vector<node_status> peers();

  /// Sends `node_joined` / `node_lost` events to `who`.
  void observe(const caf::actor& who);

  /// Says goodbye to every peer, so they report a graceful loss.
  void leave();

private:
  cluster(runtime& rt, node_actor handle, std::string name, uint16_t port,
          caf::timespan timeout);

  runtime* rt_;
  node_actor handle_;
  std::string name_;
  uint16_t port_;
  caf::timespan timeout_;
};

} // namespace troupe
