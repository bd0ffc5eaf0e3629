// The controller's flow: deploy groups, actions held back by conditions,
// waits, timed tasks, failures, abort and shutdown. Everything is driven by
// resource updates and timers on the actor clock; nothing polls.

#include <algorithm>

#include "troupe/actors/detail/controller_state.hpp"
#include "troupe/actors/resource.hpp"
#include "troupe/runtime/log.hpp"

#include <caf/exit_reason.hpp>

namespace troupe::detail {

namespace {

size_t index_of(resource_action a) {
  return static_cast<size_t>(a);
}

caf::error aborted_error(const std::string& reason) {
  return make_error(errc::aborted, "experiment aborted: " + reason);
}

} // namespace

// -- deploy groups ------------------------------------------------------------

caf::result<uint64_t> controller_state::deploy(const deploy_resources& x) {
  if (aborted || releasing || ended)
    return make_error(errc::wrong_state,
                      "cannot deploy: the experiment is "
                          + std::string{aborted     ? "aborted"
                                        : releasing ? "shutting down"
                                                    : "over"});
  guid_list guids = x.guids;
  if (guids.empty()) {
    for (auto& e : entries)
      if (e && e->state == resource_state::new_ && e->group == 0)
        guids.push_back(e->guid);
  }
  for (auto guid : guids) {
    auto e = find(guid);
    if (e == nullptr || e->removed)
      return not_found(guid);
  }
  if (x.group != 0 && groups.count(x.group) == 0)
    return make_error(errc::not_found,
                      "no deploy group " + std::to_string(x.group));
  if (start_ns < 0)
    start_ns = now_ns();
  auto id = x.group != 0 ? x.group : next_group++;
  auto& g = groups[id];
  if (x.group == 0)
    g.wait_all_ready = x.wait_all_ready;
  for (auto guid : guids) {
    auto& e = *find(guid);
    e.group = id;
    e.counted_ready = false;
    g.members.push_back(guid);
    ++g.not_ready;
  }
  for (auto guid : guids)
    request_action(*find(guid), resource_action::deploy);
  if (g.wait_all_ready && !g.started) {
    for (auto guid : guids)
      count_ready(*find(guid));
    return id;
  }
  // Without wait-all-ready (or joining a group that already started) each
  // member starts on its own once READY.
  for (auto guid : guids) {
    auto& e = *find(guid);
    request_action(e, resource_action::start);
    if (!e.conditions[index_of(resource_action::stop)].empty())
      request_action(e, resource_action::stop);
  }
  return id;
}

void controller_state::count_ready(resource_entry& e) {
  if (e.counted_ready || reached(e, resource_state::ready) == reach::no)
    return;
  e.counted_ready = true;
  auto i = groups.find(e.group);
  if (i == groups.end())
    return;
  auto& g = i->second;
  if (g.not_ready > 0)
    --g.not_ready;
  if (g.wait_all_ready && !g.started && g.not_ready == 0)
    start_group(g);
}

void controller_state::start_group(group_entry& g) {
  g.started = true;
  for (auto guid : g.members) {
    auto e = find(guid);
    if (e == nullptr)
      continue;
    request_action(*e, resource_action::start);
    if (!e->conditions[index_of(resource_action::stop)].empty())
      request_action(*e, resource_action::stop);
  }
}

// -- actions held back by conditions -----------------------------------------

void controller_state::request_action(resource_entry& e, resource_action a) {
  e.pending[index_of(a)] = true;
  evaluate(e.guid, a);
}

reach controller_state::reached(const resource_entry& e,
                                resource_state target) const {
  if (e.removed)
    return reach::yes;
  if (!e.rm && target == resource_state::released)
    return reach::yes; // its manager is gone: nothing left to release
  if (ended && target == resource_state::stopped
      && e.state < resource_state::started && !e.start_in_flight)
    return reach::yes; // the experiment is over: it will never start
  if (e.state == resource_state::failed) {
    if (target == resource_state::failed)
      return reach::yes;
    if (target == resource_state::released || e.failure_open)
      return reach::no;
    return e.critical ? reach::failed_critical : reach::yes;
  }
  return e.state >= target ? reach::yes : reach::no;
}

int64_t controller_state::reach_time(const resource_entry& e,
                                     resource_state target) const {
  int64_t result = -1;
  for (auto s = static_cast<size_t>(target); s < resource_state_count; ++s)
    if (e.times[s] >= 0 && (result < 0 || e.times[s] < result))
      result = e.times[s];
  return result >= 0 ? result : now_ns();
}

void controller_state::evaluate(uint64_t guid, resource_action a) {
  auto e = find(guid);
  auto index = index_of(a);
  if (e == nullptr || !e->pending[index])
    return;
  if (aborted || releasing || ended || e->removed) {
    e->pending[index] = false;
    return;
  }
  auto wait_self = [&] {
    add_watch(guid, watch{false, guid, a});
  };
  auto s = e->state;
  // The resource's own state first: a start waits for READY, a stop for
  // STARTED; past that point the action has nothing left to do.
  switch (a) {
    case resource_action::deploy:
      if (s != resource_state::new_) {
        if (e->failure_open)
          wait_self();
        else
          e->pending[index] = false;
        return;
      }
      break;
    case resource_action::start:
      if (s == resource_state::ready && !e->start_in_flight)
        break;
      if (s < resource_state::ready || e->failure_open || e->start_in_flight)
        wait_self();
      else
        e->pending[index] = false;
      return;
    case resource_action::stop:
      if (s == resource_state::started)
        break;
      if (s < resource_state::started || e->failure_open)
        wait_self();
      else
        e->pending[index] = false;
      return;
    case resource_action::release: break;
  }
  int64_t due = -1;
  for (auto& c : e->conditions[index]) {
    for (auto other_guid : c.after) {
      auto other = find(other_guid);
      if (other == nullptr)
        continue;
      switch (reached(*other, c.state)) {
        case reach::no: add_watch(other_guid, watch{false, guid, a}); return;
        case reach::failed_critical:
          e->pending[index] = false;
          self->send(caf::actor_cast<resource_actor>(e->rm),
                     fail_resource{"cannot " + to_string(a) + ": waits for "
                                   + label(*other)
                                   + ", a critical resource that FAILED"});
          return;
        case reach::yes:
          due = std::max(due, reach_time(*other, c.state) + c.delay.count());
          break;
      }
    }
  }
  if (due > now_ns()) {
    task_entry t;
    t.due_ns = due;
    t.kind = task_kind::pending_action;
    t.action = a;
    t.guids = {guid};
    push_task(std::move(t));
    return;
  }
  e->pending[index] = false;
  perform(*e, a);
}

void controller_state::perform(resource_entry& e, resource_action a) {
  e.sent_ns[index_of(a)] = now_ns();
  if (a == resource_action::start)
    e.start_in_flight = true;
  if (e.rm)
    self->send(caf::actor_cast<resource_actor>(e.rm),
               resource_command{a, e.guid});
}

caf::result<void> controller_state::command(const resource_command& x) {
  auto e = find(x.guid);
  if (e == nullptr || e->removed || !e->rm)
    return not_found(x.guid);
  if ((aborted || releasing) && x.action != resource_action::release)
    return make_error(errc::wrong_state,
                      "cannot " + to_string(x.action) + " resource " + label(*e)
                          + ": the experiment is "
                          + (aborted ? "aborted" : "shutting down"));
  e->sent_ns[index_of(x.action)] = now_ns();
  if (x.action == resource_action::start)
    e->start_in_flight = true;
  auto rp = self->make_response_promise();
  auto guid = x.guid;
  self->request(caf::actor_cast<resource_actor>(e->rm), caf::infinite, x)
      .then([rp]() mutable { rp.deliver(caf::unit); },
            [this, rp, guid](caf::error& err) mutable {
              if (auto e = find(guid))
                e->start_in_flight = false;
              rp.deliver(std::move(err));
            });
  return caf::delegated<void>{};
}

// -- watchers and waits -------------------------------------------------------

void controller_state::add_watch(uint64_t guid, watch w) {
  watchers[guid].push_back(w);
}

void controller_state::fire_watchers(uint64_t guid) {
  auto i = watchers.find(guid);
  if (i == watchers.end())
    return;
  auto list = std::move(i->second);
  watchers.erase(i);
  for (auto& w : list) {
    if (w.is_wait)
      evaluate_wait(w.id);
    else
      evaluate(w.id, w.action);
  }
}

caf::result<void> controller_state::wait(wait_for& x) {
  for (auto guid : x.guids)
    if (find(guid) == nullptr)
      return not_found(guid);
  if (x.state == resource_state::released) {
    if (failed)
      return make_error(errc::aborted,
                        "the experiment controller failed: " + reason);
  } else if (aborted) {
    return aborted_error(reason);
  }
  auto id = next_wait++;
  auto& w = waits[id];
  w.target = x.state;
  w.guids = std::move(x.guids);
  w.waiter = x.waiter;
  w.rp = self->make_response_promise();
  evaluate_wait(id);
  return caf::delegated<void>{};
}

bool controller_state::evaluate_wait(uint64_t id) {
  auto i = waits.find(id);
  if (i == waits.end())
    return true;
  auto& w = i->second;
  while (w.next < w.guids.size()) {
    auto guid = w.guids[w.next];
    auto& e = *find(guid);
    auto r = reached(e, w.target);
    if (r == reach::no) {
      add_watch(guid, watch{true, id, resource_action::start});
      return false;
    }
    if (r == reach::failed_critical) {
      w.rp.deliver(
          make_error(errc::aborted,
                     "waits for " + label(e)
                         + ", a critical resource that FAILED: " + e.error));
      waits.erase(i);
      return true;
    }
    ++w.next;
  }
  w.rp.deliver(caf::unit);
  waits.erase(i);
  return true;
}

// -- updates from resource managers -------------------------------------------

void controller_state::on_update(resource_update& x) {
  auto e = find(x.guid);
  if (e == nullptr || e->state == resource_state::released)
    return; // nothing changes after RELEASED
  auto prev = e->state;
  e->state = x.state;
  if (e->node.empty())
    e->times = std::move(x.times_ns);
  else
    stamp_remote_times(*e, std::move(x.times_ns));
  if (!x.error.empty())
    e->error = std::move(x.error);
  e->start_in_flight = false;
  record_timers(*e, prev);
  if (e->state == resource_state::failed && prev != resource_state::failed)
    on_failure(*e);
  if (ended && e->state == resource_state::started)
    perform(*e, resource_action::stop);
  count_ready(*e);
  fire_watchers(e->guid);
  if (releasing)
    check_released();
}

void controller_state::record_timers(const resource_entry& e,
                                     resource_state prev) {
  auto t = [&](resource_state s) {
    return e.times[static_cast<size_t>(s)];
  };
  auto sent = [&](resource_action a) {
    return e.sent_ns[index_of(a)];
  };
  auto add = [&](const char* name, int64_t from, int64_t to) {
    if (from >= 0 && to >= from)
      timers.add(name, static_cast<double>(to - from) / 1e9);
  };
  if (e.state == prev)
    return;
  switch (e.state) {
    case resource_state::ready:
      add("deploy", sent(resource_action::deploy), t(resource_state::ready));
      break;
    case resource_state::started:
      add("start", sent(resource_action::start), t(resource_state::started));
      break;
    case resource_state::stopped:
      add("run", t(resource_state::started), t(resource_state::stopped));
      break;
    case resource_state::released:
      add("release", sent(resource_action::release),
          t(resource_state::released));
      break;
    default: break;
  }
}

void controller_state::on_rm_down(const caf::down_msg& x) {
  for (auto& ptr : entries) {
    if (!ptr || ptr->rm.address() != x.source)
      continue;
    auto& e = *ptr;
    e.rm = nullptr;
    if (e.state != resource_state::released
        && e.state != resource_state::failed) {
      // A placed manager becomes unreachable when its node goes; the node
      // actor may tell about the loss only after CAF did.
      bool unreachable
          = !e.node.empty()
            && x.reason == caf::exit_reason::remote_link_unreachable;
      if (unreachable)
        e.error = to_text(
            make_error(errc::node_lost, "node '" + e.node
                                            + "' lost: the connection to it "
                                              "closed"));
      else
        e.error = "its resource manager stopped: " + to_text(x.reason);
      e.state = resource_state::failed;
      e.times[static_cast<size_t>(resource_state::failed)] = now_ns();
      on_failure(e, unreachable ? "node_lost" : "resource_failed");
    }
    fire_watchers(e.guid);
    if (releasing)
      check_released();
    return;
  }
}

// -- failures -----------------------------------------------------------------

void controller_state::on_failure(resource_entry& e, const std::string& code) {
  e.failure_open = true;
  failure_report report;
  report.origin.kind = "resource";
  report.origin.guid = e.guid;
  report.origin.name = e.name;
  if (!e.node.empty())
    report.origin.node = e.node;
  if (e.type == "agent")
    report.origin.agent = e.name;
  report.code = code;
  report.text = e.error;
  auto guid = e.guid;
  self->request(failures, caf::infinite, std::move(report))
      .then([this, guid](const failure_decision& d) { on_decision(guid, d); },
            [this, guid](caf::error& err) {
              // Without a decision, fail safe.
              failure_decision d;
              d.action = failure_action::abort;
              d.level = failure_level::rm_failure;
              log::error("failure manager did not answer: {}", to_text(err));
              on_decision(guid, d);
            });
}

void controller_state::on_decision(uint64_t guid, const failure_decision& d) {
  auto e = find(guid);
  if (e == nullptr)
    return;
  if (d.action == failure_action::restart && !aborted && !releasing && !ended) {
    task_entry t;
    t.due_ns = now_ns() + d.delay.count();
    t.kind = task_kind::restart;
    t.guids = {guid};
    t.attempt = d.attempt;
    push_task(std::move(t));
    return;
  }
  e->failure_open = false;
  if (d.action == failure_action::abort) {
    on_abort(abort_experiment{e->name + " (guid " + std::to_string(guid)
                                  + ") failed: " + e->error,
                              d.level});
    return;
  }
  count_ready(*e);
  fire_watchers(guid);
  if (releasing)
    check_released();
}

void controller_state::resume_after_restart(resource_entry& e,
                                            uint32_t attempt) {
  e.failure_open = false;
  e.restarts = attempt;
  request_action(e, resource_action::deploy);
  request_action(e, resource_action::start);
  if (!e.conditions[index_of(resource_action::stop)].empty())
    request_action(e, resource_action::stop);
}

void controller_state::restart(resource_entry& e, uint32_t attempt) {
  auto guid = e.guid;
  if (!e.rm) {
    // Its manager went with its node: a new one there, if the node is back.
    if (!e.node.empty())
      redeploy(e, attempt);
    return;
  }
  self->request(caf::actor_cast<resource_actor>(e.rm), caf::infinite,
                reset_resource{})
      .then(
          [this, guid, attempt]() {
            auto e = find(guid);
            if (e == nullptr || aborted || releasing || ended)
              return;
            resume_after_restart(*e, attempt);
          },
          [this, guid](caf::error& err) {
            log::warning("restart of guid {} refused: {}", guid, to_text(err));
            if (auto e = find(guid)) {
              e->failure_open = false;
              fire_watchers(guid);
            }
          });
}

void controller_state::on_abort(const abort_experiment& x) {
  if (x.level == failure_level::ec_failure)
    failed = true;
  if (aborted)
    return;
  aborted = true;
  reason = x.reason;
  log::warning("experiment {} aborted: {}", opts.exp_id, reason);
  drop_pending();
  std::vector<uint64_t> ids;
  for (auto& kvp : waits)
    if (kvp.second.target != resource_state::released || failed)
      ids.push_back(kvp.first);
  for (auto id : ids) {
    waits[id].rp.deliver(aborted_error(reason));
    waits.erase(id);
  }
  release_all();
}

// -- timed tasks --------------------------------------------------------------

caf::result<uint64_t> controller_state::schedule(schedule_task& x) {
  if (x.delay.count() < 0)
    return make_error(errc::invalid_argument, "a task's delay is >= 0");
  if (auto err = [&]() -> caf::error {
        for (auto guid : x.guids)
          if (find(guid) == nullptr)
            return not_found(guid);
        return caf::none;
      }())
    return err;
  task_entry t;
  t.due_ns = now_ns() + x.delay.count();
  t.kind = task_kind::user;
  t.action = x.action;
  t.guids = std::move(x.guids);
  t.track = x.track;
  push_task(std::move(t));
  return next_task - 1;
}

caf::result<void> controller_state::cancel(const cancel_task& x) {
  auto i = tasks.find(x.id);
  if (i == tasks.end() || i->second.kind != task_kind::user
      || i->second.info.status != task_status::new_)
    return make_error(errc::not_found,
                      "no pending task " + std::to_string(x.id));
  tasks.erase(i);
  return caf::unit;
}

caf::result<task_info> controller_state::task(const get_task& x) {
  auto i = tasks.find(x.id);
  if (i == tasks.end() || !i->second.track)
    return make_error(errc::not_found,
                      "no tracked task " + std::to_string(x.id));
  return i->second.info;
}

void controller_state::push_task(task_entry t) {
  t.id = next_task++;
  t.info.id = t.id;
  heap.push(task_slot{t.due_ns, next_seq++, t.id});
  tasks.emplace(t.id, std::move(t));
  arm();
}

void controller_state::arm() {
  if (heap.empty())
    return;
  auto due = heap.top().due_ns;
  if (armed_ns >= 0 && armed_ns <= due)
    return; // an earlier (or equal) wake-up is on its way
  armed_ns = due;
  auto delay = due - now_ns();
  if (delay <= 0)
    self->send(self, task_due{});
  else
    self->delayed_send(self, caf::timespan{delay}, task_due{});
}

void controller_state::on_task_due() {
  armed_ns = -1;
  auto now = now_ns();
  while (!heap.empty() && heap.top().due_ns <= now) {
    auto id = heap.top().id;
    heap.pop();
    auto i = tasks.find(id);
    if (i == tasks.end())
      continue; // cancelled or dropped
    run_task(i->second);
    // run_task may add tasks (and rehash): look the entry up again.
    auto j = tasks.find(id);
    if (j != tasks.end() && !j->second.track)
      tasks.erase(j);
  }
  arm();
}

void controller_state::run_task(task_entry& t) {
  switch (t.kind) {
    case task_kind::pending_action: evaluate(t.guids.front(), t.action); return;
    case task_kind::restart:
      if (auto e = find(t.guids.front()))
        restart(*e, t.attempt);
      return;
    case task_kind::user: break;
  }
  // A user task: every action is checked against the known states first,
  // so a task either runs completely (DONE) or not at all (ERROR).
  auto id = t.id;
  auto action = t.action;
  auto guids = t.guids;
  t.info.ran_at_ns = now_ns();
  t.info.run_order = ++tasks_run;
  std::string result;
  caf::error err;
  if (guids.empty())
    err = make_error(errc::invalid_argument, "the task names no resource");
  for (auto guid : guids) {
    auto e = find(guid);
    if (e == nullptr || e->removed) {
      err = not_found(guid);
      break;
    }
    if (auto refused = check_action(e->name, e->state, action,
                                    action == resource_action::start
                                        && e->start_in_flight)) {
      err = std::move(refused);
      break;
    }
  }
  if (!err && (aborted || releasing) && action != resource_action::release)
    err = make_error(errc::wrong_state, "the experiment is "
                                            + std::string{aborted ? "aborted"
                                                                  : "shutting "
                                                                    "down"});
  if (!err) {
    for (auto guid : guids) {
      auto e = find(guid);
      perform(*e, action);
      if (!result.empty())
        result += ", ";
      result += to_string(action) + " " + label(*e);
    }
  }
  auto i = tasks.find(id);
  if (i == tasks.end())
    return;
  auto& info = i->second.info;
  info.status = err ? task_status::error : task_status::done;
  info.result = err ? to_text(err) : result;
  if (err)
    log::info("task {} failed: {}", id, info.result);
}

void controller_state::drop_pending() {
  for (auto& e : entries)
    if (e)
      e->pending.fill(false);
  for (auto i = tasks.begin(); i != tasks.end();) {
    if (i->second.info.status == task_status::new_) {
      if (i->second.kind == task_kind::restart)
        if (auto e = find(i->second.guids.front()))
          e->failure_open = false; // the restart will not come
      i = tasks.erase(i);
    } else {
      ++i;
    }
  }
  heap = {};
}

// -- end, release and shutdown ------------------------------------------------

caf::result<void> controller_state::end() {
  if (ended || aborted || releasing)
    return caf::unit;
  ended = true;
  drop_pending();
  for (auto& e : entries)
    if (e && e->state == resource_state::started)
      perform(*e, resource_action::stop);
  std::vector<uint64_t> ids;
  for (auto& kvp : waits)
    ids.push_back(kvp.first);
  for (auto id : ids)
    evaluate_wait(id);
  return caf::unit;
}

bool controller_state::finished(const resource_entry& e) const {
  return reached(e, resource_state::stopped) != reach::no
         || (e.state == resource_state::new_ && e.group == 0);
}

void controller_state::release_all() {
  releasing = true;
  drop_pending();
  for (auto& e : entries)
    if (e && !e->removed && e->state != resource_state::released)
      perform(*e, resource_action::release);
  check_released();
}

void controller_state::check_released() {
  // Released is final: resume the scan where the last one stopped, so that
  // releasing n resources costs O(n), not O(n^2).
  for (; release_cursor < entries.size(); ++release_cursor) {
    auto& e = entries[release_cursor];
    if (e && !e->removed && e->rm && e->state != resource_state::released)
      return;
  }
  for (auto& e : entries) {
    if (e && e->hard_release && !e->removed) {
      e->removed = true;
      names.erase(e->name);
    }
  }
  auto waiters = std::move(shutdown_waiters);
  shutdown_waiters.clear();
  for (auto& rp : waiters) {
    if (failed)
      rp.deliver(make_error(errc::aborted,
                            "the experiment controller failed and cannot "
                            "shut down cleanly (every resource was released): "
                                + reason));
    else
      rp.deliver(caf::unit);
  }
}

caf::result<void> controller_state::shutdown() {
  shutdown_waiters.push_back(self->make_response_promise());
  if (!releasing)
    release_all();
  else
    check_released();
  return caf::delegated<void>{};
}

} // namespace troupe::detail
