#pragma once

// Messages of the cluster: nodes introduce themselves, keep each other's
// directories and topic interests in sync, forward topic traffic in
// batches, spawn agents for each other and report node loss. Worker pools
// talk to their compute workers with the messages at the end.
//
// Everything here except `socket_handoff` crosses the network between
// authenticated nodes, so names and IDs must be identical on every node.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "troupe/messages/core.hpp"
#include "troupe/messages/experiment.hpp"

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/message.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/type_id.hpp>

namespace troupe {

/// Version of the node-to-node protocol (the messages below). Nodes with
/// different versions refuse each other in the hello exchange.
constexpr uint32_t cluster_protocol_version = 1;

// -- atoms --------------------------------------------------------------------

/// `(hello_atom, node_hello)`: sent by a node to a peer's node actor right
/// after their connection was authenticated; the reply is the peer's own
/// `node_hello`.
using hello_atom = caf::atom_constant<caf::atom("hello")>;

/// `(heartbeat_atom, uint64_t seq)`: sent by every node to each peer's node
/// actor every heartbeat interval. No reply; silence for the heartbeat
/// timeout means the peer is lost.
using heartbeat_atom = caf::atom_constant<caf::atom("heartbeat")>;

/// `(goodbye_atom, std::string reason)`: sent by a node that shuts down
/// cleanly to each peer's node actor, so they report a graceful loss. No
/// reply.
using goodbye_atom = caf::atom_constant<caf::atom("goodbye")>;

/// `(caf::get_atom, peers_atom)`: sent to the local node actor; the reply is
/// `std::vector<node_status>`, one per connected peer.
using peers_atom = caf::atom_constant<caf::atom("peers")>;

/// `(caf::join_atom, node_events_atom, caf::actor)`: sent to the local node
/// actor to receive `node_joined` and `node_lost` events. No reply.
using node_events_atom = caf::atom_constant<caf::atom("nodeevents")>;

/// `(await_atom, ...)`: sent to the local node actor to wait for a remote
/// state (a name, a peer's topic interest); answered once it holds.
using await_atom = caf::atom_constant<caf::atom("await")>;

/// `(caf::leave_atom)`: sent to the local node actor before a clean
/// shutdown; it says goodbye to every peer and replies with `void`.

/// `(compute_atom, caf::message)`: sent by a worker pool to a compute
/// worker; the reply is the result as a `work_output`, or an error.
/// `(compute_atom, read_atom, caf::message)`: the same for a worker that
/// reads its own input from the descriptor first.
using compute_atom = caf::atom_constant<caf::atom("compute")>;

/// `(read_atom, caf::message)`: sent by a worker pool to a read worker; the
/// reply is the input read, as a `work_output`, or an error.
using read_atom = caf::atom_constant<caf::atom("read")>;

/// `(run_atom, std::vector<caf::message>)`: sent to a worker pool; the reply
/// is the results in input order. `(run_atom, std::vector<caf::message>,
/// caf::actor sink)` streams each result to `sink` as a `pool_result`, in
/// input order, and replies with the count.
using run_atom = caf::atom_constant<caf::atom("run")>;

// -- membership ---------------------------------------------------------------

/// Where a node can be reached. `port` is 0 for a node that does not listen
/// (e.g. a controller that only dials out). Part of `node_hello` and of
/// `node_status`; sent on its own by a node to its peers when a new member
/// joined (`(caf::join_atom, node_address)`, no reply), so that every pair of
/// nodes connects directly.
struct node_address {
  std::string name;
  std::string host;
  uint16_t port = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_address& x) {
  return f(caf::meta::type_name("troupe::node_address"), x.name, x.host,
           x.port);
}

/// A registered name and the actor behind it. Part of `node_hello` and
/// `names_update`.
struct name_entry {
  std::string name;
  caf::actor handle;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, name_entry& x) {
  return f(caf::meta::type_name("troupe::name_entry"), x.name, x.handle);
}

/// A node's introduction, sent with `hello_atom` by the node that dialed and
/// returned as the reply by the node that accepted. `names` are the node's
/// local agents, `topics` the topics with local subscribers, `members` the
/// other nodes it is connected to and `sink` the actor that receives its
/// topic batches.
struct node_hello {
  uint32_t protocol = cluster_protocol_version;
  node_address self;
  caf::actor sink;
  std::vector<name_entry> names;
  std::vector<std::string> topics;
  std::vector<node_address> members;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_hello& x) {
  return f(caf::meta::type_name("troupe::node_hello"), x.protocol, x.self,
           x.sink, x.names, x.topics, x.members);
}

/// Changes of a node's local names. Sent by a node actor to every peer's
/// node actor whenever a local agent registers or leaves. No reply.
struct names_update {
  std::vector<name_entry> added;
  std::vector<std::string> removed;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, names_update& x) {
  return f(caf::meta::type_name("troupe::names_update"), x.added, x.removed);
}

/// Changes of a node's topic interest: topics that gained their first local
/// subscriber (`added`) or lost their last (`removed`). Sent by a node actor
/// to every peer's node actor; a peer forwards exactly the topics a node is
/// interested in. No reply.
struct topics_update {
  std::vector<std::string> added;
  std::vector<std::string> removed;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, topics_update& x) {
  return f(caf::meta::type_name("troupe::topics_update"), x.added, x.removed);
}

// -- topic traffic ------------------------------------------------------------

/// Up to a few thousand topic messages in publishing order, sent by a
/// node's topic forwarder to a peer's topic sink. The sink delivers them to
/// its local subscribers and answers with a `batch_ack` (sent to the
/// forwarder, not as a reply). `topics` and `signatures` are this batch's
/// tables of topic names and payload type lists ("test::ping", or
/// "a+b" for several elements); `data` holds, per message, the indices into
/// both tables, the deadline and the serialized payload (see
/// runtime/cluster/batch.hpp).
struct topic_batch {
  uint64_t seq = 0;
  uint32_t count = 0;
  std::vector<std::string> topics;
  std::vector<std::string> signatures;
  std::vector<char> data;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, topic_batch& x) {
  return f(caf::meta::type_name("troupe::topic_batch"), x.seq, x.count,
           x.topics, x.signatures, x.data);
}

/// Sent by a topic sink to the forwarder of a `topic_batch` once the batch
/// was delivered; returns one batch of credit. No reply.
struct batch_ack {
  uint64_t seq = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, batch_ack& x) {
  return f(caf::meta::type_name("troupe::batch_ack"), x.seq);
}

// -- spawning on a node -------------------------------------------------------

/// Asks a node to spawn an agent of a type its catalog knows. Sent with
/// `caf::spawn_atom` to a node actor (directly, or to the local one with the
/// target node's name in front: `(spawn_atom, std::string node,
/// spawn_request)`). The reply is the agent's handle; an empty `name`
/// spawns an anonymous agent. `params` reach agents constructed with
/// `(actor_config&, std::string, const agent_params&)`; `detached` gives
/// the agent its own thread.
struct spawn_request {
  std::string type;
  std::string name;
  std::map<std::string, std::string> params;
  bool detached = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, spawn_request& x) {
  return f(caf::meta::type_name("troupe::spawn_request"), x.type, x.name,
           x.params, x.detached);
}

/// Asks a node to host the resource manager of a resource placed there by
/// an experiment. Sent by the experiment controller to its local node actor
/// with the target node's name in front (`(spawn_atom, std::string node,
/// place_resource)`), which passes it on as `(spawn_atom, place_resource)`
/// to that node's node actor. The node spawns a manager of resource type
/// `type` from its own registry (see `catalog::resource_types`); the reply
/// is the manager's handle. The manager reports to `controller` exactly as
/// a local one does. Errors: `not_found` (no such node or type there),
/// `invalid_config` (the node's type takes other attributes).
struct place_resource {
  uint64_t guid = 0;
  std::string name;
  std::string type;
  attributes attrs;
  std::vector<resource_peer> peers;
  caf::actor controller;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, place_resource& x) {
  return f(caf::meta::type_name("troupe::place_resource"), x.guid, x.name,
           x.type, x.attrs, x.peers, x.controller);
}

// -- node events --------------------------------------------------------------

/// A peer connected (or came back: `rejoined`). Sent by the node actor to
/// every actor registered with `(caf::join_atom, node_events_atom, actor)`.
/// No reply.
struct node_joined {
  std::string node;
  std::string address;
  bool rejoined = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_joined& x) {
  return f(caf::meta::type_name("troupe::node_joined"), x.node, x.address,
           x.rejoined);
}

/// A peer was lost: its connection closed, its heartbeats stopped, or it
/// said goodbye (`graceful`). `reason` carries `errc::node_lost` and a line
/// naming the node and the cause. Sent by the node actor to every actor
/// registered for node events (the failure manager consumes it). No reply.
struct node_lost {
  std::string node;
  std::string address;
  caf::error reason;
  bool graceful = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_lost& x) {
  return f(caf::meta::type_name("troupe::node_lost"), x.node, x.address,
           x.reason, x.graceful);
}

/// One connected peer as the node actor sees it. Reply element of
/// `(caf::get_atom, peers_atom)`. `topics` are the topics this node
/// forwards to the peer.
struct node_status {
  node_address address;
  std::vector<std::string> names;
  std::vector<std::string> topics;
  bool dialed = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_status& x) {
  return f(caf::meta::type_name("troupe::node_status"), x.address, x.names,
           x.topics, x.dialed);
}

// -- worker pools -------------------------------------------------------------

/// What a pool's worker answers to `compute_atom` and `read_atom`. A
/// wrapper because CAF sends a bare `caf::message` returned by a handler as
/// the reply itself, not as one element.
struct work_output {
  caf::message value;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, work_output& x) {
  return f(caf::meta::type_name("troupe::work_output"), x.value);
}

/// One result of a worker pool run with a sink: `index` is the position of
/// the input. Sent by the pool to the sink in input order. No reply.
struct pool_result {
  uint64_t index = 0;
  caf::message output;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pool_result& x) {
  return f(caf::meta::type_name("troupe::pool_result"), x.index, x.output);
}

// -- process-local ------------------------------------------------------------

namespace detail {
class owned_socket;
} // namespace detail

/// Sent by a node's gate thread to its node actor (never crosses the
/// network): an authenticated socket, or why there is none. `peer` is
/// "host:port" of the other side; `request` is 0 for accepted connections,
/// otherwise the dial it answers. `refused` tells a failed authentication
/// from a failed connection. No reply.
struct socket_handoff {
  std::shared_ptr<detail::owned_socket> socket;
  std::string peer;
  uint64_t request = 0;
  std::string error;
  bool refused = false;
};

} // namespace troupe

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(troupe::socket_handoff)

