#pragma once

// Messages of the experiment part: the experiment controller, the resource
// managers (one actor per resource) and the failure manager. Every request
// is its own struct, so that the typed interfaces in actors/ read as a list
// of what each actor understands.

#include <cstdint>
#include <string>
#include <vector>

#include "troupe/messages/core.hpp"

#include <caf/actor.hpp>
#include <caf/config_value.hpp>
#include <caf/dictionary.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/timespan.hpp>
#include <caf/type_id.hpp>

namespace troupe {

// -- enums --------------------------------------------------------------------

/// Life cycle of a resource. The numeric order matters: "reached S" means
/// "in S or any later state", so FAILED and RELEASED count as having reached
/// every state before them (as in NEPI).
enum class resource_state : uint8_t {
  new_ = 0,
  discovered,
  provisioned,
  ready,
  started,
  stopped,
  failed,
  released,
};

/// Number of `resource_state` values (size of every `times` vector).
constexpr size_t resource_state_count = 8;

/// "NEW", "DISCOVERED", ... as in experiment files and reports.
std::string to_string(resource_state x);

/// Parses "new", "ready", "STARTED", ... (any case). False if unknown.
bool from_string(const std::string& text, resource_state& out);

/// What the controller (or a condition or task) does to a resource.
enum class resource_action : uint8_t { deploy, start, stop, release };

/// "deploy", "start", "stop", "release".
std::string to_string(resource_action x);

/// Parses the lower-case action names. False if unknown.
bool from_string(const std::string& text, resource_action& out);

/// How far an experiment has failed (NEPI's FailureLevel). Only rises.
enum class failure_level : uint8_t {
  ok = 1,
  /// A critical resource failed: the experiment aborts.
  rm_failure = 2,
  /// The controller itself failed: it cannot shut down cleanly.
  ec_failure = 3,
};

/// "OK", "RM_FAILURE", "EC_FAILURE".
std::string to_string(failure_level x);

/// What the failure manager decided about one failure.
enum class failure_action : uint8_t {
  /// Non-critical: recorded, the rest of the experiment goes on.
  ignore,
  /// Critical: the experiment aborts.
  abort,
  /// Restart the resource after `failure_decision::delay`.
  restart,
};

/// "ignore", "abort", "restart".
std::string to_string(failure_action x);

/// Status of a tracked task (NEPI's TaskStatus).
enum class task_status : uint8_t { new_, done, error };

/// "NEW", "DONE", "ERROR".
std::string to_string(task_status x);

/// What `read_trace` returns (NEPI's TraceAttr).
enum class trace_query : uint8_t {
  /// The whole content.
  all,
  /// One block of `block` bytes, skipping `offset` blocks.
  stream,
  /// The path of the file holding the trace (empty without a run folder).
  path,
  /// The size in bytes (in `trace_data::size`).
  size,
};

// -- shared pieces ------------------------------------------------------------

/// Attributes of a resource: name -> value (bool, integer, real, string,
/// timespan or list).
using attributes = caf::dictionary<caf::config_value>;

/// Guids of resources. Guids start at 1; 0 means "none".
using guid_list = std::vector<uint64_t>;

/// Part of `add_resource` and `set_failure_policy`: restart a failed
/// resource at most `max_restarts` times, waiting `backoff`, then
/// `backoff * factor`, ... before each attempt.
struct restart_policy {
  uint32_t max_restarts = 0;
  caf::timespan backoff = caf::timespan{1000000000};
  double factor = 2.0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, restart_policy& x) {
  return f(caf::meta::type_name("troupe::restart_policy"), x.max_restarts,
           x.backoff, x.factor);
}

/// A resource another one is connected to, as its resource manager sees it.
struct resource_peer {
  uint64_t guid = 0;
  std::string name;
  std::string type;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, resource_peer& x) {
  return f(caf::meta::type_name("troupe::resource_peer"), x.guid, x.name,
           x.type);
}

// -- controller requests ------------------------------------------------------

/// Sent by users or `troupe run` to the controller: registers a resource of
/// a registered type. Reply: its guid (`uint64_t`). Errors: `not_found`
/// (unknown type), `unsupported` (type not part of this build),
/// `duplicate_name`, `invalid_config` (unknown attribute or wrong value
/// type). `node` places the resource on a node of the controller's cluster
/// (empty: in the controller's own process); then also `not_found` (no
/// such node connected, or the node lacks the type) and `unsupported` (the
/// controller has no cluster).
struct add_resource {
  std::string type;
  std::string name;
  attributes attrs;
  restart_policy restart;
  std::string node;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, add_resource& x) {
  return f(caf::meta::type_name("troupe::add_resource"), x.type, x.name,
           x.attrs, x.restart, x.node);
}

/// Sent to the controller: reply is the attribute's value
/// (`caf::config_value`). Error `not_found`.
struct get_attribute {
  uint64_t guid = 0;
  std::string name;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_attribute& x) {
  return f(caf::meta::type_name("troupe::get_attribute"), x.guid, x.name);
}

/// Sent to the controller (which forwards it to the resource manager):
/// sets an attribute. Reply: nothing. Errors `not_found`, `invalid_config`
/// (wrong value type).
struct set_attribute {
  uint64_t guid = 0;
  std::string name;
  caf::config_value value;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, set_attribute& x) {
  return f(caf::meta::type_name("troupe::set_attribute"), x.guid, x.name,
           x.value);
}

/// Sent to the controller: connects two resources (symmetric). Reply:
/// nothing. Errors `not_found`, `invalid_argument` (a resource with itself).
struct connect_resources {
  uint64_t a = 0;
  uint64_t b = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, connect_resources& x) {
  return f(caf::meta::type_name("troupe::connect_resources"), x.a, x.b);
}

/// Sent to the controller: "do `action` on `targets` `delay` after every
/// resource in `after` reached `state`". Reply: nothing. Error `not_found`.
struct add_condition {
  resource_action action = resource_action::start;
  guid_list targets;
  guid_list after;
  resource_state state = resource_state::started;
  caf::timespan delay{0};
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, add_condition& x) {
  return f(caf::meta::type_name("troupe::add_condition"), x.action, x.targets,
           x.after, x.state, x.delay);
}

/// Sent to the controller: removes `after` guids from the `action`
/// conditions of each target; a condition left with nothing to wait for
/// disappears. Reply: nothing. Error `not_found`.
struct remove_condition {
  resource_action action = resource_action::start;
  guid_list targets;
  guid_list after;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, remove_condition& x) {
  return f(caf::meta::type_name("troupe::remove_condition"), x.action,
           x.targets, x.after);
}

/// Sent to the controller: reply is the `action` conditions of `guid`
/// (`condition_list`). Error `not_found`.
struct get_conditions {
  uint64_t guid = 0;
  resource_action action = resource_action::start;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_conditions& x) {
  return f(caf::meta::type_name("troupe::get_conditions"), x.guid, x.action);
}

/// One condition, part of `condition_list`.
struct condition_info {
  guid_list after;
  resource_state state = resource_state::started;
  caf::timespan delay{0};
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, condition_info& x) {
  return f(caf::meta::type_name("troupe::condition_info"), x.after, x.state,
           x.delay);
}

/// Reply of the controller to `get_conditions`.
struct condition_list {
  std::vector<condition_info> conditions;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, condition_list& x) {
  return f(caf::meta::type_name("troupe::condition_list"), x.conditions);
}

/// Sent to the controller: deploys `guids` (empty: every NEW resource) as
/// a deploy group and starts each member once it is READY and its
/// conditions hold; with `wait_all_ready`, no member starts before every
/// member is READY. `group` 0 opens a new group, otherwise members join that
/// group. Reply: the group id (`uint64_t`). Errors `not_found`,
/// `wrong_state` (after abort or shutdown).
struct deploy_resources {
  guid_list guids;
  bool wait_all_ready = true;
  uint64_t group = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, deploy_resources& x) {
  return f(caf::meta::type_name("troupe::deploy_resources"), x.guids,
           x.wait_all_ready, x.group);
}

/// Sent to the controller by users, and by the controller to a resource
/// manager: performs one action now. Reply: nothing once accepted (the
/// state changes arrive as `resource_update`). Errors `not_found`,
/// `wrong_state` (start only from READY or STOPPED, stop only from STARTED,
/// deploy only from NEW, nothing after RELEASED); a refused action changes
/// nothing.
struct resource_command {
  resource_action action = resource_action::start;
  uint64_t guid = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, resource_command& x) {
  return f(caf::meta::type_name("troupe::resource_command"), x.action, x.guid);
}

/// Sent to the controller by users and by resource managers (whose hooks
/// wait for their peers): answered with nothing the moment every resource
/// in `guids` reached `state` (READY = deployed, STARTED = started, STOPPED =
/// finished, RELEASED = released). A FAILED resource whose failure is final
/// counts as having reached the state if it is not critical; a critical one
/// answers `aborted` naming it. Every wait but RELEASED answers `aborted`
/// when the experiment aborts; RELEASED answers early only when the
/// controller itself failed. `waiter` is the guid of a waiting resource (0
/// for users). Error `not_found`.
struct wait_for {
  resource_state state = resource_state::ready;
  guid_list guids;
  uint64_t waiter = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, wait_for& x) {
  return f(caf::meta::type_name("troupe::wait_for"), x.state, x.guids,
           x.waiter);
}

/// Sent to the controller: runs `action` on `guids` `delay` from now, on the
/// actor clock; equal times run in arrival order. Reply: the task id
/// (`uint64_t`). With `track`, `get_task` reports NEW, then DONE with its
/// result or ERROR with the error text; a failing task never stops the
/// controller.
struct schedule_task {
  caf::timespan delay{0};
  resource_action action = resource_action::start;
  guid_list guids;
  bool track = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, schedule_task& x) {
  return f(caf::meta::type_name("troupe::schedule_task"), x.delay, x.action,
           x.guids, x.track);
}

/// Sent to the controller: removes a task that has not run. Reply: nothing.
/// Error `not_found`.
struct cancel_task {
  uint64_t id = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cancel_task& x) {
  return f(caf::meta::type_name("troupe::cancel_task"), x.id);
}

/// Sent to the controller: reply is the tracked task's `task_info`.
/// Error `not_found` (unknown or untracked id).
struct get_task {
  uint64_t id = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_task& x) {
  return f(caf::meta::type_name("troupe::get_task"), x.id);
}

/// Reply of the controller to `get_task`. `ran_at_ns` is the actor-clock
/// time the task ran (0 while NEW); `run_order` counts the user tasks that
/// ran up to and including this one (0 while NEW).
struct task_info {
  uint64_t id = 0;
  task_status status = task_status::new_;
  std::string result;
  int64_t ran_at_ns = 0;
  uint64_t run_order = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_info& x) {
  return f(caf::meta::type_name("troupe::task_info"), x.id, x.status, x.result,
           x.ran_at_ns, x.run_order);
}

/// Sent to the controller: reply is the resource's `resource_info`.
/// Error `not_found`.
struct get_resource {
  uint64_t guid = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_resource& x) {
  return f(caf::meta::type_name("troupe::get_resource"), x.guid);
}

/// Reply of the controller to `get_resource`. `times_ns` holds, per
/// `resource_state`, the actor-clock time (ns) the resource last entered it,
/// -1 when never.
struct resource_info {
  uint64_t guid = 0;
  std::string name;
  std::string type;
  resource_state state = resource_state::new_;
  attributes attrs;
  guid_list connections;
  std::vector<int64_t> times_ns;
  std::string error;
  bool critical = true;
  uint32_t restarts = 0;
  /// The node it is placed on; empty: the controller's process.
  std::string node;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, resource_info& x) {
  return f(caf::meta::type_name("troupe::resource_info"), x.guid, x.name,
           x.type, x.state, x.attrs, x.connections, x.times_ns, x.error,
           x.critical, x.restarts, x.node);
}

/// Sent to the controller: reply is every registered resource
/// (`resource_list`), by guid.
struct list_resources {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, list_resources&) {
  return f(caf::meta::type_name("troupe::list_resources"));
}

/// Reply of the controller to `list_resources`.
struct resource_list {
  std::vector<resource_info> resources;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, resource_list& x) {
  return f(caf::meta::type_name("troupe::resource_list"), x.resources);
}

/// Sent to the controller (which asks the resource manager): reads a named
/// trace. Reply: `trace_data`. Error `not_found`.
struct read_trace {
  uint64_t guid = 0;
  std::string name;
  trace_query what = trace_query::all;
  uint64_t block = 512;
  uint64_t offset = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, read_trace& x) {
  return f(caf::meta::type_name("troupe::read_trace"), x.guid, x.name, x.what,
           x.block, x.offset);
}

/// Reply to `read_trace`: `text` holds the content, block or path; `size`
/// the trace's size in bytes.
struct trace_data {
  std::string text;
  uint64_t size = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, trace_data& x) {
  return f(caf::meta::type_name("troupe::trace_data"), x.text, x.size);
}

/// Sent to the controller (which asks the resource manager): reply is the
/// names of the resource's traces (`std::vector<std::string>`).
struct list_traces {
  uint64_t guid = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, list_traces& x) {
  return f(caf::meta::type_name("troupe::list_traces"), x.guid);
}

/// Sent to the controller when an experiment's planned duration is over:
/// pending tasks and conditions are dropped (nothing starts any more) and
/// every STARTED resource is stopped. Reply: nothing.
struct end_experiment {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, end_experiment&) {
  return f(caf::meta::type_name("troupe::end_experiment"));
}

/// Sent to the controller: drops pending tasks, releases every resource
/// (FAILED ones too) and removes `hard_release` ones from the registry.
/// Reply: nothing once all are RELEASED; error `aborted` when the
/// controller itself failed (it still releases what it can).
struct shutdown_experiment {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, shutdown_experiment&) {
  return f(caf::meta::type_name("troupe::shutdown_experiment"));
}

/// Sent by the failure manager to the controller: a critical failure ends
/// the experiment. Waits return `aborted`, the controller releases every
/// resource. No reply.
/// `level` is `ec_failure` when the controller itself failed.
struct abort_experiment {
  std::string reason;
  failure_level level = failure_level::rm_failure;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, abort_experiment& x) {
  return f(caf::meta::type_name("troupe::abort_experiment"), x.reason, x.level);
}

/// Sent by the controller to itself on the actor clock: the earliest
/// timed task is due. No reply.
struct task_due {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_due&) {
  return f(caf::meta::type_name("troupe::task_due"));
}

// -- resource manager protocol -----------------------------------------------

/// Sent by a resource manager to the controller whenever its state changes
/// (several changes in one step arrive as one update) or an action it had
/// accepted fails. `times_ns` as in `resource_info`. No reply.
struct resource_update {
  uint64_t guid = 0;
  resource_state state = resource_state::new_;
  std::vector<int64_t> times_ns;
  std::string error;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, resource_update& x) {
  return f(caf::meta::type_name("troupe::resource_update"), x.guid, x.state,
           x.times_ns, x.error);
}

/// Sent by the controller to a resource manager: a connection was added.
/// No reply.
struct peer_added {
  resource_peer peer;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_added& x) {
  return f(caf::meta::type_name("troupe::peer_added"), x.peer);
}

/// Sent by the controller to a FAILED resource manager before a restart:
/// back to NEW, times kept. Reply: nothing. Error `wrong_state` unless
/// FAILED.
struct reset_resource {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reset_resource&) {
  return f(caf::meta::type_name("troupe::reset_resource"));
}

/// Sent by the controller to a resource manager whose condition waits for a
/// critical resource that FAILED: the resource fails with `reason`. No
/// reply.
struct fail_resource {
  std::string reason;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fail_resource& x) {
  return f(caf::meta::type_name("troupe::fail_resource"), x.reason);
}

// -- failure manager ----------------------------------------------------------

/// Where a failure happened (RIOS WorkerErrorRecord): `kind` is "resource",
/// "agent", "node" or "controller".
struct failure_origin {
  std::string kind = "resource";
  uint64_t guid = 0;
  std::string name;
  std::string agent;
  std::string node = "local";
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, failure_origin& x) {
  return f(caf::meta::type_name("troupe::failure_origin"), x.kind, x.guid,
           x.name, x.agent, x.node);
}

/// Sent to the failure manager by the controller (a resource FAILED), by
/// agents (e.g. a critical alarm) or by nodes. Reply: `failure_decision`.
/// The failure manager alone applies the policy; when the report does not
/// come from the controller and the decision is `abort`, it tells the
/// controller itself.
struct failure_report {
  failure_origin origin;
  std::string code;
  std::string text;
  std::vector<std::string> trace;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, failure_report& x) {
  return f(caf::meta::type_name("troupe::failure_report"), x.origin, x.code,
           x.text, x.trace);
}

/// Renders a report as "Error in resource 'app' (guid 3) on node 'local':
/// code: text", followed by one line per trace line.
std::string to_string(const failure_report& x);

/// Reply of the failure manager to `failure_report`. `delay` is the back-off
/// before a restart; `attempt` counts restarts of that resource (1 = first).
struct failure_decision {
  failure_action action = failure_action::ignore;
  failure_level level = failure_level::ok;
  caf::timespan delay{0};
  uint32_t attempt = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, failure_decision& x) {
  return f(caf::meta::type_name("troupe::failure_decision"), x.action, x.level,
           x.delay, x.attempt);
}

/// Sent by the controller to the failure manager when a resource is
/// registered or its `critical` attribute changes. Reply: nothing.
struct set_failure_policy {
  uint64_t guid = 0;
  std::string name;
  bool critical = true;
  restart_policy restart;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, set_failure_policy& x) {
  return f(caf::meta::type_name("troupe::set_failure_policy"), x.guid, x.name,
           x.critical, x.restart);
}

/// Sent by the controller to its failure manager once, right after both
/// started: where abort decisions on reports from others go. No reply.
struct attach_controller {
  caf::actor controller;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, attach_controller& x) {
  return f(caf::meta::type_name("troupe::attach_controller"), x.controller);
}

/// Sent to the failure manager: reply is `failure_summary`.
struct get_failures {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_failures&) {
  return f(caf::meta::type_name("troupe::get_failures"));
}

/// One recorded failure with what was decided, part of `failure_summary`.
struct failure_record {
  failure_report report;
  failure_decision decision;
  int64_t at_ns = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, failure_record& x) {
  return f(caf::meta::type_name("troupe::failure_record"), x.report, x.decision,
           x.at_ns);
}

/// Reply of the failure manager to `get_failures`.
struct failure_summary {
  failure_level level = failure_level::ok;
  std::vector<failure_record> records;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, failure_summary& x) {
  return f(caf::meta::type_name("troupe::failure_summary"), x.level, x.records);
}

// -- report -------------------------------------------------------------------

/// One named interval of the run (RIOS Timers), part of `experiment_report`.
struct timer_summary {
  std::string name;
  uint64_t n = 0;
  double total_s = 0;
  double min_s = 0;
  double p25_s = 0;
  double median_s = 0;
  double p75_s = 0;
  double max_s = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, timer_summary& x) {
  return f(caf::meta::type_name("troupe::timer_summary"), x.name, x.n,
           x.total_s, x.min_s, x.p25_s, x.median_s, x.p75_s, x.max_s);
}

/// Sent to the controller: reply is `experiment_report`.
struct get_report {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_report&) {
  return f(caf::meta::type_name("troupe::get_report"));
}

/// Reply of the controller to `get_report`. `state` is "running",
/// "finished", "aborted" or "failed"; `start_ns` the actor-clock time of the
/// first deploy (times in `resources` are relative to it when rendered).
struct experiment_report {
  std::string exp_id;
  std::string run_id;
  std::string state;
  failure_level level = failure_level::ok;
  std::string reason;
  int64_t start_ns = 0;
  std::vector<resource_info> resources;
  std::vector<timer_summary> timers;
  std::vector<failure_record> failures;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, experiment_report& x) {
  return f(caf::meta::type_name("troupe::experiment_report"), x.exp_id,
           x.run_id, x.state, x.level, x.reason, x.start_ns, x.resources,
           x.timers, x.failures);
}

// -- built-in resource types
// ---------------------------------------------------

/// Sent by the process supervisor's thread to a `process` resource: a chunk
/// of the child's stdout (`kind` 0) or stderr (1), or its exit (2, with
/// `status`: the exit code or minus the signal). `child` is the resource's
/// run number (one per start). No reply.
struct process_output {
  uint64_t child = 0;
  uint8_t kind = 0;
  std::string data;
  int32_t status = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, process_output& x) {
  return f(caf::meta::type_name("troupe::process_output"), x.child, x.kind,
           x.data, x.status);
}

/// Sent by a `process` resource to itself `stop_timeout` after a stop: the
/// child of run `child` is killed if it still runs. No reply.
struct process_kill {
  uint64_t child = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, process_kill& x) {
  return f(caf::meta::type_name("troupe::process_kill"), x.child);
}

// -- built-in agents ----------------------------------------------------------

/// Sent by the `topic_stats` agent to itself every `interval`. No reply.
struct stats_tick {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stats_tick&) {
  return f(caf::meta::type_name("troupe::stats_tick"));
}

/// Published by the `threshold_alarm` agent on its alarm topic when a
/// watched value leaves its bounds (`active`) and when it comes back.
struct alarm_event {
  std::string source;
  std::string topic;
  double value = 0;
  double limit = 0;
  bool above = false;
  bool active = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, alarm_event& x) {
  return f(caf::meta::type_name("troupe::alarm_event"), x.source, x.topic,
           x.value, x.limit, x.above, x.active);
}

} // namespace troupe

