#pragma once

// Messages of the replay: records read from logs, the buffer actor's
// controls, the broadcaster's replay controls, replayed deliveries and their
// acknowledgements. Type IDs from `troupe::replay_first_type_id`.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "troupe/messages/core.hpp"
#include "troupe/messages/value.hpp"

#include <caf/actor.hpp>
#include <caf/message.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/type_id.hpp>

namespace troupe {

/// "No limit" for the optional times of `replay_options`.
constexpr int64_t no_time = -1;

// -- records ------------------------------------------------------------------

/// One logged message: `elapsed_ns` after the log's start it was seen on
/// `topic`. `type` is the message type (MCL's `>>>` header line or the
/// payload's `name`), empty when unknown; a record without a topic is
/// replayed on its type. `file` / `line` say where it was read (index into
/// the source's file list, 1-based line; 0 for records made in memory).
/// Travels from the buffer to the broadcaster inside `record_batch`.
struct record {
  int64_t elapsed_ns = 0;
  std::string topic;
  std::string type;
  value payload;
  uint32_t file = 0;
  uint64_t line = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, record& x) {
  return f(caf::meta::type_name("troupe::record"), x.elapsed_ns, x.topic,
           x.type, x.payload, x.file, x.line);
}

inline bool operator==(const record& x, const record& y) {
  return x.elapsed_ns == y.elapsed_ns && x.topic == y.topic && x.type == y.type
         && x.payload == y.payload;
}

/// A record that could not be read: where and why. Part of `buffer_status`
/// and of the replay report.
struct bad_record {
  std::string file;
  uint64_t line = 0;
  std::string reason;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, bad_record& x) {
  return f(caf::meta::type_name("troupe::bad_record"), x.file, x.line,
           x.reason);
}

/// Reply of the buffer to `buffer_pull`: the next records in time order;
/// `exhausted` once the source has nothing more after these.
struct record_batch {
  std::vector<record> records;
  bool exhausted = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, record_batch& x) {
  return f(caf::meta::type_name("troupe::record_batch"), x.records,
           x.exhausted);
}

// -- buffer -------------------------------------------------------------------

/// Sent by the broadcaster (or anyone) to a buffer: start reading ahead.
/// Reply: `true` if it started, `false` if it was already running.
struct buffer_start {};

/// Sent to a buffer: stop reading ahead, keeping the read position and what
/// is stored. Reply: `true` if it stopped, `false` if it was not running.
struct buffer_stop {};

/// Sent to a buffer: stop, drop what is stored and rewind the source to its
/// first record. Reply: `true`.
struct buffer_reset {};

/// Sent by the broadcaster to a buffer: take up to `max` records. Answered
/// at once when records are stored or the source is exhausted, otherwise
/// when records arrive; error `timeout` (naming `pop_timeout`) if none
/// arrive in time, `bad_input` when a bad record stops the source. Reply:
/// `record_batch`. `spent`: handled `replay_batch` messages coming back
/// (see `replay_ack::spent`); the buffer reads new records into their
/// payloads' memory instead of allocating, and frees the rest on its own
/// thread.
struct buffer_pull {
  uint32_t max = 0;
  std::vector<caf::message> spent{};
};

/// Sent to a buffer: its state. Reply: `buffer_status`.
struct buffer_query {};

/// Sent to a buffer: answered with `buffer_status` once the buffer is ready
/// (full or exhausted); error `timeout` naming `ready_timeout` otherwise.
struct buffer_await_ready {};

/// Reply of a buffer to `buffer_query` and `buffer_await_ready`. `ready`:
/// the store is full or the source exhausted. `data_pending`: the source has
/// records not yet read into the store.
struct buffer_status {
  bool running = false;
  bool ready = false;
  bool data_pending = true;
  uint64_t stored = 0;
  uint64_t stored_bytes = 0;
  uint64_t records_read = 0;
  uint64_t records_served = 0;
  uint64_t peak_stored = 0;
  uint64_t bad_count = 0;
  uint64_t bytes_read = 0;
  uint64_t bytes_total = 0;
  std::vector<bad_record> bad_records;
};

/// Private: a buffer's message to itself to read the next slice.
struct buffer_fill {};

/// Private: a buffer's reminder that the wait with this `id` timed out.
struct buffer_timeout {
  uint64_t id = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, buffer_timeout& x) {
  return f(caf::meta::type_name("troupe::buffer_timeout"), x.id);
}

#define TROUPE_EMPTY_INSPECT(type)                                             \
  template <class Inspector>                                                   \
  typename Inspector::result_type inspect(Inspector& f, type&) {               \
    return f(caf::meta::type_name("troupe::" #type));                          \
  }

TROUPE_EMPTY_INSPECT(buffer_start)
TROUPE_EMPTY_INSPECT(buffer_stop)
TROUPE_EMPTY_INSPECT(buffer_reset)
TROUPE_EMPTY_INSPECT(buffer_query)
TROUPE_EMPTY_INSPECT(buffer_await_ready)
TROUPE_EMPTY_INSPECT(buffer_fill)

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, buffer_pull& x) {
  return f(caf::meta::type_name("troupe::buffer_pull"), x.max, x.spent);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, buffer_status& x) {
  return f(caf::meta::type_name("troupe::buffer_status"), x.running, x.ready,
           x.data_pending, x.stored, x.stored_bytes, x.records_read,
           x.records_served, x.peak_stored, x.bad_count, x.bytes_read,
           x.bytes_total, x.bad_records);
}

// -- replay options and controls ---------------------------------------------

/// How a replay runs. Part of `replay_load`. Times are nanoseconds of log
/// time; `no_time` means unset.
struct replay_options {
  /// Log seconds per wall second; must be > 0. Ignored with `max_rate`.
  double speed = 1.0;
  /// Publish as fast as subscribers take records (no schedule).
  bool max_rate = false;
  /// Start again from the start point after the last record.
  bool loop = false;
  /// Skip records earlier than the first record's time plus this.
  int64_t start_offset_ns = 0;
  /// End after the last record at or before this log time.
  int64_t until_ns = no_time;
  /// End after this much log time from the start point.
  int64_t duration_ns = no_time;
  /// Wall time between `start` and the first record.
  int64_t delay_ns = 0;
  /// `start` enters the paused state (step, burst or resume go on).
  bool start_paused = false;
  /// Only these topics (empty: all).
  std::vector<std::string> topics;
  /// Only topics matching this ECMAScript regex (empty: all).
  std::string include;
  /// No topics matching this regex (empty: none excluded).
  std::string exclude;
  /// `from:=to` renames, applied after filtering.
  std::vector<std::string> remaps;
  /// Publish the replay clock (log time in ns, `int64_t`) this often per
  /// wall second on `clock_topic`; 0 = never.
  double clock_hz = 0;
  std::string clock_topic = "/clock";
  /// A subscriber with `window` unacknowledged records: drop its records
  /// (counted) instead of waiting for it (counted as stall time).
  bool drop_when_slow = false;
  /// Records a subscriber may have unacknowledged.
  uint32_t window = 1024;
  /// Records fetched from the buffer per pull.
  uint32_t pull_size = 512;
  /// Real runs: publish from the precise timing thread instead of the actor
  /// clock. Ignored under the test scheduler (virtual time is exact).
  bool precise = true;
  /// How long `start` waits for the buffer to be ready (ns; no_time: ever).
  int64_t ready_timeout_ns = 10'000'000'000;
  /// Receives every published record, subscribed or not, as replay batches
  /// with credit (it must answer each with a `replay_ack`): the CLI's sinks.
  caf::actor tap;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, replay_options& x) {
  return f(caf::meta::type_name("troupe::replay_options"), x.speed, x.max_rate,
           x.loop, x.start_offset_ns, x.until_ns, x.duration_ns, x.delay_ns,
           x.start_paused, x.topics, x.include, x.exclude, x.remaps, x.clock_hz,
           x.clock_topic, x.drop_when_slow, x.window, x.pull_size, x.precise,
           x.ready_timeout_ns, x.tap);
}

/// Sent to a broadcaster: replay the records of `buffer` (a `buffer_actor`)
/// with `options`, replacing any replay it had. Reply: nothing, or error
/// `invalid_argument` naming the bad option.
struct replay_load {
  caf::actor buffer;
  replay_options options;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, replay_load& x) {
  return f(caf::meta::type_name("troupe::replay_load"), x.buffer, x.options);
}

/// Replay controls, sent by anyone to a broadcaster with a loaded replay.
/// Each replies `bool`: whether it acted (false when already in that state),
/// or error `wrong_state` when no replay is loaded.
/// - start: from idle, stopped or finished begin at the start point (once the
///   buffer is ready); from paused, resume.
struct replay_start {};
/// - pause: hold the next record; nothing is lost or repeated.
struct replay_pause {};
/// - resume: continue after a pause, shifted by the paused time.
struct replay_resume {};
/// - toggle: pause when running, resume when paused.
struct replay_toggle {};
/// - step: pause (if running) and publish the next record now.
struct replay_step {};
/// - stop: stop and rewind to the start point.
struct replay_stop {};

/// - burst: pause (if running) and publish the next `count` records now.
struct replay_burst {
  uint32_t count = 1;
};

/// - seek: continue from the first record at or after log time `to_ns`.
struct replay_seek {
  int64_t to_ns = 0;
};

/// - set_speed: change the speed (> 0) from the current position on.
struct replay_set_speed {
  double speed = 1.0;
};

/// Sent to a broadcaster: its replay state. Reply: `replay_status`.
struct replay_query {};

/// Sent to a broadcaster: answered with `replay_status` once the replay is
/// finished or stopped (at once if it already is).
struct replay_await_end {};

/// Private: the broadcaster's wake-up for the record due at its time.
struct replay_tick {
  uint64_t generation = 0;
};

TROUPE_EMPTY_INSPECT(replay_start)
TROUPE_EMPTY_INSPECT(replay_pause)
TROUPE_EMPTY_INSPECT(replay_resume)
TROUPE_EMPTY_INSPECT(replay_toggle)
TROUPE_EMPTY_INSPECT(replay_step)
TROUPE_EMPTY_INSPECT(replay_stop)
TROUPE_EMPTY_INSPECT(replay_query)
TROUPE_EMPTY_INSPECT(replay_await_end)

#undef TROUPE_EMPTY_INSPECT

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, replay_burst& x) {
  return f(caf::meta::type_name("troupe::replay_burst"), x.count);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, replay_seek& x) {
  return f(caf::meta::type_name("troupe::replay_seek"), x.to_ns);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, replay_set_speed& x) {
  return f(caf::meta::type_name("troupe::replay_set_speed"), x.speed);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, replay_tick& x) {
  return f(caf::meta::type_name("troupe::replay_tick"), x.generation);
}

/// Percentiles of a lateness histogram, in nanoseconds (actual minus
/// scheduled time). Part of `replay_status`.
struct lateness_summary {
  uint64_t count = 0;
  int64_t p50 = 0;
  int64_t p90 = 0;
  int64_t p99 = 0;
  int64_t max = 0;
  /// How many were more than 1 ms late: a replay too fast for the machine
  /// keeps the order and shows here.
  uint64_t late = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lateness_summary& x) {
  return f(caf::meta::type_name("troupe::lateness_summary"), x.count, x.p50,
           x.p90, x.p99, x.max, x.late);
}

/// Reply of a broadcaster to `replay_query` and `replay_await_end`.
/// `state`: "unloaded", "idle", "waiting" (for the buffer), "running",
/// "paused", "finished", "stopped" or "failed" (`error` says why).
/// `position_ns`: log time reached. `published`: records published (each
/// once, whatever the subscriber count); `delivered`: replayed deliveries
/// acknowledged by agents; `filtered`: records no topic filter let through;
/// `dropped`: deliveries dropped for slow subscribers; `decode_failures`:
/// records a registered decoder refused. `topics`: records published per
/// (remapped) topic.
struct replay_status {
  std::string state = "unloaded";
  int64_t position_ns = 0;
  double speed = 1.0;
  uint64_t published = 0;
  uint64_t delivered = 0;
  uint64_t filtered = 0;
  uint64_t dropped = 0;
  uint64_t decode_failures = 0;
  uint64_t loops = 0;
  int64_t stall_ns = 0;
  std::map<std::string, uint64_t> topics;
  lateness_summary publish_lateness;
  lateness_summary delivery_lateness;
  std::string error;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, replay_status& x) {
  return f(caf::meta::type_name("troupe::replay_status"), x.state,
           x.position_ns, x.speed, x.published, x.delivered, x.filtered,
           x.dropped, x.decode_failures, x.loops, x.stall_ns, x.topics,
           x.publish_lateness, x.delivery_lateness, x.error);
}

// -- replayed deliveries ------------------------------------------------------

/// One replayed delivery inside a `replay_batch`: the header (topic and
/// scheduled time) and either the dynamic payload, or, when `decoded` is
/// not empty, the complete `(topic_header, payload...)` message (a decoded
/// user type, or a delivery shared by several subscribers).
struct replay_item {
  topic_header header;
  value payload;
  caf::message decoded;
  /// The record's log time (ns).
  int64_t elapsed_ns = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, replay_item& x) {
  return f(caf::meta::type_name("troupe::replay_item"), x.header, x.payload,
           x.decoded, x.elapsed_ns);
}

/// Sent by a broadcaster's replay to an agent subscribed to replayed
/// topics. The agent base dispatches every item to its topic handlers, in
/// order, as if it had arrived as `(topic_header, payload)`, and answers
/// the sender with one `replay_ack`; users never see this message. Batches
/// carry payloads without a message per record, which is what lets a
/// max-rate replay go faster than one mailbox operation per record.
///
/// `handed_ns`: when not 0, the steady-clock time (ns) at which the
/// replay's timing thread handed this batch over *ahead* of its items'
/// deadlines, by about the time a sleeping worker takes to pick it up. The
/// receiver then runs each item's handler at its deadline, not before
/// (`detail::replay_receipt`), and reports how long the hand-over took.
///
/// `ack_after`: the receiver may hold its acknowledgement back until it has
/// handled this many items from the sender, or until the sender asks with
/// `replay_flush` (0 or 1: acknowledge at once). A real-time replay sends
/// records one at a time; an acknowledgement for each would wake the
/// broadcaster for every record.
struct replay_batch {
  std::vector<replay_item> items;
  int64_t handed_ns = 0;
  uint32_t ack_after = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, replay_batch& x) {
  return f(caf::meta::type_name("troupe::replay_batch"), x.items, x.handed_ns,
           x.ack_after);
}

/// Sent by a broadcaster's replay to an agent or sink that may hold
/// acknowledgements back (`replay_batch::ack_after`), when the replay needs
/// them: to go on after a stall, or to end. The receiver sends what it
/// holds as one `replay_ack` (nothing if it holds nothing). No reply.
struct replay_flush {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, replay_flush&) {
  return f(caf::meta::type_name("troupe::replay_flush"));
}

/// Sent by an agent to the broadcaster that sent it a `replay_batch`, once
/// the batch is handled: returns `count` credits and the lateness of each
/// item at its handler (ns, actual minus scheduled). `spent`: the handled
/// `replay_batch` message itself (or empty), which the broadcaster passes
/// back to its buffer for reuse. `handoff_ns`: for each batch handed over
/// ahead of time (`replay_batch::handed_ns`), the time from the hand-over
/// to the batch reaching the receiver, from which the replay learns how far
/// ahead to hand over. One acknowledgement may cover several batches
/// (`replay_batch::ack_after`). No reply.
struct replay_ack {
  uint64_t count = 0;
  std::vector<int64_t> lateness_ns;
  caf::message spent;
  std::vector<int64_t> handoff_ns;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, replay_ack& x) {
  return f(caf::meta::type_name("troupe::replay_ack"), x.count, x.lateness_ns,
           x.spent, x.handoff_ns);
}

// -- sinks and recorders -----------------------------------------------------

/// Sent to a replay sink or a recorder: its counters. Reply: `sink_status`.
struct sink_query {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sink_query&) {
  return f(caf::meta::type_name("troupe::sink_query"));
}

/// Reply of a replay sink or recorder to `sink_query`: records taken,
/// per topic, the files written (recorders) and the first error, if any.
struct sink_status {
  uint64_t records = 0;
  std::map<std::string, uint64_t> topics;
  std::vector<std::string> files;
  std::string error;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sink_status& x) {
  return f(caf::meta::type_name("troupe::sink_status"), x.records, x.topics,
           x.files, x.error);
}

} // namespace troupe

