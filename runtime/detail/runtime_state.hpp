#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "troupe/actors/broadcaster.hpp"
#include "troupe/actors/directory.hpp"
#include "troupe/runtime/decoders.hpp"
#include "troupe/runtime/detail/name_table.hpp"
#include "troupe/runtime/detail/timing_thread.hpp"
#include "troupe/runtime/detail/topic_table.hpp"
#include "troupe/runtime/trace.hpp"

#include <caf/actor_addr.hpp>
#include <caf/actor_system.hpp>

namespace troupe::detail {

/// Everything the actors of one runtime share. Reached from any actor through
/// `state_of(system)`; owned jointly by the runtime and its actors.
struct runtime_state {
  name_table names;
  topic_table topics;
  directory_actor directory;
  broadcaster_actor broadcaster;

  /// Replayed values -> users' types (see `runtime::decoders`).
  decoder_table decoders;

  /// Set by tests of the real-time replay path: real-time replays take
  /// their timer from here, under the test scheduler too, instead of
  /// starting a timing thread.
  job_timer_factory replay_timer;

  /// Set by test fixtures; read on every traced event.
  std::atomic<trace_log*> trace{nullptr};

  /// Every actor spawned through the runtime that has not exited yet, so
  /// shutdown can reach all of them.
  std::mutex tracked_mtx;
  std::condition_variable tracked_cv;
  std::unordered_map<caf::actor_id, caf::actor_addr> tracked;
  size_t running_agents = 0;

  trace_log* tracer() const noexcept {
    return trace.load(std::memory_order_acquire);
  }
};

/// Returns the state of the runtime that owns `sys`, or nullptr when `sys`
/// was not created from `troupe::config`.
runtime_state* state_of(const caf::actor_system& sys) noexcept;

/// Returns the shared owner of the state (same rules as `state_of`).
std::shared_ptr<runtime_state> shared_state_of(const caf::actor_system& sys);

} // namespace troupe::detail
