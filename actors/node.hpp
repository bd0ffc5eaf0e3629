#pragma once

#include <memory>
#include <string>
#include <vector>

#include "troupe/messages/cluster.hpp"
#include "troupe/runtime/cluster/options.hpp"

#include <caf/actor.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

namespace troupe {

class runtime;

namespace detail {
class gate;
} // namespace detail

/// The node actor: one per runtime that joins a cluster. It is the only
/// actor a peer gets a handle to, and only after the gate authenticated the
/// connection. It keeps the cluster-wide directory (peers' names in the
/// local name table), tells peers which topics have subscribers here and
/// runs a topic forwarder per peer, exchanges heartbeats, spawns agents for
/// peers and reports joined and lost nodes.
using node_actor = caf::typed_actor<
    // -- from peers
    // -------------------------------------------------------------
    /// A peer introduces itself; the reply is this node's hello.
    caf::replies_to<hello_atom, node_hello>::with<node_hello>,
    /// A peer's local names changed.
    caf::reacts_to<names_update>,
    /// A peer's topic interest changed.
    caf::reacts_to<topics_update>,
    /// A peer is alive.
    caf::reacts_to<heartbeat_atom, uint64_t>,
    /// A peer shuts down cleanly; the text says why.
    caf::reacts_to<goodbye_atom, std::string>,
    /// A peer tells about a member that joined it.
    caf::reacts_to<caf::join_atom, node_address>,
    /// Spawns an agent of a catalog type here; replies with its handle.
    caf::replies_to<caf::spawn_atom, spawn_request>::with<caf::actor>,
    /// Hosts the manager of a resource an experiment placed here; replies
    /// with its handle.
    caf::replies_to<caf::spawn_atom, place_resource>::with<caf::actor>,
    // -- local API
    // --------------------------------------------------------------
    /// Dials `host:port`, authenticates and exchanges hellos; replies with the
    /// peer's name.
    caf::replies_to<caf::connect_atom, std::string,
                    uint16_t>::with<std::string>,
    /// Spawns on the named node (this one included); replies with the handle,
    /// which is also entered in the local directory at once.
    caf::replies_to<caf::spawn_atom, std::string,
                    spawn_request>::with<caf::actor>,
    /// Places a resource manager on the named node (this one included);
    /// replies with its handle.
    caf::replies_to<caf::spawn_atom, std::string,
                    place_resource>::with<caf::actor>,
    /// Sends `node_joined` / `node_lost` events to the actor from now on.
    caf::reacts_to<caf::join_atom, node_events_atom, caf::actor>,
    /// Lists the connected peers.
    caf::replies_to<caf::get_atom, peers_atom>::with<std::vector<node_status>>,
    /// Answers once `name` is in the directory (local or remote) with its
    /// handle.
    caf::replies_to<await_atom, std::string>::with<caf::actor>,
    /// Answers once `name` is in the directory of node `node` (this node's
    /// own name works too): names travel between nodes asynchronously.
    caf::replies_to<await_atom, names_atom, std::string,
                    std::string>::with<caf::actor>,
    /// Answers once node `node` has subscribers for `topic` and this node
    /// forwards that topic to it.
    caf::replies_to<await_atom, std::string, std::string>::with<void>,
    /// The same, asked of node `at` (which forwards `topic` to `node`).
    caf::replies_to<await_atom, std::string, std::string,
                    std::string>::with<void>,
    /// Says goodbye to every peer (before a clean shutdown).
    caf::replies_to<caf::leave_atom>::with<void>,
    // -- internal
    // ---------------------------------------------------------------
    /// From the gate: an authenticated socket, or a failed dial.
    caf::reacts_to<socket_handoff>,
    /// From the name table's observer: a name was added or removed here.
    caf::reacts_to<caf::update_atom, std::string, caf::actor, bool>,
    /// From the topic table's observer: the subscribers of a topic changed.
    caf::reacts_to<caf::update_atom, std::string>,
    /// Heartbeat timer.
    caf::reacts_to<caf::tick_atom>,
    /// Reconnect timer for a lost peer this node had dialed.
    caf::reacts_to<caf::connect_atom, std::string>>;

/// Everything the node actor starts with.
struct node_setup {
  cluster_options options;
  /// Listens (if configured) and dials; started by the node actor.
  std::shared_ptr<detail::gate> gate;
  /// The address peers dial (host may be empty: the peer fills it in).
  node_address self;
};

/// Spawns the node actor through `rt` (which stops it on shutdown).
node_actor spawn_node(runtime& rt, node_setup setup);

} // namespace troupe
