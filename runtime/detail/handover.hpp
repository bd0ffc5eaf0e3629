#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "troupe/messages/replay.hpp"
#include "troupe/runtime/detail/timing_thread.hpp"

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/actor_control_block.hpp>
#include <caf/message.hpp>

namespace troupe::detail {

/// The real-time half of a replay's publishing: records handed to a job
/// timer (the timing thread), which enqueues their deliveries at their
/// time, from its own thread.
///
/// Agents and sinks get records *ahead* of time and hold each until its
/// deadline (`hold_until`), so that the hand-over's own latency (waking a
/// CAF worker) does not make them late: the lead is twice the longest of
/// their recent reports of how long hand-overs take. Records close together
/// go in one job: each agent then gets one batch with all of them, held one
/// after the other, so that a record shortly after another (or at the same
/// time) keeps the whole lead and costs no wake-up of its own. A plain CAF
/// actor would handle a record at once, so a record it receives is never
/// handed over before its time.
///
/// Order: jobs fire one at a time in the order they were pushed, and every
/// receiver gets its deliveries of one job in record order. The owner must
/// not deliver anything itself while `busy()`: it could overtake records
/// not yet fired.
class handover {
public:
  /// A record handed over, kept until it fired so that a cancel can put it
  /// back.
  struct handed {
    uint64_t seq = 0;
    record rec;
    /// Agents whose credit it took.
    std::vector<caf::actor_addr> agents;
    /// Its topic after remaps.
    std::string topic;
  };

  /// Where one record goes.
  struct deliveries {
    /// Agents and sinks: get `item` in a `replay_batch`, acknowledged.
    const std::vector<caf::actor>* agents = nullptr;
    replay_item item;
    /// Plain actors: get `message` at the record's time.
    const std::vector<caf::actor>* others = nullptr;
    caf::message message;
  };

  /// Jobs hold at most this many records.
  static constexpr size_t max_job_records = 64;

  /// Before any hand-over was reported, the lead: more than a hand-over
  /// takes on a quiet machine.
  static constexpr int64_t initial_lead_ns = 300'000;

  /// `sender`: the replay's actor, the sender of every delivery;
  /// `ack_after`: how many records receivers may acknowledge at once.
  handover(std::unique_ptr<job_timer> timer, caf::strong_actor_ptr sender,
           uint32_t ack_after);

  /// Whether records handed over have not all fired yet.
  bool busy();

  /// Records handed over and not yet fired (or not known to have fired).
  size_t size() const noexcept { return handed_.size(); }

  /// Hands `h.rec`, due at `due_ns` (steady clock), to the timer with its
  /// deliveries; `now_ns` is the current time.
  void add(handed h, int64_t due_ns, int64_t now_ns, deliveries what);

  /// Pushes the job being filled to the timer.
  void close();

  /// The log time of the last record known to have fired, if any fired
  /// since the last call.
  std::optional<int64_t> settle();

  /// Takes back every record whose job was not claimed yet, newest first,
  /// calling `undo(handed&&)` for each; returns the log time of the last
  /// record that fired or will (none: `std::nullopt`).
  template <class F>
  std::optional<int64_t> take_back(F undo) {
    open_.reset();
    settle();
    auto claimed = timer_->cancel();
    last_fire_ns_ = 0;
    while (!handed_.empty() && handed_.back().seq > claimed) {
      undo(std::move(handed_.back()));
      handed_.pop_back();
    }
    if (!handed_.empty())
      return handed_.back().rec.elapsed_ns;
    return last_fired_log_;
  }

  /// Learns from a receiver how long a hand-over took.
  void learn(int64_t handoff_ns) { lead_.learn(handoff_ns); }

  /// How far ahead of a record's time agents get it now.
  int64_t lead_ns() const noexcept { return lead_.learned(); }

private:
  /// Records that fire together.
  struct job {
    int64_t fire_ns = 0;
    int64_t first_due_ns = 0;
    uint64_t seq = 0;
    size_t records = 0;
    /// For each agent, its batch.
    std::vector<std::pair<caf::actor, replay_batch>> batches;
    /// Deliveries to plain actors, in record order.
    std::vector<std::pair<caf::actor, caf::message>> messages;
  };

  bool fits(const job& x, int64_t due_ns, bool plain) const noexcept;
  void open(int64_t due_ns, int64_t now_ns, bool plain);
  replay_batch& batch_of(const caf::actor& who);

  std::unique_ptr<job_timer> timer_;
  caf::strong_actor_ptr sender_;
  uint32_t ack_after_;
  std::deque<handed> handed_;
  std::optional<job> open_;
  std::optional<int64_t> last_fired_log_;
  /// The seq of the last record handed over (jobs fire in seq order).
  uint64_t next_seq_ = 0;
  /// The fire time of the last job pushed since the last cancel (fire
  /// times must not go backwards).
  int64_t last_fire_ns_ = 0;
  /// Twice the longest of the recent hand-overs (at most 1 ms).
  spin_margin lead_{margin_policy{1.0, 2, 1, initial_lead_ns}};
};

} // namespace troupe::detail
