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
/// Workers claim jobs one at a time (an atomic index into the batch). One
/// worker starts on a batch and an idle one watches it: when a whole
/// `ramp_up` passes without a job being claimed (every worker on the batch
/// is inside a long job), the watcher joins, and another watches. So a
/// batch of quick jobs costs one wake-up instead of one per worker (on a
/// small machine they would only take turns at its cores and at the
/// consumer's lock), while a job that blocks holds up the rest of its batch
/// for at most `ramp_up`, and long jobs still spread over every worker.
/// Submitting never blocks beyond one short lock.
///
/// Uses no CAF: its tests run under ThreadSanitizer.
template <class Job>
class task_pool {
public:
  using run_fn = std::function<void(Job&)>;

  static constexpr std::chrono::microseconds default_ramp_up{500};

  /// Starts `workers` threads (at least one) that call `run` for each job.
  /// `run` is called concurrently from several threads.
  task_pool(size_t workers, run_fn run,
            std::chrono::microseconds ramp_up = default_ramp_up)
      : state_(std::make_shared<shared>()) {
    if (workers == 0)
      throw std::invalid_argument("task_pool needs at least one worker");
    state_->run = std::move(run);
    state_->alive = workers;
    state_->ramp_up = ramp_up;
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
    b->jobs = std::move(jobs);
    bool wake = false;
    {
      std::lock_guard<std::mutex> guard{state_->mtx};
      if (state_->stopping)
        return;
      state_->batches.push_back(std::move(b));
      // A busy worker takes the batch when it is done, and a watcher joins
      // if it is not: wake someone only when neither would.
      wake = state_->idle > 0
             && (state_->idle == state_->alive || !state_->watching);
    }
    if (wake)
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
  using clock = std::chrono::steady_clock;

  struct batch {
    std::vector<Job> jobs;
    std::atomic<size_t> next{0};
    /// Workers running jobs of this batch (guarded by the pool's mutex).
    size_t workers = 0;

    bool exhausted() const {
      return next.load(std::memory_order_relaxed) >= jobs.size();
    }
  };

  using batch_ptr = std::shared_ptr<batch>;

  /// Owned jointly by the pool and its threads, so that a detached worker
  /// never touches freed memory. All but `abort` guarded by `mtx`.
  struct shared {
    std::mutex mtx;
    std::condition_variable work_cv;
    std::condition_variable done_cv;
    std::deque<batch_ptr> batches;
    bool stopping = false;
    std::atomic<bool> abort{false};
    size_t alive = 0;
    /// Workers waiting on `work_cv`, the watcher among them.
    size_t idle = 0;
    /// Whether an idle worker waits on a timer to join the front batch.
    bool watching = false;
    std::chrono::microseconds ramp_up{0};
    run_fn run;
  };

  /// The oldest batch with unclaimed jobs; drops exhausted ones (workers
  /// still running their last jobs hold them).
  static batch_ptr front(shared& s) {
    while (!s.batches.empty()) {
      if (!s.batches.front()->exhausted())
        return s.batches.front();
      s.batches.pop_front();
    }
    return nullptr;
  }

  static void work(std::shared_ptr<shared> s) {
    std::unique_lock<std::mutex> guard{s->mtx};
    while (!s->stopping) {
      auto b = front(*s);
      if (b && b->workers == 0) {
        run_batch(*s, b, guard);
      } else if (b && !s->watching) {
        if (watch(*s, *b, guard))
          run_batch(*s, b, guard);
      } else {
        ++s->idle;
        s->work_cv.wait(guard);
        --s->idle;
      }
    }
    --s->alive;
    s->done_cv.notify_all();
  }

  /// Waits `ramp_up` as the watcher of `watched`, the front batch; true if
  /// no job of it was claimed meanwhile (every worker on it is inside a long
  /// job), so the caller should join it.
  static bool watch(shared& s, const batch& watched,
                    std::unique_lock<std::mutex>& guard) {
    // Workers claim without the lock: `watched` may be exhausted already.
    auto claimed = watched.next.load(std::memory_order_relaxed);
    s.watching = true;
    ++s.idle;
    auto deadline = clock::now() + s.ramp_up;
    auto timed_out
        = s.work_cv.wait_until(guard, deadline) == std::cv_status::timeout;
    --s.idle;
    s.watching = false;
    return !s.stopping && timed_out && front(s).get() == &watched
           && watched.next.load(std::memory_order_relaxed) == claimed;
  }

  /// Claims and runs jobs of `b` until none is left, outside the lock.
  static void run_batch(shared& s, const batch_ptr& b,
                        std::unique_lock<std::mutex>& guard) {
    ++b->workers;
    // Unclaimed jobs need a watcher, or one blocking job would hold up the
    // rest of them for good.
    if (!s.watching && s.idle > 0)
      s.work_cv.notify_one();
    guard.unlock();
    while (!s.abort.load(std::memory_order_relaxed)) {
      auto i = b->next.fetch_add(1, std::memory_order_relaxed);
      if (i >= b->jobs.size())
        break;
      s.run(b->jobs[i]);
    }
    guard.lock();
    --b->workers;
  }

  std::shared_ptr<shared> state_;
  std::vector<std::thread> threads_;
};

} // namespace troupe::detail
