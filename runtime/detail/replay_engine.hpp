#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <unordered_map>
#include <vector>

#include "troupe/messages/replay.hpp"
#include "troupe/runtime/decoders.hpp"
#include "troupe/runtime/detail/handover.hpp"
#include "troupe/runtime/detail/lateness_histogram.hpp"
#include "troupe/runtime/detail/timing_thread.hpp"
#include "troupe/runtime/detail/topic_table.hpp"

#include <caf/actor_clock.hpp>
#include <caf/actor_control_block.hpp>
#include <caf/error.hpp>
#include <caf/execution_unit.hpp>
#include <caf/typed_response_promise.hpp>

namespace troupe::detail {

struct runtime_state;

/// What the replay engine needs from the actor that hosts it (the
/// broadcaster): its clock, timers, and the buffer conversation. Every
/// callback into the engine carries the generation it was started with;
/// the engine ignores answers from an older generation (after a seek, stop
/// or loop).
class replay_host {
public:
  using time_point = caf::actor_clock::time_point;

  virtual ~replay_host();

  virtual time_point now() = 0;

  /// Deliver `replay_tick{generation}` to the host at `t`.
  virtual void wake_at(time_point t, uint64_t generation) = 0;

  /// Ask the buffer for up to `n` records -> `on_records` / `on_error`,
  /// handing it `spent` batches to reuse (see `buffer_pull`).
  virtual void pull(uint32_t n, uint64_t generation,
                    std::vector<caf::message> spent)
      = 0;

  /// Start the buffer (after a reset when `rewind`) and wait until it is
  /// ready -> `on_ready` / `on_error`.
  virtual void prepare(bool rewind, uint64_t generation) = 0;

  /// Reset the buffer (stop: rewind to the start).
  virtual void reset() = 0;

  /// Ask the host to call `on_tick` soon (from another thread).
  virtual std::function<void()> waker() = 0;

  /// Call `replay_engine::forget` when `who` (a subscriber the replay
  /// delivers to) exits.
  virtual void watch(const caf::actor& who) = 0;

  virtual const caf::strong_actor_ptr& self() = 0;

  virtual caf::execution_unit* context() = 0;

  virtual runtime_state& shared() = 0;
};

/// The broadcaster's timed replay: publishes each record at
/// `origin + (elapsed - origin_elapsed) / speed`, from one (record time,
/// clock time) reference re-taken on pause, speed change, seek and stall,
/// so long replays do not drift. Under the test scheduler everything runs on
/// the actor clock and is exact; in real runs the precise timing thread
/// fires the deliveries.
class replay_engine {
public:
  using time_point = caf::actor_clock::time_point;

  enum class phase {
    unloaded,
    idle,
    waiting,
    running,
    paused,
    finished,
    stopped,
    failed,
  };

  explicit replay_engine(replay_host& host);

  ~replay_engine();

  /// Replaces any replay. Error `invalid_argument` naming a bad option.
  caf::error load(replay_options opts, bool precise_allowed);

  bool loaded() const noexcept { return phase_ != phase::unloaded; }

  // -- controls (see messages/replay.hpp) ------------------------------------

  caf::expected<bool> start();
  caf::expected<bool> pause();
  caf::expected<bool> resume();
  caf::expected<bool> toggle();
  caf::expected<bool> step();
  caf::expected<bool> burst(uint32_t n);
  caf::expected<bool> seek(int64_t to_ns);
  caf::expected<bool> set_speed(double speed);
  caf::expected<bool> stop();

  replay_status status() const;

  /// Answers `promise` once finished or stopped (at once if already).
  void await_end(caf::typed_response_promise<replay_status> promise);

  // -- events from the host --------------------------------------------------

  void on_tick(uint64_t generation);
  void on_records(uint64_t generation, record_batch batch);
  void on_ready(uint64_t generation);
  void on_error(uint64_t generation, const caf::error& err);
  /// Takes the credit and the spent batch of `ack`.
  void on_ack(const caf::actor_addr& from, replay_ack& ack);

  /// A subscriber exited: what it had not acknowledged is gone with it.
  void forget(const caf::actor_addr& who);

private:
  struct subscriber {
    uint64_t in_flight = 0;
    bool is_agent = false;
    /// Was sent batches it may acknowledge late (`replay_batch::ack_after`);
    /// only such a subscriber is asked for them (`replay_flush`), so a tap
    /// that never holds acknowledgements back needs no handler for it.
    bool may_hold = false;
    /// Asked for its held-back acknowledgements, and no acknowledgement
    /// came since.
    bool flush_asked = false;
    caf::actor handle;
    std::vector<replay_item> batch;
  };

