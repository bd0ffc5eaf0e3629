#pragma once

// The runtime's own monitor points, and the pattern other runtime
// components follow to add theirs: build `point_spec`s whose polls ask the
// component's actor (`poll_request`, `poll_in_monitor`) or that the
// component pushes (`make_pushed_point` + `(put_atom, name, reading)`),
// then send them to the monitor as `(add_atom, spec)`.

#include <chrono>
#include <string>
#include <vector>

#include "troupe/actors/monitor.hpp"
#include "troupe/runtime/monitor/poll.hpp"

#include <caf/actor.hpp>
#include <caf/timespan.hpp>

namespace troupe {

class runtime;

/// Settings of the runtime's own points.
struct runtime_points_options {
  caf::timespan dt = std::chrono::seconds{1};
  /// Top group of the runtime's points.
  std::string parent = "runtime";
  /// Mailbox delays from which a mailbox point turns orange / red.
  caf::timespan mailbox_orange = std::chrono::milliseconds{100};
  caf::timespan mailbox_red = std::chrono::seconds{1};
  /// Alert of an agent that dropped messages it has no handler for.
  alert_level unexpected_alert = alert_level::orange;
};

/// A point measuring how long a message waits in `target`'s mailbox (in
/// seconds): the monitor sends CAF's `(sys, get, "info")` probe, which every
/// actor answers in its own context after the messages queued before it,
/// without a handler of its own. CAF 0.17 gives no thread-safe way to read
/// another actor's queue length (only the actor itself may), so the backlog
/// is measured as the time it costs. No answer within dt fails the poll.
point_spec mailbox_point(std::string name, caf::actor target,
                         point_options options, caf::timespan orange,
                         caf::timespan red);

/// The runtime's points, under `parent` (groups `<parent>/topics`,
/// `<parent>/agents`, `<parent>/mailbox`):
///
/// - `<parent>/topics/<topic>`: messages per second published on each topic
///   over the last dt (empty at the first poll), from the broadcaster;
/// - `<parent>/agents/<name>`: messages each agent dropped for lack of a
///   handler, alert `unexpected_alert` when above 0;
/// - `<parent>/mailbox/<actor>`: mailbox delay of the directory, the
///   broadcaster and the monitor; `<parent>/mailbox/monitor queued`: the
///   monitor's exact queue length (read in its own context).
std::vector<point_spec> runtime_points(runtime& rt, const monitor_actor& mon,
                                       const runtime_points_options& opts = {});

/// Settings of an experiment's points.
struct experiment_points_options {
  caf::timespan dt = std::chrono::seconds{1};
  /// Top group of the experiment's points.
  std::string parent = "experiment";
  /// Delivery lateness (p99) from which a replay's lateness point turns
  /// orange / red.
  caf::timespan lateness_orange = std::chrono::milliseconds{10};
  caf::timespan lateness_red = std::chrono::milliseconds{100};
};

/// The state of every resource of the experiment run by `controller` (a
/// `controller_actor`), as a family under `<parent>/resources`: one point
/// per resource name, its value the state ("STARTED", ...); a FAILED
/// resource is Red when critical, Orange otherwise.
point_spec resource_state_points(caf::actor controller,
                                 const experiment_points_options& opts = {});

/// The points of one replay, under `<parent>/replays/<name>`, polled from
/// its broadcaster (`replay_query`): `position` (log seconds reached),
/// `state` (Red when failed), `lateness` (p99 delivery lateness in
/// seconds, Orange / Red from the options' limits) and `stall` (seconds
/// the replay waited for slow subscribers).
point_spec replay_points(const std::string& name, caf::actor broadcaster,
                         const experiment_points_options& opts = {});

/// Creates the groups and registers `runtime_points` with `mon`
/// (asynchronously: refusals are logged by the monitor).
void add_runtime_points(runtime& rt, const monitor_actor& mon,
                        const runtime_points_options& opts = {});

} // namespace troupe
