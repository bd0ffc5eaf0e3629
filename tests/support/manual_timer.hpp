#pragma once

// A replay timer that a deterministic test fires by hand, so that the
// real-time replay path (records handed to a timing thread, ahead of their
// time or not) runs on the test scheduler with every interleaving the test
// wants: jobs that fire at once, late, or a few at a time.

#include <deque>
#include <functional>
#include <memory>

#include "troupe/runtime/detail/runtime_state.hpp"
#include "troupe/runtime/detail/timing_thread.hpp"

#include <caf/actor_clock.hpp>

namespace test {

class manual_timer {
public:
  enum class mode {
    /// Jobs wait until the test fires them.
    by_hand,
    /// A job fires while it is pushed, before the replay's actor goes on:
    /// a timing thread that is faster than the actor.
    at_once,
  };

  /// Installs this timer for the real-time replays of the runtime whose
  /// state is `state`; lateness is measured on `clock`.
  manual_timer(troupe::detail::runtime_state& state,
               const caf::actor_clock& clock)
      : board_(std::make_shared<board>(clock)) {
    // The replay owns its timer, and may outlive this object: both share
    // the board.
    state.replay_timer =
        [b{board_}](troupe::detail::lateness_histogram* lateness,
                    std::function<void()> low_water, size_t low_water_mark) {
          auto result = std::make_unique<timer>(
              b, lateness, std::move(low_water), low_water_mark);
          b->current = result.get();
          return std::unique_ptr<troupe::detail::job_timer>{std::move(result)};
        };
  }

  manual_timer(const manual_timer&) = delete;

  manual_timer& operator=(const manual_timer&) = delete;

  void set_mode(mode how) { board_->how = how; }

  /// Jobs waiting.
  size_t pending() const {
    return current() != nullptr ? current()->jobs.size() : 0;
  }

  /// Fires up to `n` jobs in order; returns how many fired.
  size_t fire(size_t n) {
    size_t result = 0;
    while (current() != nullptr && !current()->jobs.empty() && result < n) {
      current()->fire_next();
      ++result;
    }
    return result;
  }

  size_t fire_all() { return fire(static_cast<size_t>(-1)); }

  /// Jobs pushed since the timer was made (the replay's hand-overs).
  uint64_t pushed() const {
    return current() != nullptr ? current()->pushed : 0;
  }

  /// Jobs handed over ahead of their record's time.
  uint64_t ahead() const { return current() != nullptr ? current()->ahead : 0; }

private:
  struct timer;

  struct board {
    explicit board(const caf::actor_clock& clock) : clock(clock) {
      // nop
    }
    const caf::actor_clock& clock;
    mode how = mode::by_hand;
    timer* current = nullptr;
  };

  struct timer : troupe::detail::job_timer {
    timer(std::shared_ptr<board> owner,
          troupe::detail::lateness_histogram* lateness,
          std::function<void()> low_water, size_t low_water_mark)
        : owner(std::move(owner)),
          lateness(lateness),
          low_water(std::move(low_water)),
          low_water_mark(low_water_mark) {
      // nop
    }

    ~timer() override {
      if (owner->current == this)
        owner->current = nullptr;
    }

    void push(troupe::detail::timed_job x) override {
      ++pushed;
      if (x.lead_ns > 0)
        ++ahead;
      jobs.push_back(std::move(x));
      if (owner->how == mode::at_once)
        while (!jobs.empty())
          fire_next();
    }

    uint64_t cancel() override {
      jobs.clear();
      return fired_seq;
    }

    uint64_t fired() const noexcept override { return fired_seq; }

    void fire_next() {
      auto x = std::move(jobs.front());
      jobs.pop_front();
      bool refill
          = low_water && (jobs.size() == low_water_mark || jobs.empty());
      if (x.fire)
        x.fire();
      if (lateness != nullptr) {
        auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       owner->clock.now().time_since_epoch())
                       .count();
        lateness->add(now - (x.deadline_ns + x.lead_ns));
      }
      fired_seq = x.seq;
      if (refill)
        low_water();
    }

    std::shared_ptr<board> owner;
    troupe::detail::lateness_histogram* lateness;
    std::function<void()> low_water;
    size_t low_water_mark;
    std::deque<troupe::detail::timed_job> jobs;
    uint64_t fired_seq = 0;
    uint64_t pushed = 0;
    uint64_t ahead = 0;
  };

  timer* current() const { return board_->current; }

  std::shared_ptr<board> board_;
};

} // namespace test
