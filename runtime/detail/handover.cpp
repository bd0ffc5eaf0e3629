#include "troupe/runtime/detail/handover.hpp"

#include <algorithm>

namespace troupe::detail {

handover::handover(std::unique_ptr<job_timer> timer,
                   caf::strong_actor_ptr sender, uint32_t ack_after)
    : timer_(std::move(timer)),
      sender_(std::move(sender)),
      ack_after_(ack_after) {
  // nop
}

bool handover::busy() {
  if (handed_.empty())
    return false;
  settle();
  return !handed_.empty();
}

std::optional<int64_t> handover::settle() {
  auto fired = timer_->fired();
  std::optional<int64_t> result;
  while (!handed_.empty() && handed_.front().seq <= fired) {
    result = handed_.front().rec.elapsed_ns;
    handed_.pop_front();
  }
  if (result)
    last_fired_log_ = result;
  return result;
}

bool handover::fits(const job& x, int64_t due_ns, bool plain) const noexcept {
  if (x.records >= max_job_records)
    return false;
  // A plain actor handles a record at once: only one already due when the
  // job fires may join it.
  if (plain)
    return due_ns <= x.fire_ns;
  // Agents hold what they get early; a record this close would otherwise
  // be squeezed into a shorter lead (fire times never go backwards).
  return due_ns - x.fire_ns <= 2 * lead_.learned();
}

void handover::open(int64_t due_ns, int64_t now_ns, bool plain) {
  auto lead = plain ? 0 : lead_.learned();
  job x;
  // Never planned in the past: a record already due fires at once (not
  // ahead), and its receivers measure the hand-over from when it could
  // start.
  x.fire_ns = std::max({due_ns - lead, last_fire_ns_, now_ns});
  x.first_due_ns = due_ns;
  open_ = std::move(x);
}

replay_batch& handover::batch_of(const caf::actor& who) {
  auto& batches = open_->batches;
  auto i = std::find_if(batches.begin(), batches.end(),
                        [&](const auto& x) { return x.first == who; });
  if (i != batches.end())
    return i->second;
  batches.emplace_back(who, replay_batch{});
  return batches.back().second;
}

void handover::add(handed h, int64_t due_ns, int64_t now_ns, deliveries what) {
  bool plain = what.others != nullptr && !what.others->empty();
  if (open_ && !fits(*open_, due_ns, plain))
    close();
  if (!open_)
    open(due_ns, now_ns, plain);
  h.seq = open_->seq = ++next_seq_;
  ++open_->records;
  if (what.agents != nullptr && !what.agents->empty()) {
    auto& agents = *what.agents;
    for (size_t i = 0; i + 1 < agents.size(); ++i)
      batch_of(agents[i]).items.push_back(what.item);
    batch_of(agents.back()).items.push_back(std::move(what.item));
  }
  if (plain)
    for (auto& who : *what.others)
      open_->messages.emplace_back(who, what.message);
  handed_.push_back(std::move(h));
}

void handover::close() {
  if (!open_)
    return;
  auto x = std::move(*open_);
  open_.reset();
  std::vector<std::pair<caf::actor, caf::message>> sends;
  sends.reserve(x.messages.size() + x.batches.size());
  for (auto& kvp : x.messages)
    sends.emplace_back(std::move(kvp));
  for (auto& [who, batch] : x.batches) {
    batch.ack_after = ack_after_;
    // Held until their time by the receiver: the receiver learns the
    // hand-over's latency from its planned time, so the timing thread's
    // oversleep is part of what the lead covers.
    if (batch.items.back().header.deadline_ns > x.fire_ns)
      batch.handed_ns = x.fire_ns;
    sends.emplace_back(who, caf::make_message(std::move(batch)));
  }
  auto fire = [sender{sender_}, sends{std::move(sends)}] {
    for (auto& [who, msg] : sends)
      who->enqueue(sender, caf::make_message_id(), msg, nullptr);
  };
  bool ahead = x.first_due_ns > x.fire_ns;
  timer_->push(
      {x.fire_ns, x.seq, std::move(fire), x.first_due_ns - x.fire_ns, !ahead});
  last_fire_ns_ = x.fire_ns;
}

} // namespace troupe::detail
