#pragma once

// The node actor's state and the bookkeeping of its sessions with peers:
// the directory entries it made for them, the topics it forwards to them,
// waiters, membership. The actor itself (actors/node.cpp) does the
// connecting, the heartbeats and the message handling.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "troupe/actors/node.hpp"
#include "troupe/actors/topic_sink.hpp"
#include "troupe/messages/cluster.hpp"
#include "troupe/runtime/cluster/endpoint.hpp"
#include "troupe/runtime/detail/runtime_state.hpp"

#include <caf/actor.hpp>
#include <caf/actor_clock.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace troupe {

class catalog;

} // namespace troupe

namespace troupe::detail {

class gate;

struct peer {
  node_address address;
  /// The connection's other end, for logs and events.
  std::string remote;
  node_actor handle;
  caf::actor sink;
  caf::actor forwarder;
  /// Names entered in the local directory for this peer.
  std::map<std::string, caf::actor_addr> names;
  /// Topics the peer has subscribers for (this node forwards them).
  std::set<std::string> topics;
  caf::actor_clock::time_point last_seen;
  /// This node dialed the peer: it dials again after a loss.
  bool dialed = false;
};

/// A dial in progress.
struct pending_dial {
  endpoint to;
  /// Whom to answer with the peer's name (none for background dials).
  std::optional<caf::response_promise> promise;
  /// The member a background dial is for ("" for explicit connects).
  std::string member;
};

struct topic_waiter {
  std::string node;
  std::string topic;
  caf::response_promise promise;
};

struct node_state {
  static inline const char* name = "troupe.node";
  cluster_options opts;
  node_address self;
  runtime* rt = nullptr;
  std::shared_ptr<detail::runtime_state> shared;
  std::shared_ptr<detail::gate> gate;
  const catalog* agents = nullptr;
  topic_sink_actor sink;
  caf::actor basp;
  std::set<std::string> sigs;
  std::map<std::string, peer> peers;
  std::map<caf::node_id, std::string> by_node;
  /// Every member ever heard of, for the mesh and for reconnecting.
  std::map<std::string, node_address> members;
  std::set<std::string> joined_before;
  std::map<uint64_t, pending_dial> dials;
  uint64_t next_dial = 1;
  std::map<std::string, caf::timespan> backoff;
  /// Topics announced to peers as having subscribers here.
  std::set<std::string> interest;
  std::vector<caf::actor> observers;
  std::multimap<std::string, caf::response_promise> name_waiters;
  std::vector<topic_waiter> topic_waiters;
  /// Authenticated connections whose peer has not said hello yet, by
  /// address: a TLS handshake that fails ends them without a word.
  std::map<std::string, caf::actor_clock::time_point> unintroduced;
  uint64_t beat = 0;
};

using node_pointer = node_actor::stateful_pointer<node_state>;

/// Bounds requests waiting for a name or a subscriber.
constexpr size_t max_waiters = 1024;
// -- lookups ------------------------------------------------------------------

/// The host part of "host:port" ("" if it does not parse).
std::string endpoint_host(const std::string& host_port);

/// The peer a message came from, or nullptr.
peer* peer_of(node_pointer self, const caf::strong_actor_ptr& sender);

/// Whether a topic has subscribers on this node other than forwarders.
bool has_local_subscribers(node_pointer self, const topic_entry& entry);

node_hello make_hello(node_pointer self);

/// Sends `xs...` to every peer's node actor.
template <class... Ts>
void broadcast(node_pointer self, const Ts&... xs) {
  for (auto& kvp : self->state.peers)
    self->send(kvp.second.handle, xs...);
}

// -- directory and topics -----------------------------------------------------

void add_remote_name(node_pointer self, peer& p, const name_entry& entry);

void remove_remote_name(node_pointer self, peer& p, const std::string& name);

/// Starts or stops forwarding `topic` to `p`.
void forward_topic(node_pointer self, peer& p, const std::string& topic,
                   bool on);

/// Re-evaluates this node's interest in `topic`; tells the peers.
void topic_changed(node_pointer self, const std::string& topic);

/// A local name came or went: tells the peers.
void local_name_changed(node_pointer self, const std::string& name,
                        const caf::actor& handle, bool added);

void resolve_topic_waiters(node_pointer self);

// -- sessions -----------------------------------------------------------------

/// Dials `to` (defined with the actor); answers `promise`, if any, with the
/// peer's name. `member` names the member a background dial is for.
void start_dial(node_pointer self, endpoint to,
                std::optional<caf::response_promise> promise,
                std::string member);

/// Dials a member unless connected or already dialing.
void consider_member(node_pointer self, const node_address& member);

/// Logs and reports that a peer joined.
void announce_joined(node_pointer self, const std::string& name);

/// Makes a peer of the node that sent `hello`.
caf::error open_session(node_pointer self, const node_hello& hello,
                        node_actor handle, const std::string& remote,
                        bool dialed);

/// Drops a peer: its names, its forwarder; reports the loss.
void lose_peer(node_pointer self, std::string name, const std::string& why,
               bool graceful);

// -- placement (placement.cpp) ------------------------------------------------

/// Spawns the manager of a resource placed on this node, with this node's
/// resource types (`catalog::resource_types`).
caf::result<caf::actor> host_resource(node_pointer self, place_resource& req);

/// Places a resource manager on `node` (this node's own name works too).
caf::result<caf::actor> place_on(node_pointer self, const std::string& node,
                                 place_resource& req);

} // namespace troupe::detail
