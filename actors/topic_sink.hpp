#pragma once

#include <memory>

#include "troupe/messages/cluster.hpp"

#include <caf/actor_system.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

namespace troupe {

namespace detail {
struct runtime_state;
} // namespace detail

/// Receives the topic traffic other nodes forward to this node and delivers
/// it to the local subscribers, exactly like a local publish. One per node;
/// its handle travels in the node's hello. Deliveries carry the sink as
/// sender, which tells this node's own forwarders not to send the message
/// on (every node forwards only what was published locally).
using topic_sink_actor = caf::typed_actor<
    /// A batch from a peer's forwarder. Answered with a `batch_ack` sent to
    /// the forwarder once delivered (credit for the next batch).
    caf::reacts_to<topic_batch>>;

/// Spawns the sink over the runtime's topic table.
topic_sink_actor spawn_topic_sink(caf::actor_system& sys,
                                  std::shared_ptr<detail::runtime_state> state);

} // namespace troupe
