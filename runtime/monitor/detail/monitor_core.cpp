#include "troupe/runtime/monitor/detail/monitor_core.hpp"

#include <algorithm>
#include <chrono>
#include <set>

#include "troupe/messages/errors.hpp"
#include "troupe/runtime/log.hpp"
#include "troupe/runtime/monitor/detail/format.hpp"

#include <caf/actor_cast.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/send.hpp>

namespace troupe::detail {

namespace {

/// The longest dt accepted: anything longer is almost certainly a unit
/// mistake, and it keeps time arithmetic far from overflow.
constexpr caf::timespan max_dt = std::chrono::hours{24 * 365};

bool use_threads(caf::event_based_actor* self, const monitor_config& cfg) {
  switch (cfg.run_polls) {
    case monitor_config::executor::threads: return true;
    case monitor_config::executor::inline_calls: return false;
    default: break;
  }
  using test_coordinator = caf::scheduler::test_coordinator;
  return dynamic_cast<test_coordinator*>(&self->system().scheduler())
         == nullptr;
}

void run_job(const std::shared_ptr<poll_inbox>& inbox, poll_job& job) {
  if (job.fn->type() == poll_function::kind::sync)
    inbox->push(poll_outcome{job.source, job.generation, job.fn->call()});
  else
    job.fn->start(poll_promise::make(inbox, job.source, job.generation));
}

std::string quoted_list(const std::vector<std::string>& names) {
  std::string result;
  for (auto& name : names) {
    if (!result.empty())
      result += ", ";
    result += "'" + name + "'";
  }
  return result;
}

bool valid_unit(const std::string& unit) {
  return std::all_of(unit.begin(), unit.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

} // namespace

monitor_core::monitor_core(caf::event_based_actor* self, monitor_config cfg)
    : self_(self), cfg_(std::move(cfg)) {
  // Workers hold the inbox, the inbox holds the actor weakly: nothing here
  // keeps the monitor alive.
  caf::weak_actor_ptr weak{self->ctrl()};
  inbox_ = std::make_shared<poll_inbox>([weak] {
    if (auto hdl = caf::actor_cast<caf::actor>(weak))
      caf::anon_send(hdl, polled_atom::value);
  });
  if (use_threads(self, cfg_))
    pool_ = std::make_unique<task_pool<poll_job>>(
        cfg_.workers, [inbox{inbox_}](poll_job& job) { run_job(inbox, job); });
  failure_handler_ = cfg_.failure_handler;
  now_ = self_->clock().now();
}

monitor_core::~monitor_core() {
  shut_down();
}

// -- registration -------------------------------------------------------------

caf::error monitor_core::check_spec(const point_spec& spec,
                                    caf::timespan& period,
                                    caf::timespan& stale_after) const {
  auto& opts = spec.options;
  auto what = opts.family          ? "family under '" + opts.parent + "'"
              : spec.names.empty() ? std::string{"registration"}
                                   : "point '" + spec.names.front() + "'";
  auto fail = [&](errc code, const std::string& why) {
    return make_error(code, "add " + what + ": " + why);
  };
  if (opts.family) {
    if (!spec.names.empty())
      return fail(errc::invalid_argument,
                  "a family takes its names from its poll; give no names");
    if (opts.parent.empty())
      return fail(errc::invalid_argument, "a family needs a parent");
    if (!spec.poll)
      return fail(errc::invalid_argument, "a family needs a poll function");
  } else if (spec.names.empty()) {
    return fail(errc::invalid_argument, "no point names");
  }
  std::set<std::string> seen;
  for (auto& name : spec.names) {
    if (auto err = check_name(name, "point"))
      return err;
    if (!seen.insert(name).second)
      return fail(errc::duplicate_name, "'" + name + "' is listed twice");
    if (tree_.find(name) != no_node)
      return make_error(errc::duplicate_name, "a point or parent named '" + name
                                                  + "' already exists");
    if (name == opts.parent)
      return fail(errc::invalid_argument,
                  "'" + name + "' cannot be its own parent");
  }
  if (!opts.parent.empty()) {
    if (auto err = check_name(opts.parent, "parent"))
      return err;
    auto id = tree_.find(opts.parent);
    if (id != no_node && !tree_.at(id).group)
      return fail(errc::invalid_argument,
                  "parent '" + opts.parent + "' is a point");
  }
  auto dt = opts.dt.value_or(cfg_.default_dt);
  if (dt < caf::timespan::zero() || dt > max_dt)
    return fail(errc::invalid_argument,
                "dt must be between 0 and 365 days (got " + format_duration(dt)
                    + ")");
  if (!spec.poll && opts.once)
    return fail(errc::invalid_argument, "a pushed point cannot be one-shot");
  if (!is_valid(opts.error_alert) || !is_valid(opts.log_threshold))
    return fail(errc::invalid_argument, "unknown alert level");
  if (!valid_unit(opts.unit))
    return fail(errc::invalid_argument,
                "unit '" + opts.unit
                    + "' must be lower-case letters, digits and '_'");
  period = dt == caf::timespan::zero() ? cfg_.tick : dt;
  if (opts.stale_after) {
    if (*opts.stale_after < caf::timespan::zero())
      return fail(errc::invalid_argument,
                  "stale_after must not be negative (got "
                      + format_duration(*opts.stale_after) + ")");
    stale_after = *opts.stale_after;
  } else if (opts.once || cfg_.stale_factor <= 0) {
    stale_after = caf::timespan::zero();
  } else {
    stale_after
        = std::chrono::duration_cast<caf::timespan>(period * cfg_.stale_factor);
  }
  return caf::none;
}

caf::expected<node_id> monitor_core::resolve_parent(const std::string& name) {
  if (name.empty())
    return root_node;
  auto id = tree_.find(name);
  if (id == no_node)
    return tree_.add_group(name, root_node);
  if (!tree_.at(id).group)
    return make_error(errc::invalid_argument,
                      "parent '" + name + "' is a point");
  return id;
}

uint32_t monitor_core::allocate_source() {
  if (!free_sources_.empty()) {
    auto index = free_sources_.back();
    free_sources_.pop_back();
    auto generation = sources_[index].generation + 1;
    sources_[index] = poll_source{};
    sources_[index].generation = generation;
    sources_[index].used = true;
    return index;
  }
  sources_.emplace_back();
  sources_.back().used = true;
  return static_cast<uint32_t>(sources_.size() - 1);
}

void monitor_core::release_source(uint32_t index) {
  auto& src = sources_[index];
  src.used = false;
  src.fn.reset();
  src.points.clear();
  free_sources_.push_back(index);
}

caf::error monitor_core::add(point_spec spec) {
  now_ = self_->clock().now();
  caf::timespan period{0};
  caf::timespan stale_after{0};
  if (auto err = check_spec(spec, period, stale_after)) {
    log::warning("monitor: {}", to_text(err));
    return err;
  }
  auto parent = resolve_parent(spec.options.parent);
  if (!parent)
    return std::move(parent.error());
  auto index = allocate_source();
  auto& src = sources_[index];
  src.fn = std::move(spec.poll);
  src.options = std::move(spec.options);
  src.period = period;
  src.stale_after = stale_after;
  src.due = now_;
  if (src.options.family) {
    src.family_parent = *parent;
    src.label = "family '" + src.options.parent + "'";
  } else {
    src.label = quoted_list(spec.names);
    for (auto& name : spec.names) {
      auto id = tree_.add_point(name, *parent, index);
      src.points.push_back(id);
      tree_.at(id).seen = now_;
      watch_stale(id);
    }
  }
  log::debug("monitor: added {}", src.label);
  if (src.fn && running_)
    dispatch(index);
  flush_jobs();
  arm_timer();
  return caf::none;
}

caf::error monitor_core::add_group(const std::string& name,
                                   const std::string& parent) {
  if (auto err = check_name(name, "parent"))
    return err;
  if (name == parent)
    return make_error(errc::invalid_argument,
                      "parent '" + name + "' cannot be its own parent");
  if (!parent.empty())
    if (auto err = check_name(parent, "parent"))
      return err;
  auto existing = tree_.find(name);
  auto above = parent.empty() ? root_node : tree_.find(parent);
  if (existing != no_node) {
    if (!tree_.at(existing).group)
      return make_error(errc::duplicate_name,
                        "a point named '" + name + "' already exists");
    if (above != no_node && tree_.at(existing).parent == above)
      return caf::none;
    auto where = tree_.at(existing).parent == root_node
                     ? std::string{"the top level"}
                     : "'" + tree_.at(tree_.at(existing).parent).name + "'";
    return make_error(errc::invalid_argument,
                      "parent '" + name + "' already exists under " + where);
  }
  auto id = resolve_parent(parent);
  if (!id)
    return std::move(id.error());
  tree_.add_group(name, *id);
  return caf::none;
}

void monitor_core::remove_point(node_id id) {
  // Subscriptions to a removed subtree end with it.
  for (auto& entry : subscribers_) {
    auto& xs = entry.subtrees;
    xs.erase(std::remove_if(xs.begin(), xs.end(),
                            [id](auto& x) { return x.first == id; }),
             xs.end());
  }
  tree_.remove(id);
}

caf::expected<std::vector<std::string>>
monitor_core::remove(const std::string& name) {
  auto id = tree_.find(name);
  if (id == no_node)
    return make_error(errc::not_found,
                      "no point or parent named '" + name + "'");
  std::vector<std::string> removed;
  auto& node = tree_.at(id);
  if (node.group) {
    if (!node.children.empty())
      return make_error(errc::wrong_state,
                        "parent '" + name + "' still has "
                            + std::to_string(node.children.size())
                            + " member(s)");
    removed.push_back(name);
    // A family without members lives on in its poll: it goes with its
    // parent, or it would fill a parent that no longer exists.
    for (uint32_t i = 0; i < sources_.size(); ++i)
      if (sources_[i].used && sources_[i].family_parent == id)
        release_source(i);
    remove_point(id);
    return removed;
  }
  auto index = node.source;
  for (auto member : sources_[index].points) {
    removed.push_back(tree_.at(member).name);
    remove_point(member);
  }
  release_source(index);
  log::debug("monitor: removed {}", quoted_list(removed));
  return removed;
}

caf::error monitor_core::push(const std::string& name, reading value) {
  now_ = self_->clock().now();
  auto err = push_one(name, std::move(value));
  flush_updates();
  arm_timer();
  return err;
}

caf::error monitor_core::push_one(const std::string& name, reading value) {
  auto id = tree_.find(name);
  if (id == no_node)
    return make_error(errc::not_found, "no point named '" + name + "'");
  auto& node = tree_.at(id);
  if (node.group)
    return make_error(errc::wrong_state,
                      "'" + name + "' is a parent; only points take values");
  if (sources_[node.source].fn)
    return make_error(errc::wrong_state, "point '" + name
                                             + "' is polled; it takes no "
                                               "pushed values");
  update(id, std::move(value), {});
  return caf::none;
}

caf::error monitor_core::push(std::vector<named_reading> values) {
  now_ = self_->clock().now();
  caf::error first;
  for (auto& x : values) {
    auto err = push_one(x.name, std::move(x.value));
    if (err && !first)
      first = std::move(err);
  }
  flush_updates();
  arm_timer();
  return first;
}

// -- queries ------------------------------------------------------------------

point_info monitor_core::make_info(node_id id) const {
  auto& node = tree_.at(id);
  point_info info;
  info.name = node.name;
  if (node.parent != root_node)
    info.parent = tree_.at(node.parent).name;
  info.depth = node.depth;
  info.is_parent = node.group;
  if (node.group) {
    info.alert = tree_.level(id);
    return info;
  }
  info.value = node.value;
  info.alert = node.alert;
  info.stale = node.stale;
  info.error = node.error;
  info.time_ns = to_ns(node.time);
  info.updates = node.updates;
  info.failures = node.failures;
  auto& src = sources_[node.source];
  info.dt_ns = src.options.dt.value_or(cfg_.default_dt).count();
  info.once = src.options.once;
  info.pushed = !src.fn;
  info.critical = src.options.critical;
  info.help = src.options.help;
  info.unit = src.options.unit;
  return info;
}

caf::expected<point_info> monitor_core::lookup(const std::string& name) const {
  auto id = tree_.find(name);
  if (id == no_node)
    return make_error(errc::not_found,
                      "no point or parent named '" + name + "'");
  return make_info(id);
}

monitor_snapshot monitor_core::snapshot() const {
  monitor_snapshot result;
  result.running = running_;
  result.alert = tree_.level(root_node);
  result.now_ns = to_ns(self_->clock().now());
  tree_.depth_first(
      [&](node_id id) { result.points.push_back(make_info(id)); });
  return result;
}

// -- listeners ----------------------------------------------------------------

caf::error monitor_core::subscribe(const std::string& subtree,
                                   const caf::actor& who) {
  if (!who)
    return make_error(errc::invalid_argument, "subscribe needs a live actor");
  auto id = subtree.empty() ? root_node : tree_.find(subtree);
  if (id == no_node)
    return make_error(errc::not_found,
                      "no point or parent named '" + subtree + "'");
  auto key = std::make_pair(id, tree_.at(id).generation);
  auto i
      = std::find_if(subscribers_.begin(), subscribers_.end(),
                     [&](const subscriber_entry& x) { return x.who == who; });
  if (i == subscribers_.end()) {
    subscribers_.push_back(subscriber_entry{who, {key}, {}});
    self_->monitor(who);
  } else if (std::find(i->subtrees.begin(), i->subtrees.end(), key)
             == i->subtrees.end()) {
    i->subtrees.push_back(key);
  }
  return caf::none;
}

caf::error monitor_core::unsubscribe(const caf::actor_addr& who) {
  auto i
      = std::find_if(subscribers_.begin(), subscribers_.end(),
                     [&](const subscriber_entry& x) { return x.who == who; });
  if (i == subscribers_.end())
    return make_error(errc::not_found, "no subscription for this actor");
  subscribers_.erase(i);
  return caf::none;
}

caf::expected<uint64_t> monitor_core::add_callback(update_callback cb) {
  if (!cb.fn)
    return make_error(errc::invalid_argument,
                      "callback '" + cb.label + "' has no function");
  auto id = cb.subtree.empty() ? root_node : tree_.find(cb.subtree);
  if (id == no_node)
    return make_error(errc::not_found,
                      "no point or parent named '" + cb.subtree + "'");
  callback_entry entry;
  entry.id = next_callback_id_++;
  entry.subtree = id;
  entry.subtree_generation = tree_.at(id).generation;
  entry.cb = std::move(cb);
  callbacks_.push_back(std::move(entry));
  return callbacks_.back().id;
}

caf::error monitor_core::remove_callback(uint64_t id) {
  auto i = std::find_if(callbacks_.begin(), callbacks_.end(),
                        [id](const callback_entry& x) { return x.id == id; });
  if (i == callbacks_.end())
    return make_error(errc::not_found,
                      "no callback with ID " + std::to_string(id));
  callbacks_.erase(i);
  return caf::none;
}

// -- control ------------------------------------------------------------------

bool monitor_core::start() {
  if (running_)
    return false;
  running_ = true;
  now_ = self_->clock().now();
  for (uint32_t i = 0; i < sources_.size(); ++i) {
    auto& src = sources_[i];
    if (!src.used || !src.fn || src.in_flight || src.done)
      continue;
    if (src.due <= now_)
      dispatch(i);
    else
      polls_.add(src.due, {i, src.generation});
  }
  // Staleness counts from now: the monitor did not look while stopped.
  stale_.clear();
  tree_.depth_first([this](node_id id) {
    auto& node = tree_.at(id);
    if (node.group)
      return;
    node.stale_pending = false;
    if (!node.stale) {
      node.seen = std::max(node.seen, now_);
      watch_stale(id);
    }
  });
  flush_jobs();
  arm_timer();
  log::info("monitor: started with {} point(s)", tree_.points());
  return true;
}

bool monitor_core::stop() {
  if (!running_)
    return false;
  running_ = false;
  polls_.clear();
  stale_.clear();
  tree_.depth_first([this](node_id id) { tree_.at(id).stale_pending = false; });
  log::info("monitor: stopped");
  return true;
}

void monitor_core::shut_down() {
  running_ = false;
  inbox_->close();
  if (pool_)
    stop_pool();
  // Polls often hold actor handles (the runtime's actors, the controller,
  // this monitor itself): dropping them here breaks the cycles that would
  // otherwise keep those actors, and this one, alive. Jobs still in
  // flight hold their own reference.
  for (auto& src : sources_)
    src.fn.reset();
}

void monitor_core::stop_pool() {
  if (auto abandoned = pool_->stop(cfg_.shutdown_grace); abandoned > 0) {
    std::vector<std::string> busy;
    for (auto& src : sources_)
      if (src.used && src.in_flight && src.fn
          && src.fn->type() == poll_function::kind::sync)
        busy.push_back(src.label);
    log::warning("monitor: {} poll worker(s) still busy after {} at exit "
                 "were abandoned (polls in flight: {})",
                 abandoned, format_duration(cfg_.shutdown_grace),
                 busy.empty() ? std::string{"unknown"}
                              : fmt::format("{}", fmt::join(busy, ", ")));
  }
  pool_.reset();
}

} // namespace troupe::detail
