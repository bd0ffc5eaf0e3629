#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "troupe/actors/monitor.hpp"
#include "troupe/messages/monitor.hpp"
#include "troupe/runtime/monitor/detail/calendar.hpp"
#include "troupe/runtime/monitor/detail/point_tree.hpp"
#include "troupe/runtime/monitor/detail/task_pool.hpp"
#include "troupe/runtime/monitor/poll.hpp"

#include <caf/actor.hpp>
#include <caf/actor_clock.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/expected.hpp>

namespace troupe::detail {

/// A poll on its way to a worker.
struct poll_job {
  poll_ptr fn;
  uint32_t source = 0;
  uint32_t generation = 0;
};

/// The points of one registration and how they are polled.
struct poll_source {
  uint32_t generation = 0;
  bool used = false;
  /// Null for pushed points.
  poll_ptr fn;
  point_options options;
  /// Time between the end of a poll and the next (the tick for dt = 0).
  caf::timespan period{0};
  /// Zero: never stale.
  caf::timespan stale_after{0};
  /// The points fed, in the poll's order (family: current members).
  std::vector<node_id> points;
  /// For a family: the parent its members live under.
  node_id family_parent = no_node;
  bool in_flight = false;
  /// A one-shot poll that has completed.
  bool done = false;
  caf::actor_clock::time_point due{};
  /// The last failure text, so repeated failures are logged once.
  std::string last_error;
  /// "'a', 'b'" for log lines.
  std::string label;
  /// Family names refused so far (each is logged once).
  std::vector<std::string> refused;
};

/// Everything the monitor actor knows and does, apart from receiving
/// messages: registration, scheduling, applying poll results, roll-up,
/// staleness, subscribers, callbacks, logging and critical reports. Runs in
/// the actor's context only; `self` sends, sets timers and hosts request
/// polls.
class monitor_core {
public:
  using time_point = caf::actor_clock::time_point;

  monitor_core(caf::event_based_actor* self, monitor_config cfg);

  ~monitor_core();

  monitor_core(const monitor_core&) = delete;

  monitor_core& operator=(const monitor_core&) = delete;

  // -- registration -----------------------------------------------------------

  caf::error add(point_spec spec);

  caf::error add_group(const std::string& name, const std::string& parent);

  caf::expected<std::vector<std::string>> remove(const std::string& name);

  caf::error push(const std::string& name, reading value);

  caf::error push(std::vector<named_reading> values);

  // -- queries ----------------------------------------------------------------

  caf::expected<point_info> lookup(const std::string& name) const;

  monitor_snapshot snapshot() const;

  // -- listeners --------------------------------------------------------------

  caf::error subscribe(const std::string& subtree, const caf::actor& who);

  caf::error unsubscribe(const caf::actor_addr& who);

  caf::expected<uint64_t> add_callback(update_callback cb);

  caf::error remove_callback(uint64_t id);

  void set_failure_handler(caf::actor handler) {
    failure_handler_ = std::move(handler);
  }

  // -- control ----------------------------------------------------------------

  bool start();

  bool stop();

  bool running() const noexcept { return running_; }

  /// The timer fired.
  void on_timer();

  /// Workers or promises left results in the inbox.
  void on_polled();

  /// The actor exits: no more polls, threads released.
  void shut_down();

private:
  /// Stops the poll workers, waiting `shutdown_grace` for busy ones.
  void stop_pool();

  // -- registration helpers ---------------------------------------------------

  caf::error check_spec(const point_spec& spec, caf::timespan& period,
                        caf::timespan& stale_after) const;

  caf::expected<node_id> resolve_parent(const std::string& parent);

  uint32_t allocate_source();

  void release_source(uint32_t index);

  void remove_point(node_id id);

  // -- polling ----------------------------------------------------------------

  void dispatch(uint32_t index);

  /// Polls that may still start in the current dispatch window.
  size_t dispatch_budget();

  void flush_jobs();

  void run_inline(poll_job& job);

  void apply(uint32_t index, poll_result& result);

  void apply_family(poll_source& src, uint32_t index, poll_result& result);

  void fail_all(poll_source& src, const std::string& text);

  void update(node_id id, reading value, std::string error);

  void schedule_next(uint32_t index);

  void check_stale(node_id id, uint32_t generation);

  void watch_stale(node_id id);

  void arm_timer();

  // -- listeners and reports --------------------------------------------------

  bool has_listeners() const noexcept {
    return !subscribers_.empty() || !callbacks_.empty();
  }

  void notify(node_id id);

  /// Sends every subscriber what this message's work produced for it.
  void flush_updates();

  caf::error push_one(const std::string& name, reading value);

  void run_callbacks(const point_update& upd, node_id id);

  point_update make_update(node_id id) const;

  point_info make_info(node_id id) const;

  void log_changes(node_id id, const point_value& old_value,
                   alert_level old_alert, const poll_source& src);

  int64_t to_ns(time_point t) const noexcept {
    return t.time_since_epoch().count();
  }

  /// One subscribing actor with the subtrees it asked for: an update in
  /// several of them still reaches it once.
  struct subscriber_entry {
    caf::actor who;
    /// Subtree roots and their generations (`root_node` = everything).
    std::vector<std::pair<node_id, uint32_t>> subtrees;
    std::vector<point_update> pending;
  };

  struct callback_entry {
    uint64_t id = 0;
    node_id subtree = root_node;
    uint32_t subtree_generation = 0;
    update_callback cb;
    uint64_t failures = 0;
    std::string last_failure;
  };

  caf::event_based_actor* self_;
  monitor_config cfg_;
  bool running_ = false;
  /// The actor clock when the current message arrived: everything one
  /// message changes happens at one instant.
  time_point now_{};
  /// End of the current dispatch window and the polls started in it.
  time_point window_end_{};
  size_t window_dispatched_ = 0;
  point_tree tree_;
  std::vector<poll_source> sources_;
  std::vector<uint32_t> free_sources_;
  calendar<std::pair<uint32_t, uint32_t>> polls_;
  calendar<std::pair<node_id, uint32_t>> stale_;
  std::optional<time_point> armed_;
  std::shared_ptr<poll_inbox> inbox_;
  std::unique_ptr<task_pool<poll_job>> pool_;
  std::vector<poll_job> jobs_;
  std::vector<poll_outcome> outcomes_;
  std::vector<std::pair<uint32_t, uint32_t>> due_polls_;
  std::vector<std::pair<node_id, uint32_t>> due_stale_;
  std::vector<subscriber_entry> subscribers_;
  std::vector<callback_entry> callbacks_;
  uint64_t next_callback_id_ = 1;
  caf::actor failure_handler_;
};

} // namespace troupe::detail
