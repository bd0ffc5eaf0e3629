#include <chrono>

#include "troupe/runtime/detail/replay_receipt.hpp"
#include "troupe/runtime/detail/timing_thread.hpp"

#include <caf/detail/test_actor_clock.hpp>

#include <doctest/doctest.h>

using troupe::detail::held_acks;
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
  REQUIRE(ack.handoff_ns.size() == 1);
  CHECK(ack.handoff_ns[0] >= 30'000);
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
  CHECK(ack.handoff_ns.empty());
  CHECK(ack.spent.empty());
  REQUIRE(ack.lateness_ns.size() == 1);
  CHECK(ack.lateness_ns[0]
        == ns_of(clock.now()) - batch.items[0].header.deadline_ns);
}

namespace {

troupe::replay_ack ack_of(uint64_t count, int64_t lateness) {
  troupe::replay_ack ack;
  ack.count = count;
  ack.lateness_ns.assign(count, lateness);
  ack.handoff_ns.push_back(lateness * 10);
  ack.spent = caf::make_message(count);
  return ack;
}

} // namespace

TEST_CASE("acknowledgements are held per sender up to what the sender "
          "allows, then sent as one") {
  caf::actor_addr a;
  held_acks held;
  // At once when the sender allows no holding back: spent batch included.
  auto now = held.add(a, ack_of(1, 5), 1);
  REQUIRE(now);
  CHECK(now->count == 1);
  CHECK(!now->spent.empty());
  // Held until three items are covered.
  CHECK(!held.add(a, ack_of(1, 1), 3));
  CHECK(!held.add(a, ack_of(1, 2), 3));
  CHECK(held.held() == 2);
  auto merged = held.add(a, ack_of(1, 3), 3);
  REQUIRE(merged);
  CHECK(merged->count == 3);
  CHECK(merged->lateness_ns == std::vector<int64_t>{1, 2, 3});
  CHECK(merged->handoff_ns == std::vector<int64_t>{10, 20, 30});
  CHECK(merged->spent.empty());
  CHECK(held.held() == 0);
  // A batch as large as the limit goes at once.
  CHECK(held.add(a, ack_of(4, 1), 3));
}

TEST_CASE("take hands over what is held, once") {
  caf::actor_addr a;
  held_acks held;
  CHECK(!held.take(a));
  CHECK(!held.add(a, ack_of(2, 7), 32));
  auto taken = held.take(a);
  REQUIRE(taken);
  CHECK(taken->count == 2);
  CHECK(!held.take(a));
  CHECK(held.held() == 0);
}
