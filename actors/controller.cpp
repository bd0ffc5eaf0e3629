#include "troupe/actors/controller.hpp"

#include <algorithm>
#include <ctime>
#include <random>

#include "troupe/actors/detail/controller_state.hpp"
#include "troupe/actors/resource.hpp"
#include "troupe/runtime/log.hpp"
#include "troupe/runtime/runtime.hpp"

#include <caf/send.hpp>

namespace troupe {

std::string make_experiment_id() {
  std::random_device rd;
  std::mt19937_64 gen{(static_cast<uint64_t>(rd()) << 32) ^ rd()};
  char buf[32];
  std::snprintf(buf, sizeof(buf), "exp-%016llx",
                static_cast<unsigned long long>(gen()));
  return buf;
}

std::string make_run_id() {
  auto now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H-%M-%SZ", &tm);
  return buf;
}

namespace detail {

// -- set-up -------------------------------------------------------------------

void controller_state::init(self_pointer ptr, runtime* owner,
                            experiment_options options,
                            failure_manager_actor fm) {
  self = ptr;
  rt = owner;
  opts = std::move(options);
  failures = std::move(fm);
  if (opts.exp_id.empty())
    opts.exp_id = make_experiment_id();
  if (opts.run_id.empty())
    opts.run_id = make_run_id();
  if (!opts.types)
    opts.types = std::make_shared<const registry>(registry::with_builtins());
}

resource_entry* controller_state::find(uint64_t guid) {
  if (guid == 0 || guid > entries.size())
    return nullptr;
  return entries[guid - 1].get();
}

caf::error controller_state::not_found(uint64_t guid) const {
  return make_error(errc::not_found,
                    "no resource with guid " + std::to_string(guid));
}

int64_t controller_state::now_ns() const {
  return self->clock().now().time_since_epoch().count();
}

std::string controller_state::label(const resource_entry& e) const {
  return "'" + e.name + "' (guid " + std::to_string(e.guid) + ")";
}

void controller_state::fail_controller(const std::string& why) {
  log::error("experiment controller failed: {}", why);
  failed = true;
  failure_report report;
  report.origin.kind = "controller";
  report.origin.name = opts.exp_id;
  report.code = "controller_failed";
  report.text = why;
  self->request(failures, caf::infinite, std::move(report))
      .then([this](const failure_decision&) {
        on_abort(abort_experiment{"the experiment controller failed",
                                  failure_level::ec_failure});
      });
}

// -- registry -----------------------------------------------------------------

std::unique_ptr<resource_entry>
controller_state::make_entry(uint64_t guid, add_resource& x, caf::actor rm) {
  auto e = std::make_unique<resource_entry>();
  e->guid = guid;
  e->name = x.name;
  e->type = x.type;
  e->node = x.node;
  e->rm = std::move(rm);
  e->times.assign(resource_state_count, -1);
  e->attrs = std::move(x.attrs);
  e->restart = x.restart;
  e->critical = attr_or<bool>(e->attrs, "critical", true);
  e->hard_release = attr_or<bool>(e->attrs, "hard_release", false);
  self->send(failures,
             set_failure_policy{guid, e->name, e->critical, e->restart});
  return e;
}

caf::result<uint64_t> controller_state::add(add_resource& x) {
  if (aborted || releasing)
    return make_error(errc::wrong_state,
                      "cannot add resources: the experiment is "
                          + std::string{aborted ? "aborted" : "shutting down"});
  auto guid = static_cast<uint64_t>(entries.size() + 1);
  if (x.name.empty())
    x.name = x.type + "-" + std::to_string(guid);
  if (names.count(x.name) > 0)
    return make_error(errc::duplicate_name,
                      "a resource named '" + x.name + "' already exists");
  if (auto err = opts.types->complete(x.type, x.attrs))
    return make_error(static_cast<errc>(err.code()),
                      "resource '" + x.name + "': " + to_text(err));
  if (!x.node.empty())
    return add_placed(x, guid);
  auto info = opts.types->resource_type(x.type);
  resource_setup setup;
  setup.guid = guid;
  setup.name = x.name;
  setup.type = x.type;
  setup.attrs = x.attrs;
  setup.controller = caf::actor_cast<caf::actor>(self);
  setup.trace_dir = opts.trace_dir;
  setup.rt = rt;
  setup.types = opts.types;
  setup.monitor = opts.monitor;
  caf::actor rm;
  try {
    rm = info->factory(*self, std::move(setup));
  } catch (const std::exception& ex) {
    fail_controller("spawning resource '" + x.name + "' threw: " + ex.what());
  } catch (...) {
    fail_controller("spawning resource '" + x.name + "' threw");
  }
  if (!rm)
    return make_error(errc::aborted, "the resource manager of '" + x.name
                                         + "' could not be spawned");
  auto e = make_entry(guid, x, std::move(rm));
  names.emplace(e->name, guid);
  entries.emplace_back(std::move(e));
  return guid;
}

caf::result<caf::config_value> controller_state::get(const get_attribute& x) {
  auto e = find(x.guid);
  if (e == nullptr || e->removed)
    return not_found(x.guid);
  auto i = e->attrs.find(x.name);
  if (i == e->attrs.end())
    return make_error(errc::not_found, "resource " + label(*e)
                                           + " has no attribute '" + x.name
                                           + "'");
  return i->second;
}

caf::result<void> controller_state::set(set_attribute& x) {
  auto e = find(x.guid);
  if (e == nullptr || e->removed)
    return not_found(x.guid);
  auto specs = opts.types->schema(e->type, e->attrs);
  if (!specs)
    return std::move(specs.error());
  auto spec = std::find_if(specs->begin(), specs->end(),
                           [&](auto& s) { return s.name == x.name; });
  if (spec == specs->end())
    return make_error(errc::invalid_config, "resource " + label(*e)
                                                + " has no attribute '" + x.name
                                                + "'");
  if (auto err = check_value(*spec, x.value))
    return err;
  e->attrs[x.name] = x.value;
  if (x.name == "critical" || x.name == "hard_release") {
    e->critical = attr_or<bool>(e->attrs, "critical", true);
    e->hard_release = attr_or<bool>(e->attrs, "hard_release", false);
    self->send(failures,
               set_failure_policy{e->guid, e->name, e->critical, e->restart});
  }
  self->send(caf::actor_cast<resource_actor>(e->rm), x);
  return caf::unit;
}

caf::result<void> controller_state::connect(const connect_resources& x) {
  auto a = find(x.a);
  auto b = find(x.b);
  if (a == nullptr || a->removed)
    return not_found(x.a);
  if (b == nullptr || b->removed)
    return not_found(x.b);
  if (a == b)
    return make_error(errc::invalid_argument,
                      "cannot connect resource " + label(*a) + " with itself");
  // Look in the shorter list: a node may have 100,000s of connections.
  auto& shorter = a->connections.size() <= b->connections.size()
                      ? a->connections
                      : b->connections;
  auto other = &shorter == &a->connections ? x.b : x.a;
  if (std::find(shorter.begin(), shorter.end(), other) != shorter.end())
    return caf::unit;
  a->connections.push_back(x.b);
  b->connections.push_back(x.a);
  self->send(caf::actor_cast<resource_actor>(a->rm),
             peer_added{resource_peer{b->guid, b->name, b->type}});
  self->send(caf::actor_cast<resource_actor>(b->rm),
             peer_added{resource_peer{a->guid, a->name, a->type}});
  return caf::unit;
}

namespace {

caf::error check_guids(controller_state& st, const guid_list& xs) {
  for (auto guid : xs)
    if (st.find(guid) == nullptr)
      return st.not_found(guid);
  return caf::none;
}

} // namespace

caf::result<void> controller_state::add_cond(const add_condition& x) {
  if (x.action == resource_action::release)
    return make_error(errc::invalid_argument,
                      "conditions hold back deploy, start or stop only");
  if (x.delay.count() < 0)
    return make_error(errc::invalid_argument, "a condition's delay is >= 0");
  if (x.after.empty())
    return make_error(errc::invalid_argument,
                      "a condition waits for at least one resource");
  if (auto err = check_guids(*this, x.targets))
    return err;
  if (auto err = check_guids(*this, x.after))
    return err;
  auto index = static_cast<size_t>(x.action);
  for (auto guid : x.targets) {
    auto e = find(guid);
    e->conditions[index].push_back(condition{x.after, x.state, x.delay});
    if (e->pending[index])
      evaluate(guid, x.action);
  }
  return caf::unit;
}

caf::result<void> controller_state::remove_cond(const remove_condition& x) {
  if (x.action == resource_action::release)
    return make_error(errc::invalid_argument,
                      "conditions hold back deploy, start or stop only");
  if (auto err = check_guids(*this, x.targets))
    return err;
  auto index = static_cast<size_t>(x.action);
  for (auto guid : x.targets) {
    auto e = find(guid);
    auto& conds = e->conditions[index];
    for (auto& c : conds) {
      auto gone = [&](uint64_t g) {
        return std::find(x.after.begin(), x.after.end(), g) != x.after.end();
      };
      c.after.erase(std::remove_if(c.after.begin(), c.after.end(), gone),
                    c.after.end());
    }
    conds.erase(std::remove_if(conds.begin(), conds.end(),
                               [](auto& c) { return c.after.empty(); }),
                conds.end());
    if (e->pending[index])
      evaluate(guid, x.action);
  }
  return caf::unit;
}

caf::result<condition_list>
controller_state::conditions(const get_conditions& x) {
  auto e = find(x.guid);
  if (e == nullptr || x.action == resource_action::release)
    return not_found(x.guid);
  condition_list result;
  for (auto& c : e->conditions[static_cast<size_t>(x.action)])
    result.conditions.push_back(condition_info{c.after, c.state, c.delay});
  return result;
}

namespace {

resource_info make_info(const resource_entry& e) {
  return resource_info{e.guid,     e.name,        e.type,  e.state,
                       e.attrs,    e.connections, e.times, e.error,
                       e.critical, e.restarts,    e.node};
}

} // namespace

caf::result<resource_info> controller_state::info(uint64_t guid) {
  auto e = find(guid);
  if (e == nullptr || e->removed)
    return not_found(guid);
  return make_info(*e);
}

resource_list controller_state::list() {
  resource_list result;
  for (auto& e : entries)
    if (e && !e->removed)
      result.resources.push_back(make_info(*e));
  return result;
}

caf::result<experiment_report> controller_state::report() {
  experiment_report result;
  result.exp_id = opts.exp_id;
  result.run_id = opts.run_id;
  result.reason = reason;
  result.start_ns = start_ns;
  bool all_finished = true;
  for (auto& e : entries) {
    if (!e)
      continue;
    result.resources.push_back(make_info(*e));
    all_finished = all_finished && finished(*e);
  }
  if (failed)
    result.state = "failed";
  else if (aborted)
    result.state = "aborted";
  else if (ended || all_finished)
    result.state = "finished";
  else
    result.state = "running";
  result.timers = timers.summaries();
  auto rp = self->make_response_promise<experiment_report>();
  self->request(failures, caf::infinite, get_failures{})
      .then(
          [rp, result](failure_summary& summary) mutable {
            result.level = summary.level;
            result.failures = std::move(summary.records);
            rp.deliver(std::move(result));
          },
          [rp, result](caf::error&) mutable { rp.deliver(std::move(result)); });
  return rp;
}

// -- the actor ----------------------------------------------------------------

controller_actor::behavior_type controller(controller_pointer self, runtime* rt,
                                           experiment_options opts,
                                           failure_manager_actor fm) {
  auto& st = self->state;
  st.init(self, rt, std::move(opts), fm);
  self->send(fm, attach_controller{caf::actor_cast<caf::actor>(self)});
  if (st.opts.cluster)
    self->send(st.opts.cluster, caf::join_atom::value, node_events_atom::value,
               caf::actor_cast<caf::actor>(self));
  self->set_down_handler(
      [self](caf::down_msg& x) { self->state.on_rm_down(x); });
  self->set_error_handler([](caf::error& err) {
    // A resource manager refused an action the controller sent without
    // waiting for the answer (its state moved on meanwhile).
    log::info("experiment controller: {}", to_text(err));
  });
  return {
      [self](add_resource& x) { return self->state.add(x); },
      [self](const get_attribute& x) { return self->state.get(x); },
      [self](set_attribute& x) { return self->state.set(x); },
      [self](const connect_resources& x) { return self->state.connect(x); },
      [self](const add_condition& x) { return self->state.add_cond(x); },
      [self](const remove_condition& x) { return self->state.remove_cond(x); },
      [self](const get_conditions& x) { return self->state.conditions(x); },
      [self](const deploy_resources& x) { return self->state.deploy(x); },
      [self](const resource_command& x) { return self->state.command(x); },
      [self](wait_for& x) { return self->state.wait(x); },
      [self](schedule_task& x) { return self->state.schedule(x); },
      [self](const cancel_task& x) { return self->state.cancel(x); },
      [self](const get_task& x) { return self->state.task(x); },
      [self](const get_resource& x) { return self->state.info(x.guid); },
      [self](const list_resources&) { return self->state.list(); },
      [self](const read_trace& x) -> caf::result<trace_data> {
        auto e = self->state.find(x.guid);
        if (e == nullptr || !e->rm)
          return self->state.not_found(x.guid);
        return self->delegate(caf::actor_cast<resource_actor>(e->rm), x);
      },
      [self](const list_traces& x) -> caf::result<std::vector<std::string>> {
        auto e = self->state.find(x.guid);
        if (e == nullptr || !e->rm)
          return self->state.not_found(x.guid);
        return self->delegate(caf::actor_cast<resource_actor>(e->rm), x);
      },
      [self](const end_experiment&) { return self->state.end(); },
      [self](const shutdown_experiment&) { return self->state.shutdown(); },
      [self](const get_report&) { return self->state.report(); },
      [self](const abort_experiment& x) { self->state.on_abort(x); },
      [self](task_due) { self->state.on_task_due(); },
      [self](resource_update& x) { self->state.on_update(x); },
      [self](const node_lost& x) { self->state.on_node_lost(x); },
      [](const node_joined& x) {
        log::info("experiment controller: node '{}' joined", x.node);
      },
  };
}

} // namespace detail

experiment_handles spawn_experiment(runtime& rt, experiment_options opts) {
  auto fm = spawn_failure_manager(rt);
  auto ctrl = rt.spawn(detail::controller, &rt, std::move(opts), fm);
  caf::anon_send(rt.directory(), caf::put_atom::value,
                 std::string{failure_manager_name},
                 caf::actor_cast<caf::actor>(fm));
  return {ctrl, fm};
}

} // namespace troupe
