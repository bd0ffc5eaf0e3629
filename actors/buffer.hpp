#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "troupe/messages/replay.hpp"
#include "troupe/runtime/log_source.hpp"

#include <caf/actor_system.hpp>
#include <caf/replies_to.hpp>
#include <caf/timespan.hpp>
#include <caf/typed_actor.hpp>

namespace troupe {

/// The replay buffer (MCL BufferData, RIOS BlockBuffer): reads records from
/// a source ahead of use into a store bounded by record count and by bytes,
/// and serves them on demand, so memory stays bounded whatever the log size
/// and however slow the consumers.
using buffer_actor = caf::typed_actor<
    /// Starts reading ahead; `true` if it started, `false` if running.
    caf::replies_to<buffer_start>::with<bool>,
    /// Stops reading ahead, keeping the position and the store; `true` if
    /// it stopped, `false` if it was not running.
    caf::replies_to<buffer_stop>::with<bool>,
    /// Stops, empties the store and rewinds the source; `true`.
    caf::replies_to<buffer_reset>::with<bool>,
    /// Takes up to `max` records (waits for them, up to `pop_timeout`).
    caf::replies_to<buffer_pull>::with<record_batch>,
    /// The buffer's state.
    caf::replies_to<buffer_query>::with<buffer_status>,
    /// Answered once ready (store full or source exhausted), or error
    /// `timeout` naming `ready_timeout`.
    caf::replies_to<buffer_await_ready>::with<buffer_status>,
    /// Private: reads the next slice.
    caf::reacts_to<buffer_fill>,
    /// Private: a wait timed out.
    caf::reacts_to<buffer_timeout>>;

/// Settings of a buffer. The defaults follow MCL (5000 records) and RIOS
/// (10 s waits); a wait set to `never` does not time out.
struct buffer_options {
  static constexpr caf::timespan never = caf::timespan::max();

  /// At most this many records stored.
  uint64_t max_records = 5000;
  /// At most about this many bytes stored (records as held in memory).
  uint64_t max_bytes = 64 * 1024 * 1024;
  /// How long a pull waits for a record.
  caf::timespan pop_timeout = std::chrono::seconds{10};
  /// How long `buffer_await_ready` waits.
  caf::timespan ready_timeout = std::chrono::seconds{10};
  /// A bad record stops the source (the pull after the last good record
  /// gets error `bad_input`); otherwise it is counted and skipped.
  bool stop_on_bad = false;
  /// Records read per step before the buffer looks at its mailbox again.
  uint32_t slice = 256;
};

/// Checks `opts`; error `invalid_argument` naming the setting.
caf::error validate(const buffer_options& opts);

/// Spawns a buffer over `source`. `detached` gives it its own thread (real
/// runs: reading overlaps the replay); under the test scheduler pass false.
buffer_actor spawn_buffer(caf::actor_system& sys,
                          std::shared_ptr<record_source> source,
                          buffer_options opts, bool detached);

} // namespace troupe
