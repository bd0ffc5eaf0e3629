#include "troupe/runtime/detail/timing_thread.hpp"

#include <algorithm>

#ifdef __linux__
#include <sys/prctl.h>
#endif

namespace troupe::detail {

namespace {

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
      low_water_mark_(low_water_mark) {
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

void spin_margin::learn(int64_t oversleep_ns) noexcept {
  if (oversleep_ns < 0)
    return; // woken early (a new head, a spurious wake-up): says nothing
  samples_[count_++ % window] = oversleep_ns;
  auto n = std::min(count_, window);
  std::array<int64_t, window> sorted{};
  std::copy_n(samples_.begin(), n, sorted.begin());
  auto p90 = sorted.begin() + (n * 9) / 10;
  std::nth_element(sorted.begin(), p90, sorted.begin() + n);
  margin_ = std::clamp<int64_t>(*p90 + guard_ns, min_ns, max_ns);
}

int64_t spin_margin::for_gap(int64_t gap_ns) const noexcept {
  return std::max<int64_t>(std::min(margin_, gap_ns / 4), 0);
}

void timing_thread::run() {
#ifdef __linux__
  // The default 50 us timer slack would make every sleep that much late.
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  // Named, so that tools showing threads (top -H, perf) tell it apart from
  // the CAF worker that created it.
  prctl(PR_SET_NAME, "troupe.timing", 0, 0, 0);
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
    auto now = now_ns();
    // Before the first job, the "gap" is the whole clock: no cap.
    auto margin = queue_.front().spin
                      ? learned_margin_.for_gap(deadline - last_fire_ns_)
                      : 0;
    if (deadline - now > margin) {
      auto wake_at = deadline - margin;
      cv_.wait_until(guard,
                     clock::time_point{std::chrono::nanoseconds{wake_at}});
      if (!queue_.empty() && queue_.front().deadline_ns == deadline)
        learned_margin_.learn(now_ns() - wake_at);
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
    last_fire_ns_ = now;
    if (x.fire)
      x.fire();
    if (publish_lateness_ != nullptr)
      publish_lateness_->add(now - (x.deadline_ns + x.lead_ns));
    fired_.store(x.seq, std::memory_order_release);
    if (refill)
      low_water_();
    guard.lock();
  }
}

int64_t hold_until(int64_t deadline_ns) noexcept {
  auto start = timing_thread::now_ns();
  auto until = std::min(deadline_ns, start + max_hold_ns);
  auto now = start;
  while (now < until) {
    cpu_relax();
    now = timing_thread::now_ns();
  }
  return now - start;
}

} // namespace troupe::detail