CAF_BEGIN_TYPE_ID_BLOCK(troupe_cluster, troupe::cluster_first_type_id)

CAF_ADD_TYPE_ID(troupe_cluster, (troupe::node_address))
CAF_ADD_TYPE_ID(troupe_cluster, (troupe::node_hello))
CAF_ADD_TYPE_ID(troupe_cluster, (troupe::names_update))
CAF_ADD_TYPE_ID(troupe_cluster, (troupe::topics_update))
CAF_ADD_TYPE_ID(troupe_cluster, (troupe::topic_batch))
CAF_ADD_TYPE_ID(troupe_cluster, (troupe::batch_ack))
CAF_ADD_TYPE_ID(troupe_cluster, (troupe::spawn_request))
CAF_ADD_TYPE_ID(troupe_cluster, (troupe::node_joined))
CAF_ADD_TYPE_ID(troupe_cluster, (troupe::node_lost))
CAF_ADD_TYPE_ID(troupe_cluster, (troupe::node_status))
CAF_ADD_TYPE_ID(troupe_cluster, (std::vector<troupe::node_status>))
CAF_ADD_TYPE_ID(troupe_cluster, (troupe::pool_result))
CAF_ADD_TYPE_ID(troupe_cluster, (troupe::work_output))
CAF_ADD_TYPE_ID(troupe_cluster, (std::vector<caf::message>))
CAF_ADD_TYPE_ID(troupe_cluster, (troupe::place_resource))
CAF_ADD_TYPE_ID(troupe_cluster, (troupe::socket_handoff))

CAF_END_TYPE_ID_BLOCK(troupe_cluster)
