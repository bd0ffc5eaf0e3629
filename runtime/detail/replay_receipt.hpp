#pragma once

#include <cstdint>

#include "troupe/messages/replay.hpp"

#include <caf/actor_clock.hpp>
#include <caf/message.hpp>

namespace troupe::detail {

/// The receiving side of one `replay_batch`, shared by agents and the
/// CLI's sinks: holds items handed over ahead of time until their
/// deadlines, measures each item's lateness at its handler, and builds the
/// `replay_ack` that returns the credit.
class replay_receipt {
public:
  /// Starts receiving `batch`; `clock` is the receiver's actor clock, which
  /// lateness is measured on (virtual time in tests).
  replay_receipt(const replay_batch& batch, const caf::actor_clock& clock);

  /// Call right before `item`'s handler: waits for the item's deadline if
  /// the batch came ahead of time, then records its lateness.
  void before(const replay_item& item);

  /// The acknowledgement, carrying `spent` (the handled batch message, or
  /// an empty one) back for reuse.
  replay_ack finish(caf::message spent);

private:
  const caf::actor_clock& clock_;
  bool ahead_;
  replay_ack ack_;
};

} // namespace troupe::detail
