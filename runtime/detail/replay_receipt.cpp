#include "troupe/runtime/detail/replay_receipt.hpp"

#include <chrono>

#include "troupe/runtime/detail/timing_thread.hpp"

namespace troupe::detail {

replay_receipt::replay_receipt(const replay_batch& batch,
                               const caf::actor_clock& clock)
    : clock_(clock), ahead_(batch.handed_ns != 0) {
  ack_.count = batch.items.size();
  ack_.lateness_ns.reserve(batch.items.size());
  if (ahead_)
    ack_.handoff_ns = timing_thread::now_ns() - batch.handed_ns;
}

void replay_receipt::before(const replay_item& item) {
  // Only the timing thread hands over ahead of time, and only in real runs:
  // the deadline is then on the steady clock the hold spins on.
  if (ahead_)
    hold_until(item.header.deadline_ns);
  auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                 clock_.now().time_since_epoch())
                 .count();
  ack_.lateness_ns.push_back(now - item.header.deadline_ns);
}

replay_ack replay_receipt::finish(caf::message spent) {
  ack_.spent = std::move(spent);
  return std::move(ack_);
}

} // namespace troupe::detail
