#include <chrono>

#include "troupe/runtime/detail/replay_receipt.hpp"
#include "troupe/runtime/detail/timing_thread.hpp"

#include <caf/detail/test_actor_clock.hpp>

#include <doctest/doctest.h>

using troupe::detail::replay_receipt;
using troupe::detail::timing_thread;

namespace {

troupe::replay_item item_due(int64_t deadline_ns) {
  troupe::replay_item item;
  item.header.deadline_ns = deadline_ns;
  return item;
}

int64_t ns_of(caf::actor_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             t.time_since_epoch())
      .count();
}

} // namespace

TEST_CASE("a batch handed over ahead is held until each item's deadline") {
  caf::detail::test_actor_clock clock;
  auto now = timing_thread::now_ns();
  troupe::replay_batch batch;
  batch.handed_ns = now - 30'000;
  batch.items.push_back(item_due(now + 300'000));
  batch.items.push_back(item_due(now + 600'000));
  replay_receipt receipt{batch, clock};
  for (auto& item : batch.items) {
    receipt.before(item);
    CHECK(timing_thread::now_ns() >= item.header.deadline_ns);
  }
  auto ack = receipt.finish(caf::make_message(1));
  CHECK(ack.count == 2);
  CHECK(ack.handoff_ns >= 30'000);
  CHECK(ack.spent.match_elements<int>());
  // Lateness is measured on the receiver's own clock (virtual here).
  REQUIRE(ack.lateness_ns.size() == 2);
  auto virtual_now = ns_of(clock.now());
  CHECK(ack.lateness_ns[0] == virtual_now - batch.items[0].header.deadline_ns);
  CHECK(ack.lateness_ns[1] == virtual_now - batch.items[1].header.deadline_ns);
}

TEST_CASE("an ordinary batch is handled at once and reports no hand-over") {
  caf::detail::test_actor_clock clock;
  clock.current_time += std::chrono::seconds{5};
  auto start = timing_thread::now_ns();
  troupe::replay_batch batch;
  // Due far ahead on the steady clock: only a batch handed ahead waits.
  batch.items.push_back(item_due(start + 10'000'000'000));
  replay_receipt receipt{batch, clock};
  receipt.before(batch.items[0]);
  CHECK(timing_thread::now_ns() - start < 1'000'000'000);
  auto ack = receipt.finish({});
  CHECK(ack.count == 1);
  CHECK(ack.handoff_ns == -1);
  CHECK(ack.spent.empty());
  REQUIRE(ack.lateness_ns.size() == 1);
  CHECK(ack.lateness_ns[0]
        == ns_of(clock.now()) - batch.items[0].header.deadline_ns);
}