CAF_BEGIN_TYPE_ID_BLOCK(troupe_replay, troupe::replay_first_type_id)

CAF_ADD_TYPE_ID(troupe_replay, (troupe::value))
CAF_ADD_TYPE_ID(troupe_replay, (troupe::record))
CAF_ADD_TYPE_ID(troupe_replay, (troupe::bad_record))
CAF_ADD_TYPE_ID(troupe_replay, (troupe::record_batch))
CAF_ADD_TYPE_ID(troupe_replay, (troupe::buffer_start))
CAF_ADD_TYPE_ID(troupe_replay, (troupe::buffer_stop))
CAF_ADD_TYPE_ID(troupe_replay, (troupe::buffer_reset))
CAF_ADD_TYPE_ID(troupe_replay, (troupe::buffer_pull))
CAF_ADD_TYPE_ID(troupe_replay, (troupe::buffer_query))
CAF_ADD_TYPE_ID(troupe_replay, (troupe::buffer_await_ready))
CAF_ADD_TYPE_ID(troupe_replay, (troupe::buffer_status))
CAF_ADD_TYPE_ID(troupe_replay, (troupe::buffer_fill))
CAF_ADD_TYPE_ID(troupe_replay, (troupe::buffer_timeout))
CAF_ADD_TYPE_ID(troupe_replay, (troupe::replay_options))
CAF_ADD_TYPE_ID(troupe_replay, (troupe::replay_load))
CAF_ADD_TYPE_ID(troupe_replay, (troupe::replay_start))
CAF_ADD_TYPE_ID(troupe_replay, (troupe::replay_pause))
CAF_ADD_TYPE_ID(troupe_replay, (troupe::replay_resume))
CAF_ADD_TYPE_ID(troupe_replay, (troupe::replay_toggle))
CAF_ADD_TYPE_ID(troupe_replay, (troupe::replay_step))
CAF_ADD_TYPE_ID(troupe_replay, (troupe::replay_stop))
CAF_ADD_TYPE_ID(troupe_replay, (troupe::replay_burst))
CAF_ADD_TYPE_ID(troupe_replay, (troupe::replay_seek))
CAF_ADD_TYPE_ID(troupe_replay, (troupe::replay_set_speed))
CAF_ADD_TYPE_ID(troupe_replay, (troupe::replay_query))
CAF_ADD_TYPE_ID(troupe_replay, (troupe::replay_await_end))
CAF_ADD_TYPE_ID(troupe_replay, (troupe::replay_tick))
CAF_ADD_TYPE_ID(troupe_replay, (troupe::lateness_summary))
CAF_ADD_TYPE_ID(troupe_replay, (troupe::replay_status))
CAF_ADD_TYPE_ID(troupe_replay, (troupe::replay_item))
CAF_ADD_TYPE_ID(troupe_replay, (troupe::replay_batch))
CAF_ADD_TYPE_ID(troupe_replay, (troupe::replay_ack))
CAF_ADD_TYPE_ID(troupe_replay, (troupe::replay_flush))
CAF_ADD_TYPE_ID(troupe_replay, (troupe::sink_query))
CAF_ADD_TYPE_ID(troupe_replay, (troupe::sink_status))

CAF_END_TYPE_ID_BLOCK(troupe_replay)
