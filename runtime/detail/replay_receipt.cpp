#include "troupe/runtime/detail/replay_receipt.hpp"

#include <algorithm>
#include <chrono>

#include "troupe/runtime/detail/timing_thread.hpp"

#include <caf/mailbox_element.hpp>

namespace troupe::detail {

// -- replay_receipt -----------------------------------------------------------

replay_receipt::replay_receipt(const replay_batch& batch,
                               const caf::actor_clock& clock)
    : clock_(clock), handed_ns_(batch.handed_ns) {
  ack_.count = batch.items.size();
  ack_.lateness_ns.reserve(batch.items.size());
  if (ahead())
    ack_.handoff_ns.push_back(timing_thread::now_ns() - batch.handed_ns);
}

void replay_receipt::before(const replay_item& item) {
  // Only the timing thread hands over ahead of time, and only in real runs:
  // the deadline is then on the steady clock the hold spins on.
  // It spins for at most half the lead, as the timing thread spins for at
  // most a quarter of an interval.
  if (ahead())
    hold_until(item.header.deadline_ns,
               (item.header.deadline_ns - handed_ns_) / 2);
  auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                 clock_.now().time_since_epoch())
                 .count();
  ack_.lateness_ns.push_back(now - item.header.deadline_ns);
}

replay_ack replay_receipt::finish(caf::message spent) {
  ack_.spent = std::move(spent);
  return std::move(ack_);
}

// -- held_acks ----------------------------------------------------------------

namespace {

void merge(replay_ack& into, replay_ack& from) {
  into.count += from.count;
  into.lateness_ns.insert(into.lateness_ns.end(), from.lateness_ns.begin(),
                          from.lateness_ns.end());
  into.handoff_ns.insert(into.handoff_ns.end(), from.handoff_ns.begin(),
                         from.handoff_ns.end());
  // A held batch's memory is freed here rather than reused: holding back
  // happens at real-time rates, where that costs nothing.
}

} // namespace

std::optional<replay_ack> held_acks::add(const caf::actor_addr& sender,
                                         replay_ack ack, uint32_t ack_after) {
  auto i = std::find_if(held_.begin(), held_.end(),
                        [&](const auto& x) { return x.first == sender; });
  if (i == held_.end()) {
    if (ack_after <= 1 || ack.count >= ack_after)
      return ack;
    ack.spent = caf::message{};
    held_.emplace_back(sender, std::move(ack));
    return std::nullopt;
  }
  merge(i->second, ack);
  if (i->second.count < std::max<uint32_t>(ack_after, 1))
    return std::nullopt;
  auto result = std::move(i->second);
  held_.erase(i);
  return result;
}

std::optional<replay_ack> held_acks::take(const caf::actor_addr& sender) {
  auto i = std::find_if(held_.begin(), held_.end(),
                        [&](const auto& x) { return x.first == sender; });
  if (i == held_.end())
    return std::nullopt;
  auto result = std::move(i->second);
  held_.erase(i);
  return result;
}

uint64_t held_acks::held() const noexcept {
  uint64_t result = 0;
  for (auto& x : held_)
    result += x.second.count;
  return result;
}

// -- replay_receiver ----------------------------------------------------------

namespace {

void send_ack(caf::local_actor* self, const caf::strong_actor_ptr& to,
              replay_ack ack) {
  to->enqueue(self->ctrl(), caf::make_message_id(),
              caf::make_message(std::move(ack)), self->context());
}

} // namespace

void replay_receiver::acknowledge(caf::local_actor* self,
                                  replay_receipt receipt, uint32_t ack_after) {
  auto& sender = self->current_sender();
  if (!sender)
    return;
  // The handled batch goes back with the credit, so the replay reuses its
  // memory on the reading side; the batch is not used after this.
  caf::message spent;
  if (ack_after <= 1)
    if (auto* element = self->current_mailbox_element())
      spent = element->move_content_to_message();
  if (auto ack = held_.add(sender->address(), receipt.finish(std::move(spent)),
                           ack_after))
    send_ack(self, sender, std::move(*ack));
}

void replay_receiver::flush(caf::local_actor* self) {
  auto& sender = self->current_sender();
  if (!sender)
    return;
  if (auto ack = held_.take(sender->address()))
    send_ack(self, sender, std::move(*ack));
}

} // namespace troupe::detail
