#pragma once

// Messages of the runtime core: agents, the directory and the topic hub
// (broadcaster). Every type that crosses an actor boundary is declared here
// or in a sibling header of messages/, with its `inspect` overload and its
// type ID, so that names and IDs are identical on every node.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/type_id.hpp>

namespace troupe {

// -- ID ranges ----------------------------------------------------------------

/// First type ID of each message block. Blocks are separate so that each part
/// of the runtime can grow its own without renumbering the others.
constexpr caf::type_id_t core_first_type_id = caf::first_custom_type_id;
constexpr caf::type_id_t replay_first_type_id = caf::first_custom_type_id + 100;
constexpr caf::type_id_t experiment_first_type_id
    = caf::first_custom_type_id + 200;
constexpr caf::type_id_t monitor_first_type_id
    = caf::first_custom_type_id + 300;
constexpr caf::type_id_t cluster_first_type_id
    = caf::first_custom_type_id + 400;

/// First type ID free for users' own message blocks:
/// `CAF_BEGIN_TYPE_ID_BLOCK(my_app, troupe::first_user_type_id)`.
constexpr caf::type_id_t first_user_type_id = caf::first_custom_type_id + 1000;

// -- atoms --------------------------------------------------------------------

/// Sent by anyone to an agent (pyros' SHUTDOWN): the agent runs its
/// `on_shutdown()` hook once and exits normally. No reply.
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;

/// `(get_atom, stats_atom)`: sent by monitors or tests to an agent; the reply
/// is `agent_stats`. Sent to the broadcaster, the reply is
/// `std::vector<topic_info>`.
using stats_atom = caf::atom_constant<caf::atom("stats")>;

/// `(get_atom, names_atom)`: sent to the directory; reply is the sorted list
/// of registered names (`std::vector<std::string>`).
using names_atom = caf::atom_constant<caf::atom("names")>;

// -- structs ------------------------------------------------------------------

/// Leads every topic delivery. Sent by a publisher (agent, runtime or
/// broadcaster) directly to each subscriber, followed by the payload:
/// `(topic_header, payload...)`. No reply. `topic` is the topic's ID in the
/// receiving runtime (IDs are local; nodes translate names). `deadline_ns` is
/// the actor-clock time (ns since the clock's epoch) at which the record was
/// scheduled, 0 for live traffic; subscribers use it to measure lateness.
struct topic_header {
  uint32_t topic = 0;
  int64_t deadline_ns = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, topic_header& x) {
  return f(caf::meta::type_name("troupe::topic_header"), x.topic,
           x.deadline_ns);
}

/// One topic as the broadcaster sees it. Reply to `(get_atom, stats_atom)`
/// sent to the broadcaster, as a `std::vector<topic_info>`. `published`
/// counts messages published on the topic by anyone since it was first used.
struct topic_info {
  std::string name;
  uint32_t id = 0;
  uint64_t subscribers = 0;
  uint64_t published = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, topic_info& x) {
  return f(caf::meta::type_name("troupe::topic_info"), x.name, x.id,
           x.subscribers, x.published);
}

/// Counters of one agent. Reply of an agent to `(get_atom, stats_atom)`.
/// `unexpected` counts messages without a handler, keyed by their type list
/// (e.g. "(troupe::topic_info)").
struct agent_stats {
  std::string name;
  uint64_t received = 0;
  uint64_t sent = 0;
  uint64_t published = 0;
  std::map<std::string, uint64_t> unexpected;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_stats& x) {
  return f(caf::meta::type_name("troupe::agent_stats"), x.name, x.received,
           x.sent, x.published, x.unexpected);
}

} // namespace troupe

CAF_BEGIN_TYPE_ID_BLOCK(troupe_core, troupe::core_first_type_id)

CAF_ADD_TYPE_ID(troupe_core, (troupe::topic_header))
CAF_ADD_TYPE_ID(troupe_core, (troupe::topic_info))
CAF_ADD_TYPE_ID(troupe_core, (std::vector<troupe::topic_info>))
CAF_ADD_TYPE_ID(troupe_core, (troupe::agent_stats))
CAF_ADD_TYPE_ID(troupe_core, (std::vector<std::string>))
CAF_ADD_TYPE_ID(troupe_core, (std::vector<double>))
CAF_ADD_TYPE_ID(troupe_core, (std::vector<int64_t>))
CAF_ADD_TYPE_ID(troupe_core, (std::map<std::string, std::string>))
CAF_ADD_TYPE_ID(troupe_core, (std::map<std::string, uint64_t>))

CAF_END_TYPE_ID_BLOCK(troupe_core)
