// The polling half of the monitor core: dispatching polls, applying their
// results, staleness, the timer, listeners and change logging.

#include <algorithm>
#include <unordered_set>

#include "troupe/runtime/log.hpp"
#include "troupe/runtime/monitor/detail/format.hpp"
#include "troupe/runtime/monitor/detail/monitor_core.hpp"

#include <caf/actor_cast.hpp>
#include <caf/send.hpp>

#include <fmt/format.h>

namespace troupe::detail {

namespace {

std::string level_text(alert_level x) {
  return x == alert_level::none ? "NONE" : alert_label(x);
}

bool at_least(alert_level x, alert_level threshold) {
  return static_cast<int32_t>(x) >= static_cast<int32_t>(threshold);
}

} // namespace

// -- dispatching --------------------------------------------------------------

size_t monitor_core::dispatch_budget() {
  // See `monitor_config::poll_wave`.
  if (now_ >= window_end_) {
    window_end_ = now_ + cfg_.poll_wave_gap;
    window_dispatched_ = 0;
  }
  return cfg_.poll_wave - std::min(cfg_.poll_wave, window_dispatched_);
}

void monitor_core::dispatch(uint32_t index) {
  auto& src = sources_[index];
  if (dispatch_budget() == 0) {
    // Starts with the next window; `arm_timer` wakes the monitor for it.
    polls_.add(now_, {index, src.generation});
    return;
  }
  ++window_dispatched_;
  src.in_flight = true;
  if (src.fn->type() == poll_function::kind::request)
    src.fn->start(self_, poll_promise::make(inbox_, index, src.generation));
  else
    jobs_.push_back(poll_job{src.fn, index, src.generation});
}

void monitor_core::flush_jobs() {
  if (jobs_.empty())
    return;
  if (pool_) {
    pool_->submit(std::move(jobs_));
    jobs_.clear();
    return;
  }
  // Under the test coordinator polls run right here; their results still
  // travel through the inbox and arrive as a message, as on threads.
  std::vector<poll_job> jobs;
  jobs.swap(jobs_);
  for (auto& job : jobs)
    run_inline(job);
}

void monitor_core::run_inline(poll_job& job) {
  if (job.fn->type() == poll_function::kind::sync)
    inbox_->push(poll_outcome{job.source, job.generation, job.fn->call()});
  else
    job.fn->start(poll_promise::make(inbox_, job.source, job.generation));
}

void monitor_core::schedule_next(uint32_t index) {
  auto& src = sources_[index];
  if (src.options.once) {
    src.done = true;
    return;
  }
  src.due = now_ + src.period;
  if (running_)
    polls_.add(src.due, {index, src.generation});
}

// -- results ------------------------------------------------------------------

void monitor_core::on_polled() {
  now_ = self_->clock().now();
  inbox_->take(outcomes_);
  for (auto& outcome : outcomes_) {
    auto index = outcome.source;
    if (index >= sources_.size())
      continue;
    auto& src = sources_[index];
    // A result for a removed registration, or a second one, is dropped.
    if (!src.used || src.generation != outcome.generation || !src.in_flight)
      continue;
    src.in_flight = false;
    apply(index, outcome.result);
    schedule_next(index);
  }
  outcomes_.clear();
  flush_updates();
  flush_jobs();
  arm_timer();
}

void monitor_core::apply(uint32_t index, poll_result& result) {
  auto& src = sources_[index];
  if (!result.ok()) {
    fail_all(src, result.error());
    return;
  }
  if (src.options.family) {
    apply_family(src, index, result);
    return;
  }
  if (result.is_named() || result.size() != src.points.size()) {
    fail_all(src, result.is_named()
                      ? "the poll returned named readings, but its points "
                        "are fixed"
                      : fmt::format("expected {} value(s), got {} value(s)",
                                    src.points.size(), result.size()));
    return;
  }
  if (!src.last_error.empty()) {
    log::info("monitor: poll of {} works again", src.label);
    src.last_error.clear();
  }
  for (size_t i = 0; i < result.size(); ++i)
    update(src.points[i], std::move(result.at(i)), {});
}

void monitor_core::fail_all(poll_source& src, const std::string& text) {
  if (text != src.last_error) {
    log::warning("monitor: poll of {} failed: {}", src.label, text);
    src.last_error = text;
  }
  // Copy: updates may run callbacks, but never change the member list.
  for (auto id : src.points)
    update(id, reading{}, text);
}

void monitor_core::apply_family(poll_source& src, uint32_t index,
                                poll_result& result) {
  if (!result.is_named()) {
    fail_all(src, "a family's poll must return named readings");
    return;
  }
  if (!src.last_error.empty()) {
    log::info("monitor: poll of {} works again", src.label);
    src.last_error.clear();
  }
  auto refuse = [&](const std::string& name, const std::string& why) {
    if (std::find(src.refused.begin(), src.refused.end(), name)
        != src.refused.end())
      return;
    src.refused.push_back(name);
    log::warning("monitor: {} reports '{}', which {}; ignored", src.label, name,
                 why);
  };
  std::unordered_set<node_id> present;
  auto& values = result.named();
  for (auto& x : values) {
    auto id = tree_.find(x.name);
    if (id == no_node) {
      if (auto err = check_name(x.name, "point")) {
        refuse(x.name, "is not a valid name");
        continue;
      }
      id = tree_.add_point(x.name, src.family_parent, index);
      src.points.push_back(id);
      tree_.at(id).seen = now_;
    } else if (tree_.at(id).group || tree_.at(id).source != index) {
      refuse(x.name, "belongs to another registration");
      continue;
    }
    if (!present.insert(id).second)
      continue;
    update(id, std::move(x.value), std::move(x.error));
  }
  // Members the poll no longer reports are gone (e.g. an agent that exited).
  auto last = std::stable_partition(
      src.points.begin(), src.points.end(),
      [&](node_id id) { return present.count(id) > 0; });
  for (auto i = last; i != src.points.end(); ++i)
    remove_point(*i);
  src.points.erase(last, src.points.end());
}

void monitor_core::update(node_id id, reading value, std::string error) {
  auto& node = tree_.at(id);
  auto& src = sources_[node.source];
  auto old_alert = node.alert;
  auto was_stale = node.stale;
  auto alert = error.empty() ? value.alert : src.options.error_alert;
  if (!error.empty())
    value.value = point_value{};
  if (src.options.log_values && node.value != value.value)
    log::info("monitor: value of '{}': {} -> {}", node.name,
              to_string(node.value), to_string(value.value));
  node.value = std::move(value.value);
  node.error = std::move(error);
  if (!node.error.empty())
    ++node.failures;
  node.time = now_;
  node.seen = now_;
  ++node.updates;
  tree_.set_state(id, alert, false);
  if (old_alert != alert
      && (at_least(alert, src.options.log_threshold)
          || at_least(old_alert, src.options.log_threshold)))
    log::warning("monitor: alert of '{}': {} -> {}", node.name,
                 level_text(old_alert), level_text(alert));
  if (was_stale)
    log::info("monitor: '{}' is no longer STALE", node.name);
  if (src.options.critical && alert == alert_level::critical
      && old_alert != alert_level::critical) {
    if (failure_handler_)
      self_->send(failure_handler_, critical_alert{node.name, node.value,
                                                   node.error, to_ns(now_)});
    else
      log::error("monitor: '{}' is CRITICAL and no failure handler is set",
                 node.name);
  }
  watch_stale(id);
  if (has_listeners())
    notify(id);
}

// -- staleness and the timer
// ----------------------------------------------------

void monitor_core::watch_stale(node_id id) {
  auto& node = tree_.at(id);
  auto& src = sources_[node.source];
  if (!running_ || node.stale_pending
      || src.stale_after <= caf::timespan::zero())
    return;
  stale_.add(node.seen + src.stale_after, {id, node.generation});
  node.stale_pending = true;
}

void monitor_core::check_stale(node_id id, uint32_t generation) {
  if (!tree_.valid(id, generation) || tree_.at(id).group)
    return;
  auto& node = tree_.at(id);
  node.stale_pending = false;
  auto& src = sources_[node.source];
  if (src.stale_after <= caf::timespan::zero() || node.stale)
    return;
  auto deadline = node.seen + src.stale_after;
  if (deadline > now_) {
    // Updated since this entry was made: look again at the new deadline.
    stale_.add(deadline, {id, generation});
    node.stale_pending = true;
    return;
  }
  tree_.set_state(id, node.alert, true);
  log::warning("monitor: '{}' is STALE: no update for {}", node.name,
               format_duration(now_ - node.seen));
  if (has_listeners())
    notify(id);
}

void monitor_core::on_timer() {
  now_ = self_->clock().now();
  if (armed_ && *armed_ <= now_)
    armed_.reset();
  if (!running_)
    return;
  // Entries that no longer apply cost no budget: take until it is spent or
  // nothing more is due.
  for (auto budget = dispatch_budget(); budget > 0;) {
    due_polls_.clear();
    polls_.take_due(now_, due_polls_, budget);
    if (due_polls_.empty())
      break;
    jobs_.reserve(jobs_.size() + due_polls_.size());
    for (auto [index, generation] : due_polls_) {
      auto& src = sources_[index];
      if (src.used && src.generation == generation && src.fn && !src.in_flight
          && !src.done && src.due <= now_) {
        dispatch(index);
        --budget;
      }
    }
  }
  due_stale_.clear();
  stale_.take_due(now_, due_stale_);
  for (auto [id, generation] : due_stale_)
    check_stale(id, generation);
  flush_updates();
  flush_jobs();
  arm_timer();
}

void monitor_core::arm_timer() {
  if (!running_)
    return;
  auto next = polls_.next();
  // Polls due now that this window has no budget for start with the next.
  if (next && *next <= now_ && dispatch_budget() == 0)
    next = window_end_;
  if (auto stale = stale_.next(); stale && (!next || *stale < *next))
    next = stale;
  if (!next || (armed_ && *armed_ <= *next))
    return;
  armed_ = *next;
  auto me = caf::actor_cast<caf::actor>(self_);
  if (*next <= now_)
    self_->send(me, caf::tick_atom::value);
  else
    self_->scheduled_send(me, *next, caf::tick_atom::value);
}

// -- listeners ----------------------------------------------------------------

point_update monitor_core::make_update(node_id id) const {
  auto& node = tree_.at(id);
  return point_update{node.name,        node.value, node.alert,
                      to_ns(node.time), node.error, node.stale};
}

void monitor_core::notify(node_id id) {
  // Subscribers get the updates of one message in one batch; a long burst
  // goes out in chunks, so the first updates do not wait for the last.
  constexpr size_t max_batch = 256;
  auto upd = make_update(id);
  for (auto& entry : subscribers_) {
    auto wants = std::any_of(
        entry.subtrees.begin(), entry.subtrees.end(), [&](const auto& x) {
          return tree_.valid(x.first, x.second) && tree_.within(id, x.first);
        });
    if (!wants)
      continue;
    // The last taker gets the update itself rather than a copy.
    if (callbacks_.empty() && &entry == &subscribers_.back())
      entry.pending.push_back(std::move(upd));
    else
      entry.pending.push_back(upd);
    if (entry.pending.size() >= max_batch) {
      caf::anon_send(entry.who, std::move(entry.pending));
      entry.pending.clear();
      entry.pending.reserve(max_batch);
    }
  }
  run_callbacks(upd, id);
}

void monitor_core::flush_updates() {
  for (auto& entry : subscribers_) {
    if (entry.pending.empty())
      continue;
    caf::anon_send(entry.who, std::move(entry.pending));
    entry.pending.clear();
  }
}

void monitor_core::run_callbacks(const point_update& upd, node_id id) {
  for (auto& entry : callbacks_) {
    if (!tree_.valid(entry.subtree, entry.subtree_generation)
        || !tree_.within(id, entry.subtree))
      continue;
    try {
      entry.cb.fn(upd);
    } catch (...) {
      ++entry.failures;
      auto what = describe_current_exception();
      // Polling goes on; the same failure is logged once, not every poll.
      if (what != entry.last_failure) {
        log::error("monitor: callback '{}' failed on '{}': {} ({} failure(s) "
                   "so far)",
                   entry.cb.label, upd.name, what, entry.failures);
        entry.last_failure = std::move(what);
      }
    }
  }
}

} // namespace troupe::detail
