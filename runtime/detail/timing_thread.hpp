#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "troupe/runtime/detail/lateness_histogram.hpp"

namespace troupe::detail {

/// How a `spin_margin` turns recent wake-ups into a margin.
struct margin_policy {
  /// The quantile (0..1] of the recent wake-ups the margin covers.
  double quantile = 0.9;
  /// The margin is this many times that wake-up (plus the guard).
  int64_t scale = 1;
  /// Before a deadline `gap` after the previous one, the margin is at most
  /// gap / `gap_divisor`.
  int64_t gap_divisor = 4;
  /// The margin before anything was learned.
  int64_t initial_ns = 60'000;
};

/// Learns how far ahead of a deadline a thread must stop sleeping: by
/// default the 90th percentile of how late its last `window` sleeps woke,
/// plus a small guard. A percentile over a short window, not a mean, so
/// that one stall of the machine (a sleep that wakes milliseconds late)
/// neither sets the margin for long nor makes the thread spin for whole
/// intervals.
class spin_margin {
public:
  static constexpr size_t window = 32;
  static constexpr int64_t guard_ns = 5'000;
  static constexpr int64_t min_ns = 10'000;
  static constexpr int64_t max_ns = 1'000'000;
  explicit spin_margin(margin_policy policy = {}) noexcept
      : policy_(policy), margin_(policy.initial_ns) {
    // nop
  }

  /// Records how late (ns) a sleep woke; an early wake-up is ignored.
  void learn(int64_t oversleep_ns) noexcept;

  /// The learned margin, ns.
  int64_t learned() const noexcept { return margin_; }

  /// The margin to use before a deadline `gap_ns` after the previous job
  /// fired: the learned one, but never more than the policy's share of the
  /// gap, so the thread sleeps most of every interval (and keeps learning)
  /// even when sleeps wake later than jobs are apart.
  int64_t for_gap(int64_t gap_ns) const noexcept;

private:
  std::array<int64_t, window> samples_{};
  size_t count_ = 0;
  margin_policy policy_;
  int64_t margin_;
};

/// One job of a real-time replay: enqueue a record's deliveries at a
/// steady-clock time.
struct timed_job {
  /// steady_clock time (ns since its epoch) at which to fire.
  int64_t deadline_ns = 0;
  /// Increasing per owner; `cancel` and `fired` speak in these.
  uint64_t seq = 0;
  std::function<void()> fire;
  /// How far ahead of the record's own time the job fires (a hand-over
  /// ahead of time, see `hold_until`): lateness at publish is measured
  /// against `deadline_ns + lead_ns`.
  int64_t lead_ns = 0;
  /// Spin from the end of the sleep to the deadline. Off for a hand-over
  /// ahead of time: its receivers hold the record until its time, so the
  /// job fires as soon as the sleep ends and the lead covers the sleep's
  /// lateness too.
  bool spin = true;
};

/// What fires a real-time replay's jobs, one at a time, in the order they
/// were pushed: the timing thread in real runs; in deterministic tests of
/// the real-time path, a timer the test fires by hand.
///
/// The owner pushes jobs in deadline order; `cancel` takes back every job
/// not yet claimed and says exactly which were: a claimed job always fires,
/// and `fired` moves only after a job's `fire` returned. Since jobs fire in
/// order, everything a job enqueues is in its receivers' mailboxes before
/// anything the owner enqueues after seeing `fired` reach the job.
class job_timer {
public:
  virtual ~job_timer();

  /// Schedules a job (deadlines non-decreasing since the last `cancel`).
  virtual void push(timed_job x) = 0;

  /// Drops every job not yet claimed. Returns the seq of the last claimed
  /// job (0 if none ever was): jobs up to it fired or are about to.
  virtual uint64_t cancel() = 0;

  /// The seq of the last job that finished firing.
  virtual uint64_t fired() const noexcept = 0;
};

/// Makes a replay's timer: `publish_lateness` (may be null) receives fire
/// time minus deadline for every job; `low_water` (may be empty) runs when
/// the queue drops to `low_water_mark` jobs, and once more when it empties,
/// so the owner can refill.
using job_timer_factory = std::function<std::unique_ptr<job_timer>(
    lateness_histogram* publish_lateness, std::function<void()> low_water,
    size_t low_water_mark)>;

/// Fires jobs at precise steady-clock deadlines without burning a core: it
/// sleeps (with minimal timer slack) until just before a deadline, then
/// spins for the last few microseconds. The spin margin adapts to how late
/// the sleeps actually wake up (`spin_margin`). A job is claimed (under the
/// lock) before the thread spins for it.
class timing_thread : public job_timer {
public:
  using clock = std::chrono::steady_clock;

  using job = timed_job;

  /// `publish_lateness` (may be null) receives fire time minus deadline for
  /// every job. `low_water` (may be empty) runs on the timing thread when
  /// the queue drops to `low_water_mark` jobs, so the owner can refill.
  timing_thread(lateness_histogram* publish_lateness,
                std::function<void()> low_water, size_t low_water_mark);

  /// Stops the thread; pending jobs do not fire.
  ~timing_thread() override;

  timing_thread(const timing_thread&) = delete;

  timing_thread& operator=(const timing_thread&) = delete;

  void push(job x) override;

  uint64_t cancel() override;

  uint64_t fired() const noexcept override {
    return fired_.load(std::memory_order_acquire);
  }

  /// Jobs waiting (not yet claimed).
  size_t pending() const;

  static int64_t now_ns() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               clock::now().time_since_epoch())
        .count();
  }

private:
  void run();

  lateness_histogram* publish_lateness_;
  std::function<void()> low_water_;
  size_t low_water_mark_;
  mutable std::mutex mtx_;
  std::condition_variable cv_;
  std::deque<job> queue_;
  uint64_t claimed_ = 0;
  bool stop_ = false;
  std::atomic<uint64_t> fired_{0};
  spin_margin learned_margin_;
  int64_t last_fire_ns_ = 0;
  std::thread thread_;
};

/// The longest `hold_until` waits. The replay hands an item over at most
/// `spin_margin::max_ns` ahead of its deadline, so only a deadline from
/// another clock (a message from elsewhere) reaches this bound.
constexpr int64_t max_hold_ns = 2 * spin_margin::max_ns;

/// The hold's margin: the second-latest of the thread's last 32 wake-ups.
/// Against the 90th percentile it lowered the handlers' p99 at 1 kHz
/// (7-32 us against 25-51 us, runs alternating) for about the same CPU.
constexpr margin_policy hold_policy{0.95, 1, 4, 60'000};

/// Holds the calling thread until the steady clock reaches `deadline_ns`
/// (ns since its epoch), for at most `max_hold_ns`; returns the time spent
/// holding. A receiver of an item handed over ahead of time calls this
/// right before the item's handler, so that the handler runs on time
/// although waking the receiver's thread takes tens of microseconds. It
/// sleeps (with 1 ns timer slack, set once per thread) to a margin before
/// the deadline learned from this thread's own wake-ups (`hold_policy`),
/// but at most `max_spin_ns`, then spins: an early hand-over costs no CPU,
/// and a noisy spell of the machine costs at most the given spin.
int64_t hold_until(int64_t deadline_ns,
                   int64_t max_spin_ns = spin_margin::max_ns) noexcept;

} // namespace troupe::detail
