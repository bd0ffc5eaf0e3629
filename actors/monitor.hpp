#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "troupe/messages/monitor.hpp"

#include <caf/actor.hpp>
#include <caf/expected.hpp>
#include <caf/replies_to.hpp>
#include <caf/timespan.hpp>
#include <caf/typed_actor.hpp>

namespace troupe {

class runtime;

/// The monitor (libgs' Monitor): named points polled every `dt` (or once) by
/// polls that never block it, alerts that roll up to parents, STALE points,
/// subscribers, callbacks and change logging. Views (table, JSON,
/// Prometheus, status page) render its `monitor_snapshot`.
using monitor_actor = caf::typed_actor<
    /// Registers the points of one poll (`make_point`, `make_points`,
    /// `make_family`, `make_pushed_point`). A new point is polled at once.
    /// Errors: `duplicate_name`, `invalid_argument`.
    caf::replies_to<caf::add_atom, point_spec>::with<void>,
    /// `(add_atom, name, parent)`: creates the parent group `name` under
    /// `parent` ("" = top level); idempotent. Errors: `duplicate_name` (a
    /// point has that name), `invalid_argument` (it exists elsewhere).
    caf::replies_to<caf::add_atom, std::string, std::string>::with<void>,
    /// Removes a point with every point fed by the same poll, or an empty
    /// parent; replies with the removed names. Errors: `not_found`,
    /// `wrong_state` (a parent that still has members).
    caf::replies_to<caf::delete_atom,
                    std::string>::with<std::vector<std::string>>,
    /// Updates a pushed point. Errors: `not_found`, `wrong_state` (a polled
    /// point).
    caf::replies_to<caf::put_atom, std::string, reading>::with<void>,
    /// Updates several pushed points; the first failure is the error, the
    /// others are applied.
    caf::replies_to<caf::put_atom, std::vector<named_reading>>::with<void>,
    /// Looks up a point or parent. Error `not_found`.
    caf::replies_to<caf::get_atom, std::string>::with<point_info>,
    /// The whole tree.
    caf::replies_to<caf::get_atom, snapshot_atom>::with<monitor_snapshot>,
    /// Sends every update of `subtree` ("" = all) to the actor, in batches
    /// (`std::vector<point_update>`), until it unsubscribes or exits; an
    /// actor subscribed to overlapping subtrees gets each update once.
    /// Error `not_found`.
    caf::replies_to<caf::subscribe_atom, std::string, caf::actor>::with<void>,
    /// Ends every subscription of the actor. Error `not_found`.
    caf::replies_to<caf::unsubscribe_atom, caf::actor>::with<void>,
    /// Registers a callback; replies with its ID. Error `not_found`.
    caf::replies_to<caf::add_atom, update_callback>::with<uint64_t>,
    /// Removes a callback. Error `not_found`.
    caf::replies_to<caf::delete_atom, uint64_t>::with<void>,
    /// Starts polling; false if it was running already.
    caf::replies_to<start_atom>::with<bool>,
    /// Stops polling (polls in flight still land); false if it was stopped.
    caf::replies_to<stop_atom>::with<bool>,
    /// Sets the receiver of `critical_alert`s (e.g. the failure manager).
    caf::replies_to<caf::put_atom, critical_atom, caf::actor>::with<void>>;

/// Settings of one monitor. Defaults are libgs': 10 workers, tick 0.5 s,
/// dt 10 s.
struct monitor_config {
  /// Worker threads running polls (at most this many polls run at once).
  size_t workers = 10;
  /// Period of the points with dt = 0.
  caf::timespan tick = std::chrono::milliseconds{500};
  /// dt of the points that set none.
  caf::timespan default_dt = std::chrono::seconds{10};
  /// A point is STALE after `stale_factor * dt` without update; 0 = never.
  double stale_factor = 3.0;
  /// Start polling right away (otherwise on `start_atom`).
  bool start = true;
  /// Receives `critical_alert`s; may also be set later by message.
  caf::actor failure_handler;
  /// How long the monitor waits at exit for polls still running before it
  /// abandons their threads.
  std::chrono::milliseconds shutdown_grace{1000};
  /// At most `poll_wave` polls start per `poll_wave_gap`. Points registered
  /// together fall due together every interval, and thousands of results at
  /// one instant queue behind each other at the monitor and at subscribers;
  /// spread over a few waves, each wave is delivered before the next
  /// starts, and the points stay spread because each one's next poll counts
  /// from its own completion. The two bound the polling rate (by default a
  /// million polls a second); a gap of 0 starts every due poll at once.
  size_t poll_wave = 1024;
  caf::timespan poll_wave_gap = std::chrono::milliseconds{1};

  /// Where polls run. `automatic`: inline under CAF's test coordinator (so
  /// that tests are deterministic), on worker threads otherwise.
  enum class executor { automatic, threads, inline_calls };
  executor run_polls = executor::automatic;
};

/// Checks a configuration: one line naming the setting and why.
caf::error validate(const monitor_config& cfg);

/// Spawns a monitor tracked by `rt` (stopped on shutdown). Error
/// `invalid_config` for a bad configuration.
caf::expected<monitor_actor> spawn_monitor(runtime& rt,
                                           monitor_config cfg = {});

} // namespace troupe
