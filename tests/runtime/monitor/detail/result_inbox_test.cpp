// The inbox between poll workers and the monitor. No CAF here: this file
// also runs under ThreadSanitizer (see .ci/run).

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "troupe/runtime/monitor/detail/result_inbox.hpp"

#include <doctest/doctest.h>

using troupe::detail::result_inbox;

TEST_CASE("every pushed item reaches the consumer once, and no push is "
          "left without a wake-up") {
  constexpr int producers = 4;
  constexpr int per_producer = 5000;
  std::mutex mtx;
  std::condition_variable cv;
  int wakeups = 0;
  result_inbox<int> inbox{[&] {
    std::lock_guard<std::mutex> guard{mtx};
    ++wakeups;
    cv.notify_one();
  }};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p)
    threads.emplace_back([&inbox, &refused, p] {
      for (int i = 0; i < per_producer; ++i)
        if (!inbox.push(p * per_producer + i))
          ++refused;
    });
  // The consumer takes only after a wake-up, like the monitor. If a push
  // could be left without one, this loop would wait forever.
  std::set<int> got;
  std::vector<int> buf;
  int handled = 0;
  while (got.size() < producers * per_producer) {
    {
      std::unique_lock<std::mutex> guard{mtx};
      cv.wait(guard, [&] { return wakeups > handled; });
      ++handled;
    }
    inbox.take(buf);
    for (auto x : buf)
      CHECK(got.insert(x).second);
    buf.clear();
  }
  for (auto& t : threads)
    t.join();
  CHECK(refused == 0);
  CHECK(got.size() == producers * per_producer);
  // Far fewer wake-ups than items: bursts share one.
  CHECK(handled <= producers * per_producer);
}

TEST_CASE("a closed inbox refuses pushes and wakes nobody") {
  int wakeups = 0;
  result_inbox<int> inbox{[&] {
    ++wakeups;
  }};
  CHECK(inbox.push(1));
  CHECK(inbox.push(2));
  CHECK(wakeups == 1);
  inbox.close();
  CHECK(inbox.closed());
  CHECK(!inbox.push(3));
  std::vector<int> buf;
  inbox.take(buf);
  CHECK(buf.empty());
  CHECK(wakeups == 1);
}