CAF_BEGIN_TYPE_ID_BLOCK(troupe_experiment, troupe::experiment_first_type_id)

CAF_ADD_TYPE_ID(troupe_experiment, (troupe::add_resource))
CAF_ADD_TYPE_ID(troupe_experiment, (troupe::get_attribute))
CAF_ADD_TYPE_ID(troupe_experiment, (troupe::set_attribute))
CAF_ADD_TYPE_ID(troupe_experiment, (troupe::connect_resources))
CAF_ADD_TYPE_ID(troupe_experiment, (troupe::add_condition))
CAF_ADD_TYPE_ID(troupe_experiment, (troupe::remove_condition))
CAF_ADD_TYPE_ID(troupe_experiment, (troupe::get_conditions))
CAF_ADD_TYPE_ID(troupe_experiment, (troupe::condition_list))
CAF_ADD_TYPE_ID(troupe_experiment, (troupe::deploy_resources))
CAF_ADD_TYPE_ID(troupe_experiment, (troupe::resource_command))
CAF_ADD_TYPE_ID(troupe_experiment, (troupe::wait_for))
CAF_ADD_TYPE_ID(troupe_experiment, (troupe::schedule_task))
CAF_ADD_TYPE_ID(troupe_experiment, (troupe::cancel_task))
CAF_ADD_TYPE_ID(troupe_experiment, (troupe::get_task))
CAF_ADD_TYPE_ID(troupe_experiment, (troupe::task_info))
CAF_ADD_TYPE_ID(troupe_experiment, (troupe::get_resource))
CAF_ADD_TYPE_ID(troupe_experiment, (troupe::resource_info))
CAF_ADD_TYPE_ID(troupe_experiment, (troupe::list_resources))
CAF_ADD_TYPE_ID(troupe_experiment, (troupe::resource_list))
CAF_ADD_TYPE_ID(troupe_experiment, (troupe::read_trace))
CAF_ADD_TYPE_ID(troupe_experiment, (troupe::trace_data))
CAF_ADD_TYPE_ID(troupe_experiment, (troupe::list_traces))
CAF_ADD_TYPE_ID(troupe_experiment, (troupe::end_experiment))
CAF_ADD_TYPE_ID(troupe_experiment, (troupe::shutdown_experiment))
CAF_ADD_TYPE_ID(troupe_experiment, (troupe::abort_experiment))
CAF_ADD_TYPE_ID(troupe_experiment, (troupe::task_due))
CAF_ADD_TYPE_ID(troupe_experiment, (troupe::resource_update))
CAF_ADD_TYPE_ID(troupe_experiment, (troupe::peer_added))
CAF_ADD_TYPE_ID(troupe_experiment, (troupe::reset_resource))
CAF_ADD_TYPE_ID(troupe_experiment, (troupe::fail_resource))
CAF_ADD_TYPE_ID(troupe_experiment, (troupe::failure_report))
CAF_ADD_TYPE_ID(troupe_experiment, (troupe::failure_decision))
CAF_ADD_TYPE_ID(troupe_experiment, (troupe::set_failure_policy))
CAF_ADD_TYPE_ID(troupe_experiment, (troupe::attach_controller))
CAF_ADD_TYPE_ID(troupe_experiment, (troupe::get_failures))
CAF_ADD_TYPE_ID(troupe_experiment, (troupe::failure_summary))
CAF_ADD_TYPE_ID(troupe_experiment, (troupe::get_report))
CAF_ADD_TYPE_ID(troupe_experiment, (troupe::experiment_report))
CAF_ADD_TYPE_ID(troupe_experiment, (troupe::process_output))
CAF_ADD_TYPE_ID(troupe_experiment, (troupe::process_kill))
CAF_ADD_TYPE_ID(troupe_experiment, (troupe::stats_tick))
CAF_ADD_TYPE_ID(troupe_experiment, (troupe::alarm_event))

CAF_END_TYPE_ID_BLOCK(troupe_experiment)
