#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

namespace troupe::detail {

/// A fixed set of worker threads that run jobs submitted in batches. The
/// monitor's polls run here so that a blocking poll never blocks an actor.
///
/// Workers claim jobs one at a time (an atomic index into the batch), so a
/// job that blocks holds up only its own worker: the others go on with the
/// rest of the batch. Submitting never blocks beyond one short lock.
///
/// Uses no CAF: its tests run under ThreadSanitizer.
template <class Job>
class task_pool {
public:
  using run_fn = std::function<void(Job&)>;

  /// Starts `workers` threads (at least one) that call `run` for each job.
  /// `run` is called concurrently from several threads.
  task_pool(size_t workers, run_fn run) : state_(std::make_shared<shared>()) {
    if (workers == 0)
      throw std::invalid_argument("task_pool needs at least one worker");
    state_->run = std::move(run);
    state_->alive = workers;
    threads_.reserve(workers);
    for (size_t i = 0; i < workers; ++i)
      threads_.emplace_back(work, state_);
  }

  task_pool(const task_pool&) = delete;

  task_pool& operator=(const task_pool&) = delete;

  ~task_pool() { stop(std::chrono::seconds{1}); }

  size_t workers() const noexcept { return threads_.size(); }

  /// Queues `jobs`; they start as workers become free, in order.
  void submit(std::vector<Job> jobs) {
    if (jobs.empty())
      return;
    auto b = std::make_shared<batch>();
    auto n = jobs.size();
    b->jobs = std::move(jobs);
    {
      std::lock_guard<std::mutex> guard{state_->mtx};
      if (state_->stopping)
        return;
      state_->batches.push_back(std::move(b));
    }
    // Wake no more workers than there are jobs.
    if (n >= threads_.size())
      state_->work_cv.notify_all();
    else
      for (size_t i = 0; i < n; ++i)
        state_->work_cv.notify_one();
  }

  /// Drops the jobs not started yet and waits up to `grace` for running ones.
  /// Workers still busy after that are detached (they exit when their job
  /// returns). Returns how many were left running. Idempotent.
  size_t stop(std::chrono::milliseconds grace) {
    if (threads_.empty())
      return 0;
    size_t abandoned = 0;
    {
      std::unique_lock<std::mutex> guard{state_->mtx};
      state_->stopping = true;
      state_->abort.store(true, std::memory_order_relaxed);
      state_->batches.clear();
      state_->work_cv.notify_all();
      state_->done_cv.wait_for(guard, grace,
                               [this] { return state_->alive == 0; });
      abandoned = state_->alive;
    }
    for (auto& t : threads_) {
      if (abandoned == 0)
        t.join();
      else
        t.detach();
    }
    threads_.clear();
    return abandoned;
  }

private:
  struct batch {
    std::vector<Job> jobs;
    std::atomic<size_t> next{0};
  };

  /// Owned jointly by the pool and its threads, so that a detached worker
  /// never touches freed memory.
  struct shared {
    std::mutex mtx;
    std::condition_variable work_cv;
    std::condition_variable done_cv;
    std::deque<std::shared_ptr<batch>> batches;
    bool stopping = false;
    std::atomic<bool> abort{false};
    size_t alive = 0;
    run_fn run;
  };

  static void work(std::shared_ptr<shared> s) {
    for (;;) {
      std::shared_ptr<batch> b;
      {
        std::unique_lock<std::mutex> guard{s->mtx};
        s->work_cv.wait(guard,
                        [&] { return s->stopping || !s->batches.empty(); });
        if (s->stopping)
          break;
        b = s->batches.front();
      }
      run_batch(*s, *b);
      std::lock_guard<std::mutex> guard{s->mtx};
      if (!s->batches.empty() && s->batches.front() == b)
        s->batches.pop_front();
    }
    std::lock_guard<std::mutex> guard{s->mtx};
    --s->alive;
    s->done_cv.notify_all();
  }

  static void run_batch(shared& s, batch& b) {
    while (!s.abort.load(std::memory_order_relaxed)) {
      auto i = b.next.fetch_add(1, std::memory_order_relaxed);
      if (i >= b.jobs.size())
        return;
      s.run(b.jobs[i]);
    }
  }

  std::shared_ptr<shared> state_;
  std::vector<std::thread> threads_;
};

} // namespace troupe::detail
