#include "troupe/runtime/detail/timing_thread.hpp"

#include <algorithm>

#ifdef __linux__
#include <sys/prctl.h>
#endif

namespace troupe::detail {

namespace {

constexpr int64_t min_margin_ns = 15'000;
constexpr int64_t max_margin_ns = 1'000'000;
constexpr int64_t initial_margin_ns = 60'000;

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

} // namespace

timing_thread::timing_thread(lateness_histogram* publish_lateness,
                             std::function<void()> low_water,
                             size_t low_water_mark)
    : publish_lateness_(publish_lateness),
      low_water_(std::move(low_water)),
      low_water_mark_(low_water_mark),
      margin_(initial_margin_ns) {
  thread_ = std::thread{[this] {
    run();
  }};
}

timing_thread::~timing_thread() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void timing_thread::push(job x) {
  bool wake;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    // Only a new head changes when the thread must wake up.
    wake = queue_.empty();
    queue_.push_back(std::move(x));
  }
  if (wake)
    cv_.notify_one();
}

uint64_t timing_thread::cancel() {
  std::lock_guard<std::mutex> guard{mtx_};
  queue_.clear();
  return claimed_;
}

size_t timing_thread::pending() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return queue_.size();
}

void timing_thread::learn(int64_t oversleep_ns) noexcept {
  // Exponential average of how late sleeps wake; the margin covers about
  // three times that, so most deadlines are met by spinning, not sleeping.
  average_oversleep_
      += (std::max<int64_t>(oversleep_ns, 0) - average_oversleep_) / 8;
  auto margin = std::clamp<int64_t>(3 * average_oversleep_ + min_margin_ns,
                                    min_margin_ns, max_margin_ns);
  margin_.store(margin, std::memory_order_relaxed);
}

void timing_thread::run() {
#ifdef __linux__
  // The default 50 us timer slack would make every sleep that much late.
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
#endif
  std::unique_lock<std::mutex> guard{mtx_};
  for (;;) {
    if (stop_)
      return;
    if (queue_.empty()) {
      cv_.wait(guard);
      continue;
    }
    auto deadline = queue_.front().deadline_ns;
    auto margin = margin_.load(std::memory_order_relaxed);
    auto now = now_ns();
    if (deadline - now > margin) {
      auto wake_at = deadline - margin;
      cv_.wait_until(guard,
                     clock::time_point{std::chrono::nanoseconds{wake_at}});
      if (!queue_.empty() && queue_.front().deadline_ns == deadline)
        learn(now_ns() - wake_at);
      continue; // re-check: the queue may have been cancelled meanwhile
    }
    auto x = std::move(queue_.front());
    queue_.pop_front();
    claimed_ = x.seq;
    // Ask for more when crossing the mark, and once more when empty (the
    // owner may be waiting for the last job to finish the replay).
    bool refill
        = low_water_ && (queue_.size() == low_water_mark_ || queue_.empty());
    guard.unlock();
    while ((now = now_ns()) < x.deadline_ns)
      cpu_relax();
    if (x.fire)
      x.fire();
    if (publish_lateness_ != nullptr)
      publish_lateness_->add(now - x.deadline_ns);
    fired_.store(x.seq, std::memory_order_release);
    if (refill)
      low_water_();
    guard.lock();
  }
}

} // namespace troupe::detail
