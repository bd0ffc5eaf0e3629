#pragma once

// The controller's state. Internal: split from controller.cpp so that the
// flow (actions, conditions, groups, waits, tasks, failures) reads apart
// from the registry of resources.

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include "troupe/actors/controller.hpp"
#include "troupe/actors/failure_manager.hpp"
#include "troupe/messages/experiment.hpp"
#include "troupe/runtime/experiment/registry.hpp"
#include "troupe/runtime/experiment/timers.hpp"

#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace troupe::detail {

/// The actions a condition can hold back (deploy, start, stop).
constexpr size_t conditional_actions = 3;

struct condition {
  guid_list after;
  resource_state state = resource_state::started;
  caf::timespan delay{0};
};

/// The controller's view of one resource. The resource manager is the
/// authority on state and times; the controller mirrors its updates.
struct resource_entry {
  uint64_t guid = 0;
  std::string name;
  std::string type;
  /// The node hosting the resource manager; empty: this process.
  std::string node;
  caf::actor rm;
  resource_state state = resource_state::new_;
  std::vector<int64_t> times;
  /// Placed resources: the times as the node's clock gave them.
  std::vector<int64_t> remote_times;
  std::string error;
  attributes attrs;
  guid_list connections;
  restart_policy restart;
  bool critical = true;
  bool hard_release = false;
  /// Left the registry (hard release): kept only so that guids in
  /// conditions and waits still resolve.
  bool removed = false;
  uint64_t group = 0;
  /// FAILED and the failure manager has not decided yet, or a restart is
  /// scheduled: the failure is not final.
  bool failure_open = false;
  uint32_t restarts = 0;
  /// Counted in its group as READY (or past it).
  bool counted_ready = false;
  /// A start was sent and no update came back yet.
  bool start_in_flight = false;
  /// Per conditional action: the conditions and whether the action waits.
  std::array<std::vector<condition>, conditional_actions> conditions;
  std::array<bool, conditional_actions> pending{};
  /// Actor-clock time (ns) each action was last sent, -1 if never.
  std::array<int64_t, 4> sent_ns{{-1, -1, -1, -1}};
};

struct group_entry {
  guid_list members;
  bool wait_all_ready = true;
  /// Members not yet READY (or past it); the group starts at zero.
  size_t not_ready = 0;
  bool started = false;
};

struct wait_entry {
  resource_state target = resource_state::ready;
  guid_list guids;
  /// Every guid before this index is known to have reached the target.
  size_t next = 0;
  uint64_t waiter = 0;
  caf::response_promise rp;
};

enum class task_kind : uint8_t {
  /// A user's `schedule_task`.
  user,
  /// Re-check a pending action once its delay is over.
  pending_action,
  /// Restart a FAILED resource after its back-off.
  restart,
};

struct task_entry {
  uint64_t id = 0;
  int64_t due_ns = 0;
  task_kind kind = task_kind::user;
  resource_action action = resource_action::start;
  guid_list guids;
  bool track = false;
  /// For restarts: which attempt this is.
  uint32_t attempt = 0;
  task_info info;
};

/// A heap slot: due time, then arrival order.
struct task_slot {
  int64_t due_ns;
  uint64_t seq;
  uint64_t id;

  bool operator>(const task_slot& other) const noexcept {
    return due_ns != other.due_ns ? due_ns > other.due_ns : seq > other.seq;
  }
};

/// Something waiting for a resource's next update.
struct watch {
  /// A wait (`id` is its key) or a pending action of resource `id`.
  bool is_wait = true;
  uint64_t id = 0;
  resource_action action = resource_action::start;
};

enum class reach : uint8_t { no, yes, failed_critical };

class controller_state {
public:
  using self_pointer = controller_actor::stateful_pointer<controller_state>;

  static inline const char* name = "troupe.controller";

  void init(self_pointer self, runtime* rt, experiment_options opts,
            failure_manager_actor failures);

  // -- registry (controller.cpp) --------------------------------------------

  caf::result<uint64_t> add(add_resource& x);

  caf::result<caf::config_value> get(const get_attribute& x);

  caf::result<void> set(set_attribute& x);

  caf::result<void> connect(const connect_resources& x);

  caf::result<void> add_cond(const add_condition& x);

  caf::result<void> remove_cond(const remove_condition& x);

  caf::result<condition_list> conditions(const get_conditions& x);

  caf::result<resource_info> info(uint64_t guid);

  resource_list list();

  caf::result<experiment_report> report();

  // -- flow (controller_flow.cpp) -------------------------------------------

