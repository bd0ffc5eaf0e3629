// Standalone (no actor system): also built and run under ThreadSanitizer.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <thread>
#include <vector>

#include "troupe/runtime/detail/timing_thread.hpp"

#include <doctest/doctest.h>

using troupe::detail::lateness_histogram;
using troupe::detail::timing_thread;

namespace {

/// Collects fired sequence numbers; lets the test wait for a count.
struct collector {
  std::mutex mtx;
  std::condition_variable cv;
  std::vector<uint64_t> seqs;
  std::vector<int64_t> times;

  std::function<void()> job(uint64_t seq) {
    return [this, seq] {
      auto now = timing_thread::now_ns();
      std::lock_guard<std::mutex> guard{mtx};
      seqs.push_back(seq);
      times.push_back(now);
      cv.notify_all();
    };
  }

  bool wait_for(size_t n) {
    std::unique_lock<std::mutex> guard{mtx};
    return cv.wait_for(guard, std::chrono::seconds{10},
                       [&] { return seqs.size() >= n; });
  }
};

} // namespace

TEST_CASE("jobs fire in order, never before their deadline") {
  lateness_histogram lateness;
  collector got;
  timing_thread timer{&lateness, {}, 0};
  auto start = timing_thread::now_ns() + 2'000'000;
  std::vector<int64_t> deadlines;
  for (uint64_t i = 1; i <= 20; ++i) {
    deadlines.push_back(start + static_cast<int64_t>(i) * 500'000);
    timer.push({deadlines.back(), i, got.job(i)});
  }
  REQUIRE(got.wait_for(20));
  // `fired` moves after the job returns.
  for (int i = 0; i < 10000 && timer.fired() < 20; ++i)
    std::this_thread::sleep_for(std::chrono::microseconds{100});
  std::lock_guard<std::mutex> guard{got.mtx};
  for (size_t i = 0; i < 20; ++i) {
    CHECK(got.seqs[i] == i + 1);
    CHECK(got.times[i] >= deadlines[i]);
  }
  CHECK(timer.fired() == 20);
  CHECK(lateness.count() == 20);
}

TEST_CASE("cancel takes back exactly the jobs that did not fire") {
  collector got;
  timing_thread timer{nullptr, {}, 0};
  auto now = timing_thread::now_ns();
  // Two due at once, the rest far away.
  timer.push({now, 1, got.job(1)});
  timer.push({now, 2, got.job(2)});
  for (uint64_t i = 3; i <= 10; ++i)
    timer.push({now + 60'000'000'000, i, got.job(i)});
  REQUIRE(got.wait_for(2));
  auto claimed = timer.cancel();
  CHECK(claimed == 2);
  CHECK(timer.pending() == 0);
  // New jobs after a cancel run normally.
  timer.push({timing_thread::now_ns(), 11, got.job(11)});
  REQUIRE(got.wait_for(3));
  std::lock_guard<std::mutex> guard{got.mtx};
  CHECK(got.seqs == std::vector<uint64_t>{1, 2, 11});
}

TEST_CASE("cancel racing with firing: every job fires at most once and "
          "claimed ones always fire") {
  for (int round = 0; round < 50; ++round) {
    collector got;
    timing_thread timer{nullptr, {}, 0};
    auto now = timing_thread::now_ns();
    for (uint64_t i = 1; i <= 50; ++i)
      timer.push({now + static_cast<int64_t>(i) * 2000, i, got.job(i)});
    std::this_thread::sleep_for(std::chrono::microseconds{round * 3});
    auto claimed = timer.cancel();
    REQUIRE(got.wait_for(claimed));
    // Give a wrongly fired job the chance to show up.
    std::this_thread::sleep_for(std::chrono::milliseconds{1});
    std::lock_guard<std::mutex> guard{got.mtx};
    CHECK(got.seqs.size() == claimed);
    for (size_t i = 0; i < got.seqs.size(); ++i)
      CHECK(got.seqs[i] == i + 1);
  }
}

TEST_CASE("the low-water callback asks for more, and once more when empty") {
  std::atomic<int> calls{0};
  collector got;
  {
    timing_thread timer{nullptr, [&calls] { ++calls; }, 2};
    auto now = timing_thread::now_ns();
    for (uint64_t i = 1; i <= 5; ++i)
      timer.push({now + static_cast<int64_t>(i) * 100'000, i, got.job(i)});
    REQUIRE(got.wait_for(5));
    std::this_thread::sleep_for(std::chrono::milliseconds{2});
  }
  CHECK(calls == 2); // at 2 left and at empty
}

TEST_CASE("the spin margin is the 90th percentile of recent oversleeps") {
  troupe::detail::spin_margin m;
  CHECK(m.learned() == troupe::detail::margin_policy{}.initial_ns);
  for (int i = 1; i <= 10; ++i)
    m.learn(i * 10'000); // 10 us .. 100 us
  // The 90th percentile of ten sorted samples is the one at index 9,
  // 100 us; the guard comes on top.
  CHECK(m.learned() == 100'000 + troupe::detail::spin_margin::guard_ns);
  // Early wake-ups say nothing about how late sleeps wake.
  m.learn(-5'000);
  CHECK(m.learned() == 100'000 + troupe::detail::spin_margin::guard_ns);
}

TEST_CASE("one stall of the machine does not pin the spin margin") {
  troupe::detail::spin_margin m;
  for (size_t i = 0; i < troupe::detail::spin_margin::window; ++i)
    m.learn(50'000);
  m.learn(40'000'000); // a 40 ms stall
  CHECK(m.learned() == 50'000 + troupe::detail::spin_margin::guard_ns);
  // Sleeps that keep waking late do raise it, up to the bound.
  for (size_t i = 0; i < troupe::detail::spin_margin::window; ++i)
    m.learn(5'000'000);
  CHECK(m.learned() == troupe::detail::spin_margin::max_ns);
  // ... and it comes back down once they wake on time again.
  for (size_t i = 0; i < troupe::detail::spin_margin::window; ++i)
    m.learn(20'000);
  CHECK(m.learned() == 20'000 + troupe::detail::spin_margin::guard_ns);
}

TEST_CASE("the thread never spins for more than a quarter of the interval") {
  troupe::detail::spin_margin m;
  for (size_t i = 0; i < troupe::detail::spin_margin::window; ++i)
    m.learn(900'000);
  CHECK(m.learned() == 905'000);
  CHECK(m.for_gap(1'000'000) == 250'000);
  CHECK(m.for_gap(10'000'000) == 905'000);
  CHECK(m.for_gap(-1) == 0);
}

TEST_CASE("a margin policy picks the quantile, scales it and caps it by the "
          "gap") {
  using troupe::detail::spin_margin;
  // The replay's hand-over lead: twice the longest, at most half the gap.
  spin_margin lead{{1.0, 2, 2}};
  for (int i = 1; i <= 10; ++i)
    lead.learn(i * 10'000); // 10 us .. 100 us
  CHECK(lead.learned() == 2 * 100'000 + spin_margin::guard_ns);
  CHECK(lead.for_gap(300'000) == 150'000);
  CHECK(lead.for_gap(1'000'000) == 205'000);
  // Scaled, it still stays within the bound.
  for (size_t i = 0; i < spin_margin::window; ++i)
    lead.learn(900'000);
  CHECK(lead.learned() == spin_margin::max_ns);
  // The hold's margin: the second-latest of 32.
  spin_margin hold{troupe::detail::hold_policy};
  for (int i = 1; i <= 32; ++i)
    hold.learn(i * 1'000);
  CHECK(hold.learned() == 31'000 + spin_margin::guard_ns);
}

namespace {

int64_t thread_cpu_ns() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

} // namespace

TEST_CASE("hold_until sleeps through most of a long hold") {
  using troupe::detail::hold_until;
  // 1.5 ms ahead: the hold sleeps to its margin (60 us before it learned
  // anything, at most 1 ms) and spins only the rest.
  auto cpu0 = thread_cpu_ns();
  auto deadline = timing_thread::now_ns() + 1'500'000;
  auto held = hold_until(deadline);
  auto cpu = thread_cpu_ns() - cpu0;
  CHECK(timing_thread::now_ns() >= deadline);
  CHECK(held >= 1'400'000);
  CHECK(cpu < held / 2);
  // With no spin allowed it sleeps to the deadline itself.
  deadline = timing_thread::now_ns() + 1'000'000;
  CHECK(hold_until(deadline, 0) >= 1'000'000);
  CHECK(timing_thread::now_ns() >= deadline);
}

TEST_CASE("hold_until returns at the deadline, at once when it passed, and "
          "never holds longer than its bound") {
  using troupe::detail::hold_until;
  using troupe::detail::max_hold_ns;
  auto deadline = timing_thread::now_ns() + 300'000;
  auto held = hold_until(deadline);
  CHECK(timing_thread::now_ns() >= deadline);
  CHECK(held > 0);
  CHECK(hold_until(timing_thread::now_ns() - 1'000) == 0);
  // A deadline from another clock (a second ahead) is not waited for.
  auto start = timing_thread::now_ns();
  held = hold_until(start + 1'000'000'000);
  CHECK(held >= max_hold_ns);
  CHECK(timing_thread::now_ns() - start < 1'000'000'000);
}

TEST_CASE("a job fired ahead of its record's time is not late at publish") {
  lateness_histogram lateness;
  collector got;
  timing_thread timer{&lateness, {}, 0};
  // Fires 2 ms from now, 100 ms ahead of the record it hands over.
  auto fire_at = timing_thread::now_ns() + 2'000'000;
  timer.push({fire_at, 1, got.job(1), 100'000'000});
  REQUIRE(got.wait_for(1));
  {
    std::lock_guard<std::mutex> guard{got.mtx};
    CHECK(got.times[0] >= fire_at);
  }
  for (int i = 0; i < 10000 && lateness.count() < 1; ++i)
    std::this_thread::sleep_for(std::chrono::microseconds{100});
  CHECK(lateness.count() == 1);
  CHECK(lateness.summary().max == 0);
}

TEST_CASE("a job that need not spin still never fires before its deadline") {
  collector got;
  timing_thread timer{nullptr, {}, 0};
  std::vector<int64_t> deadlines;
  auto start = timing_thread::now_ns() + 1'000'000;
  for (uint64_t i = 1; i <= 5; ++i) {
    deadlines.push_back(start + static_cast<int64_t>(i) * 300'000);
    timer.push({deadlines.back(), i, got.job(i), 0, false});
  }
  REQUIRE(got.wait_for(5));
  std::lock_guard<std::mutex> guard{got.mtx};
  for (size_t i = 0; i < 5; ++i) {
    CHECK(got.seqs[i] == i + 1);
    CHECK(got.times[i] >= deadlines[i]);
  }
}
