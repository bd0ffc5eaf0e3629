#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "troupe/messages/replay.hpp"

#include <caf/actor_addr.hpp>
#include <caf/actor_clock.hpp>
#include <caf/local_actor.hpp>
#include <caf/message.hpp>

namespace troupe::detail {

/// The receiving side of one `replay_batch`: holds items handed over ahead
/// of time until their deadlines, measures each item's lateness at its
/// handler, and builds the `replay_ack` that returns the credit.
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
  /// Whether the batch came ahead of time.
  bool ahead() const noexcept { return handed_ns_ != 0; }

  /// When the batch was meant to be handed over (steady clock, ns); 0 when
  /// it was not handed over ahead of time.
  int64_t handed_ns_;
  replay_ack ack_;
};

/// Acknowledgements a receiver holds back for each sender, as far as the
/// sender allows (`replay_batch::ack_after`).
class held_acks {
public:
  /// Adds the acknowledgement of a batch from `sender`. Returns what to
  /// send now: everything held for `sender` once it covers `ack_after`
  /// items (at once when `ack_after` <= 1), or nothing.
  std::optional<replay_ack> add(const caf::actor_addr& sender, replay_ack ack,
                                uint32_t ack_after);

  /// Takes everything held for `sender` (asked with `replay_flush`).
  std::optional<replay_ack> take(const caf::actor_addr& sender);

  /// Items held back, over all senders.
  uint64_t held() const noexcept;

private:
  std::vector<std::pair<caf::actor_addr, replay_ack>> held_;
};

/// What agents and the CLI's sinks do with replayed batches: run each item
/// at its time, acknowledge (or hold the acknowledgement back), and answer
/// `replay_flush`.
class replay_receiver {
public:
  /// Handles `batch`, the current message of `self`: `handle(item)` for
  /// each item, in order, at its time; then acknowledges.
  template <class F>
  void receive(caf::local_actor* self, const replay_batch& batch, F handle) {
    replay_receipt receipt{batch, self->clock()};
    for (auto& item : batch.items) {
      receipt.before(item);
      handle(item);
    }
    acknowledge(self, std::move(receipt), batch.ack_after);
  }

  /// Sends the current sender of `self` what is held for it.
  void flush(caf::local_actor* self);

private:
  void acknowledge(caf::local_actor* self, replay_receipt receipt,
                   uint32_t ack_after);

  held_acks held_;
};

} // namespace troupe::detail
