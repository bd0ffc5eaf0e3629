#include "troupe/actors/failure_manager.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <unordered_map>
#include <utility>

#include "troupe/runtime/log.hpp"
#include "troupe/runtime/runtime.hpp"

#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace troupe {

namespace {

struct failure_state {
  struct policy {
    std::string name;
    bool critical = true;
    restart_policy restart;
    uint32_t restarts = 0;
  };

  caf::actor controller;
  /// An abort decided before a controller attached (a monitor alert may
  /// come first); delivered on attach, so that no decision is lost.
  std::optional<abort_experiment> pending_abort;
  failure_level level = failure_level::ok;
  std::unordered_map<uint64_t, policy> policies;
  std::vector<failure_record> records;

  static inline const char* name = "troupe.failure_manager";
};

using failure_pointer = failure_manager_actor::stateful_pointer<failure_state>;

void raise(failure_state& st, failure_level x) {
  if (static_cast<uint8_t>(x) > static_cast<uint8_t>(st.level))
    st.level = x;
}

failure_decision decide(failure_state& st, const failure_report& report) {
  failure_decision result;
  if (report.origin.kind == "controller") {
    raise(st, failure_level::ec_failure);
    result.action = failure_action::abort;
    result.level = st.level;
    return result;
  }
  // A report without a known resource (e.g. an agent outside the
  // experiment) is treated as critical: failing safe beats carrying on.
  failure_state::policy fallback;
  auto i = st.policies.find(report.origin.guid);
  if (i == st.policies.end() && report.origin.guid == 0) {
    // An agent knows its name, not the guid of its resource.
    i = std::find_if(st.policies.begin(), st.policies.end(), [&](auto& kvp) {
      return kvp.second.name == report.origin.name;
    });
  }
  auto& pol = i != st.policies.end() ? i->second : fallback;
  if (report.origin.kind == "resource"
      && pol.restarts < pol.restart.max_restarts) {
    auto attempt = ++pol.restarts;
    auto scale = std::pow(pol.restart.factor, static_cast<double>(attempt - 1));
    auto ns = static_cast<double>(pol.restart.backoff.count()) * scale;
    result.action = failure_action::restart;
    result.delay = caf::timespan{static_cast<int64_t>(std::min(ns, 9.2e18))};
    result.attempt = attempt;
  } else if (pol.critical) {
    raise(st, failure_level::rm_failure);
    result.action = failure_action::abort;
    result.attempt = pol.restarts;
  } else {
    result.action = failure_action::ignore;
    result.attempt = pol.restarts;
  }
  result.level = st.level;
  return result;
}

failure_decision handle_report(failure_pointer self,
                               const failure_report& report) {
  auto& st = self->state;
  auto decision = decide(st, report);
  st.records.push_back(failure_record{
      report, decision, self->clock().now().time_since_epoch().count()});
  log::info("failure manager: {} -> {}", to_string(report),
            to_string(decision.action));
  auto from_controller
      = st.controller
        && self->current_sender()
               == caf::actor_cast<caf::strong_actor_ptr>(st.controller);
  if (decision.action == failure_action::abort && !from_controller) {
    abort_experiment abort{to_string(report), decision.level};
    if (st.controller)
      caf::anon_send(st.controller, std::move(abort));
    else if (!st.pending_abort)
      st.pending_abort = std::move(abort);
  }
  return decision;
}

failure_manager_actor::behavior_type failure_manager(failure_pointer self) {
  return {
      [self](const failure_report& report) {
        return handle_report(self, report);
      },
      [self](const critical_alert& alert) {
        handle_report(self, to_failure_report(alert));
      },
      [self](const set_failure_policy& x) {
        auto& pol = self->state.policies[x.guid];
        pol.name = x.name;
        pol.critical = x.critical;
        pol.restart = x.restart;
      },
      [self](const attach_controller& x) {
        auto& st = self->state;
        st.controller = x.controller;
        if (st.controller && st.pending_abort) {
          caf::anon_send(st.controller, std::move(*st.pending_abort));
          st.pending_abort.reset();
        }
      },
      [self](const get_failures&) {
        return failure_summary{self->state.level, self->state.records};
      },
  };
}

} // namespace

failure_report to_failure_report(const critical_alert& x) {
  failure_report result;
  result.origin.kind = "monitor";
  result.origin.name = x.point;
  result.code = "critical_alert";
  result.text = "point '" + x.point + "' is Critical";
  auto value = to_string(x.value);
  if (!value.empty())
    result.text += " at " + value;
  if (!x.error.empty())
    result.text += ": " + x.error;
  return result;
}

failure_manager_actor spawn_failure_manager(runtime& rt) {
  return rt.spawn(failure_manager);
}

} // namespace troupe