  /// Where a record goes: its topic after filters and remaps.
  struct route {
    bool pass = false;
    std::string name;
    std::shared_ptr<const decoder_table::erased> decoder;
    uint64_t decoder_version = 0;
  };

  // -- scheduling -------------------------------------------------------------

  void pump();
  bool precise() const noexcept { return handover_ != nullptr; }
  time_point due_of(const record& rec) const;
  int64_t log_time_at(time_point t) const;
  void retake_reference(int64_t log_ns, time_point at);
  void arm(time_point t);
  void maybe_pull();
  void end_of_log();
  void finish(phase how);
  void restart_buffer(phase then, bool rewind);
  void next_generation();
  void take_back_handed();
  void settle_fired();
  void publish_clock(time_point now);

  // -- publishing -------------------------------------------------------------

  const route& route_of(const record& rec);
  bool accept(const record& rec);
  /// Delivers `rec` due at `due` (now or through the timing thread). False
  /// when a subscriber has no credit and the policy is to wait.
  bool publish(record& rec, time_point due, time_point now);
  /// Whether a record due at `due` goes through the timing thread rather
  /// than straight from this actor: it is due later, or records handed to
  /// the timing thread before it have not all fired yet (receivers get
  /// records in log order).
  bool goes_to_timer(time_point due, time_point now);
  subscriber& subscriber_of(const caf::actor& who);
  void flush();
  void answer_waiters();
  uint64_t total_in_flight() const;
  /// Sends `replay_flush` to each subscriber holding acknowledgements the
  /// replay waits for: blocked ones (`blocked_only`) or all with credit out.
  void ask_for_acks(bool blocked_only);

  replay_host& host_;
  replay_options opts_;
  phase phase_ = phase::unloaded;
  std::string error_;
  std::optional<std::regex> include_;
  std::optional<std::regex> exclude_;
  std::map<std::string, std::string> remaps_;
  std::unordered_map<std::string, route> routes_;
  topic_cache topics_;
  std::unordered_map<caf::actor_addr, subscriber> subscribers_;
  // Scratch lists of one publish (kept to avoid allocating per record).
  std::vector<subscriber*> agents_;
  std::vector<subscriber*> others_;
  std::vector<caf::actor> agent_handles_;
  std::vector<caf::actor> other_handles_;
  /// The tap (see `replay_options::tap`), acknowledged like an agent.
  subscriber* tap_ = nullptr;
  std::deque<record> queue_;
  /// Items per replay_batch at most.
  size_t batch_limit_ = 64;
  /// Handled batches on their way back to the buffer (next pull).
  std::vector<caf::message> spent_;
  bool exhausted_ = false;
  bool pull_in_flight_ = false;
  uint64_t generation_ = 1;
  // The reference: log time `ref_log_` is due at `ref_time_`.
  bool have_reference_ = false;
  int64_t ref_log_ = 0;
  time_point ref_time_;
  double speed_ = 1.0;
  time_point paused_at_;
  int64_t paused_log_ = 0;
  std::optional<time_point> armed_;
  std::optional<time_point> stalled_since_;
  int64_t stall_ns_ = 0;
  // Where the replay starts and ends in log time.
  std::optional<int64_t> start_point_;
  int64_t skip_before_ = no_time;
  int64_t last_published_log_ = 0;
  int64_t last_fired_log_ = 0;
  uint32_t burst_left_ = 0;
  time_point next_clock_;
  // Counters.
  uint64_t published_ = 0;
  uint64_t delivered_ = 0;
  uint64_t filtered_ = 0;
  uint64_t dropped_ = 0;
  uint64_t decode_failures_ = 0;
  uint64_t loops_ = 0;
  bool pending_delay_ = false;
  bool paused_log_valid_ = false;
  phase resume_to_ = phase::running;
  caf::error failure_;
  std::map<std::string, uint64_t> topic_counts_;
  lateness_histogram publish_lateness_;
  lateness_histogram delivery_lateness_;
  std::vector<caf::typed_response_promise<replay_status>> end_waiters_;
  /// The precise path: records handed to the timing thread.
  std::unique_ptr<handover> handover_;
};

std::string to_string(replay_engine::phase x);

} // namespace troupe::detail
