// The poll workers' pool. No CAF here: this file also runs under
// ThreadSanitizer (see .ci/run). Tests fail by hanging, never by timing.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "troupe/runtime/monitor/detail/task_pool.hpp"

#include <doctest/doctest.h>

using troupe::detail::task_pool;

namespace {

/// Counts down to zero; waiters block until then.
class latch {
public:
  explicit latch(int n) : n_(n) {
    // nop
  }

  void count_down() {
    std::lock_guard<std::mutex> guard{mtx_};
    if (--n_ <= 0)
      cv_.notify_all();
  }

  void wait() {
    std::unique_lock<std::mutex> guard{mtx_};
    cv_.wait(guard, [this] { return n_ <= 0; });
  }

private:
  std::mutex mtx_;
  std::condition_variable cv_;
  int n_;
};

} // namespace

TEST_CASE("every job runs exactly once, from batches submitted by several "
          "threads") {
  std::mutex mtx;
  std::multiset<int> ran;
  latch all{4000};
  task_pool<int> pool{4, [&](int& x) {
                        {
                          std::lock_guard<std::mutex> guard{mtx};
                          ran.insert(x);
                        }
                        all.count_down();
                      }};
  std::vector<std::thread> submitters;
  for (int t = 0; t < 4; ++t)
    submitters.emplace_back([&pool, t] {
      for (int b = 0; b < 10; ++b) {
        std::vector<int> jobs;
        for (int i = 0; i < 100; ++i)
          jobs.push_back(t * 1000 + b * 100 + i);
        pool.submit(std::move(jobs));
      }
    });
  for (auto& t : submitters)
    t.join();
  all.wait();
  CHECK(ran.size() == 4000);
  for (int x = 0; x < 4000; ++x)
    CHECK(ran.count(x) == 1);
  CHECK(pool.stop(std::chrono::seconds{5}) == 0);
}

TEST_CASE("watchers join and leave while batches drain under them") {
  // A ramp-up of a microsecond keeps workers watching, joining and finding
  // their batch exhausted all the time.
  std::atomic<int> ran{0};
  latch all{16000};
  task_pool<int> pool{8,
                      [&](int&) {
                        ++ran;
                        all.count_down();
                      },
                      std::chrono::microseconds{1}};
  std::vector<std::thread> submitters;
  for (int t = 0; t < 4; ++t)
    submitters.emplace_back([&pool] {
      for (int b = 0; b < 200; ++b)
        pool.submit(std::vector<int>(20, b));
    });
  for (auto& t : submitters)
    t.join();
  all.wait();
  CHECK(ran == 16000);
  CHECK(pool.stop(std::chrono::seconds{5}) == 0);
}

TEST_CASE("a blocked job holds up only its own worker") {
  // Job 0 blocks until job 1 ran: with one worker stuck, the other must
  // join after the ramp-up and take the rest of the batch, or this test
  // hangs.
  latch second_ran{1};
  std::atomic<int> done{0};
  task_pool<int> pool{2, [&](int& x) {
                        if (x == 0)
                          second_ran.wait();
                        else
                          second_ran.count_down();
                        ++done;
                      }};
  pool.submit({0, 1, 2, 3});
  while (done < 4)
    std::this_thread::yield();
  CHECK(pool.stop(std::chrono::seconds{5}) == 0);
}

TEST_CASE("one worker takes a batch; others join only after the ramp-up") {
  // With a ramp-up no test outlives, the batch stays with the worker that
  // started it: one wake-up for the whole batch, however many workers.
  std::mutex mtx;
  std::set<std::thread::id> threads;
  latch finished{1000};
  task_pool<int> pool{4,
                      [&](int&) {
                        {
                          std::lock_guard<std::mutex> guard{mtx};
                          threads.insert(std::this_thread::get_id());
                        }
                        finished.count_down();
                      },
                      std::chrono::hours{1}};
  pool.submit(std::vector<int>(1000, 0));
  finished.wait();
  CHECK(threads.size() == 1);
  CHECK(pool.stop(std::chrono::seconds{5}) == 0);
}

TEST_CASE("no more jobs run at once than there are workers") {
  std::atomic<int> running{0};
  std::atomic<int> peak{0};
  latch finished{200};
  task_pool<int> pool{3, [&](int&) {
                        auto now = ++running;
                        auto seen = peak.load();
                        while (now > seen
                               && !peak.compare_exchange_weak(seen, now))
                          ;
                        std::this_thread::yield();
                        --running;
                        finished.count_down();
                      }};
  for (int i = 0; i < 20; ++i)
    pool.submit(std::vector<int>(10, i));
  finished.wait();
  CHECK(peak <= 3);
  CHECK(pool.workers() == 3);
}

TEST_CASE("stop drops queued jobs and leaves a stuck worker behind") {
  auto release = std::make_shared<latch>(1);
  auto started = std::make_shared<latch>(1);
  std::atomic<int> ran{0};
  auto pool
      = std::make_unique<task_pool<int>>(1, [release, started, &ran](int&) {
          ++ran;
          started->count_down();
          release->wait();
        });
  pool->submit({1, 2, 3});
  started->wait();
  CHECK(pool->stop(std::chrono::milliseconds{10}) == 1);
  CHECK(pool->stop(std::chrono::milliseconds{10}) == 0);
  pool.reset();
  release->count_down();
  CHECK(ran == 1);
  CHECK_THROWS_AS(task_pool<int>(0, [](int&) {}), std::invalid_argument);
}
