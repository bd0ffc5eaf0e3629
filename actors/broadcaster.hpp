#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "troupe/messages/core.hpp"
#include "troupe/messages/replay.hpp"

#include <caf/actor.hpp>
#include <caf/message.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

namespace troupe {

namespace detail {
struct runtime_state;
} // namespace detail

/// The topic hub and the timed replay. Subscriber lists live in the
/// runtime's shared topic table so that publishers deliver directly, one
/// enqueue per subscriber; the hub owns what changes them: it monitors every
/// subscriber and removes one that exits, and it serves actors that are not
/// agents. Loaded with a buffer (`replay_load`), it replays the buffer's
/// records onto their topics on schedule (see `replay_options` and the
/// controls in messages/replay.hpp). One replay per broadcaster; spawn more
/// broadcasters (`spawn_broadcaster`) for concurrent replays.
///
/// Order: every receiver of a replay (an agent, a sink or tap, a topic
/// forwarder, a plain CAF actor) handles the records it gets in log order
/// (by time, ties in the reader's merge order), across all the topics it
/// subscribed to, at every speed and through pause, resume, step, burst,
/// seek and loop. A replay faster than the machine can keep runs late
/// (counted in `lateness_summary::late`), never out of order. Receivers of
/// different actors are not ordered against each other, and neither are a
/// replay's records and live publishes on the same topic.
using broadcaster_actor = caf::typed_actor<
    /// Subscribes an actor to a topic; replies with the topic's local ID.
    /// Deliveries arrive as `(topic_header, payload...)`. Idempotent.
    caf::replies_to<caf::subscribe_atom, std::string,
                    caf::actor>::with<uint32_t>,
    /// Removes an actor from a topic. Error `not_found` if it was not there.
    caf::replies_to<caf::unsubscribe_atom, std::string, caf::actor>::with<void>,
    /// Publishes a message on a topic through the hub (for senders that hold
    /// no topic cache, e.g. other nodes). Replies with the delivery count.
    caf::replies_to<caf::publish_atom, std::string,
                    caf::message>::with<uint64_t>,
    /// Lists topics with their subscriber counts.
    caf::replies_to<caf::get_atom, stats_atom>::with<std::vector<topic_info>>,
    /// Loads a replay (replacing any); error `invalid_argument`.
    caf::replies_to<replay_load>::with<void>,
    /// Replay controls: whether they acted, or error `wrong_state` when no
    /// replay is loaded.
    caf::replies_to<replay_start>::with<bool>,
    caf::replies_to<replay_pause>::with<bool>,
    caf::replies_to<replay_resume>::with<bool>,
    caf::replies_to<replay_toggle>::with<bool>,
    caf::replies_to<replay_step>::with<bool>,
    caf::replies_to<replay_burst>::with<bool>,
    caf::replies_to<replay_seek>::with<bool>,
    caf::replies_to<replay_set_speed>::with<bool>,
    caf::replies_to<replay_stop>::with<bool>,
    /// The replay's state and statistics.
    caf::replies_to<replay_query>::with<replay_status>,
    /// Answered when the replay is finished (and acknowledged) or stopped.
    caf::replies_to<replay_await_end>::with<replay_status>,
    /// Private: a record is due.
    caf::reacts_to<replay_tick>,
    /// From agents: credit back for a replayed batch.
    caf::reacts_to<replay_ack>>;

/// Spawns the hub over the runtime's shared topic table.
broadcaster_actor
spawn_broadcaster(caf::actor_system& sys,
                  std::shared_ptr<detail::runtime_state> state);

} // namespace troupe
