#include "troupe/runtime/detail/timing_thread.hpp"

#include <algorithm>
#include <ctime>

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

job_timer::~job_timer() {
  // nop
}

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
  auto rank = std::min(
      static_cast<size_t>(static_cast<double>(n) * policy_.quantile), n - 1);
  auto at = sorted.begin() + static_cast<std::ptrdiff_t>(rank);
  std::nth_element(sorted.begin(), at, sorted.begin() + n);
  margin_ = std::clamp<int64_t>(policy_.scale * *at + guard_ns, min_ns, max_ns);
}

int64_t spin_margin::for_gap(int64_t gap_ns) const noexcept {
  return std::max<int64_t>(std::min(margin_, gap_ns / policy_.gap_divisor), 0);
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

namespace {

/// How late this thread's own sleeps wake: a receiver holding an item
/// sleeps to just before its deadline and spins the rest, so what it
/// learns is its own thread's wake-up, not the timing thread's.
thread_local spin_margin hold_margin{hold_policy};

/// Whether this thread's timer slack is already down to 1 ns.
thread_local bool hold_slack_set = false;

void precise_sleep_until(int64_t wake_ns) noexcept {
#ifdef __linux__
  if (!hold_slack_set) {
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    hold_slack_set = true;
  }
  timespec ts;
  ts.tv_sec = wake_ns / 1'000'000'000;
  ts.tv_nsec = wake_ns % 1'000'000'000;
  // steady_clock is CLOCK_MONOTONIC; EINTR just ends the sleep early.
  clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
#else
  std::this_thread::sleep_until(
      timing_thread::clock::time_point{std::chrono::nanoseconds{wake_ns}});
#endif
}

} // namespace

int64_t hold_until(int64_t deadline_ns, int64_t max_spin_ns) noexcept {
  auto start = timing_thread::now_ns();
  auto until = std::min(deadline_ns, start + max_hold_ns);
  // Far enough ahead: sleep to the learned margin before the deadline,
  // so that a hand-over early by a generous lead costs no CPU.
  auto now = start;
  auto margin = std::min(hold_margin.learned(), max_spin_ns);
  if (until - now > margin) {
    auto wake_at = until - margin;
    precise_sleep_until(wake_at);
    now = timing_thread::now_ns();
    hold_margin.learn(now - wake_at);
  }
  while (now < until) {
    cpu_relax();
    now = timing_thread::now_ns();
  }
  return now - start;
}

} // namespace troupe::detail