  caf::result<uint64_t> deploy(const deploy_resources& x);

  caf::result<void> command(const resource_command& x);

  caf::result<void> wait(wait_for& x);

  caf::result<uint64_t> schedule(schedule_task& x);

  caf::result<void> cancel(const cancel_task& x);

  caf::result<task_info> task(const get_task& x);

  void on_update(resource_update& x);

  void on_task_due();

  void on_abort(const abort_experiment& x);

  void on_rm_down(const caf::down_msg& x);

  // -- placement on nodes (controller_placement.cpp) ------------------------

  /// Registers a resource whose manager runs on node `x.node`: the guid is
  /// reserved at once, the entry made when the node answers.
  caf::result<uint64_t> add_placed(add_resource& x, uint64_t guid);

  /// Every resource on the lost node FAILED with `errc::node_lost`.
  void on_node_lost(const node_lost& x);

  /// Spawns the manager of a placed resource whose node was lost again on
  /// that node (a restart); a node that is not back fails it anew.
  void redeploy(resource_entry& e, uint32_t attempt);

  /// Takes the times of a placed resource's update on this clock.
  void stamp_remote_times(resource_entry& e, std::vector<int64_t> remote);

  caf::result<void> end();

  caf::result<void> shutdown();

  /// Reports a failure of the controller itself to the failure manager.
  void fail_controller(const std::string& why);

  // -- helpers shared by both files -----------------------------------------

  resource_entry* find(uint64_t guid);

  caf::error not_found(uint64_t guid) const;

  int64_t now_ns() const;

  /// "'name' (guid N)" for messages.
  std::string label(const resource_entry& e) const;

  /// A new entry for a registered resource managed by `rm`.
  std::unique_ptr<resource_entry> make_entry(uint64_t guid, add_resource& x,
                                             caf::actor rm);

  /// A FAILED resource restarts: back to the deploy (and start) it had.
  void resume_after_restart(resource_entry& e, uint32_t attempt);

  self_pointer self = nullptr;
  runtime* rt = nullptr;
  experiment_options opts;
  failure_manager_actor failures;
  /// Indexed by guid - 1; null once a hard-released resource left.
  std::vector<std::unique_ptr<resource_entry>> entries;
  std::unordered_map<std::string, uint64_t> names;
  std::unordered_map<uint64_t, group_entry> groups;
  uint64_t next_group = 1;
  std::unordered_map<uint64_t, wait_entry> waits;
  uint64_t next_wait = 1;
  std::unordered_map<uint64_t, std::vector<watch>> watchers;
  std::unordered_map<uint64_t, task_entry> tasks;
  std::priority_queue<task_slot, std::vector<task_slot>, std::greater<>> heap;
  uint64_t next_task = 1;
  /// User tasks run so far.
  uint64_t tasks_run = 0;
  uint64_t next_seq = 0;
  /// The earliest time a `task_due` is on its way for (-1: none).
  int64_t armed_ns = -1;
  run_timers timers;
  int64_t start_ns = -1;
  bool aborted = false;
  bool failed = false;
  bool ended = false;
  bool releasing = false;
  /// Entries before this index are known to be released.
  size_t release_cursor = 0;
  std::string reason;
  std::vector<caf::response_promise> shutdown_waiters;

private:
  // -- flow internals (controller_flow.cpp) ---------------------------------

  void request_action(resource_entry& e, resource_action a);

  void evaluate(uint64_t guid, resource_action a);

  void perform(resource_entry& e, resource_action a);

  void count_ready(resource_entry& e);

  void start_group(group_entry& g);

  reach reached(const resource_entry& e, resource_state target) const;

  int64_t reach_time(const resource_entry& e, resource_state target) const;

  void add_watch(uint64_t guid, watch w);

  void fire_watchers(uint64_t guid);

  /// Re-checks a wait; true when it was answered.
  bool evaluate_wait(uint64_t id);

  void push_task(task_entry entry);

  void arm();

  void run_task(task_entry& t);

  /// Reports `e`'s failure to the failure manager (`code`: "resource_failed"
  /// or "node_lost").
  void on_failure(resource_entry& e,
                  const std::string& code = "resource_failed");

  void on_decision(uint64_t guid, const failure_decision& d);

  void restart(resource_entry& e, uint32_t attempt);

  /// Drops pending actions and every task but restarts.
  void drop_pending();

  void release_all();

  void check_released();

  void record_timers(const resource_entry& e, resource_state prev);

  bool finished(const resource_entry& e) const;
};

using controller_pointer = controller_state::self_pointer;

} // namespace troupe::detail
