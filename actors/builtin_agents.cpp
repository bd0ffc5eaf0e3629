#include "troupe/actors/builtin_agents.hpp"

#include <algorithm>
#include <limits>

#include "troupe/actors/failure_manager.hpp"
#include "troupe/messages/value.hpp"
#include "troupe/runtime/detail/runtime_state.hpp"
#include "troupe/runtime/experiment/registry.hpp"
#include "troupe/runtime/log.hpp"

namespace troupe {

// -- topic_stats --------------------------------------------------------------

topic_stats_agent::topic_stats_agent(caf::actor_config& cfg, std::string name,
                                     const attributes& attrs)
    : agent(cfg, std::move(name)),
      interval_(
          attr_or<caf::timespan>(attrs, "interval", caf::timespan{1000000000})),
      prefix_(attr_or<std::string>(attrs, "prefix", "stats")) {
  auto i = attrs.find("topics");
  if (i != attrs.end())
    if (auto lst = caf::get_if<caf::config_value::list>(&i->second))
      for (auto& x : *lst)
        if (auto str = caf::get_if<std::string>(&x))
          topics_.push_back(*str);
  if (interval_.count() <= 0)
    interval_ = caf::timespan{1000000000};
}

handler_set topic_stats_agent::handlers() {
  return handle([this](stats_tick) {
    auto state = detail::state_of(system());
    if (state == nullptr || !state->broadcaster)
      return;
    request(state->broadcaster, caf::infinite, caf::get_atom::value,
            stats_atom::value)
        .then([this](const std::vector<topic_info>& xs) { sample(xs); });
    delayed_send(this, interval_, stats_tick{});
  });
}

void topic_stats_agent::work() {
  delayed_send(this, interval_, stats_tick{});
}

void topic_stats_agent::sample(const std::vector<topic_info>& topics) {
  auto own = prefix_ + "/";
  auto seconds = static_cast<double>(interval_.count()) / 1e9;
  for (auto& t : topics) {
    if (t.name.compare(0, own.size(), own) == 0)
      continue;
    if (!topics_.empty()
        && std::find(topics_.begin(), topics_.end(), t.name) == topics_.end())
      continue;
    auto& last = last_[t.name];
    auto delta = t.published >= last ? t.published - last : 0;
    last = t.published;
    totals_[t.name] += delta;
    publish(own + t.name, static_cast<double>(delta) / seconds);
  }
}

// -- threshold_alarm ----------------------------------------------------------

threshold_alarm_agent::threshold_alarm_agent(caf::actor_config& cfg,
                                             std::string name,
                                             const attributes& attrs)
    : agent(cfg, std::move(name)),
      topic_(attr_or<std::string>(attrs, "topic", {})),
      above_(attr_or<double>(attrs, "above",
                             std::numeric_limits<double>::infinity())),
      below_(attr_or<double>(attrs, "below",
                             -std::numeric_limits<double>::infinity())),
      field_(attr_or<std::string>(attrs, "field", {})),
      alarm_topic_(attr_or<std::string>(attrs, "alarm_topic", "alarms")),
      report_(attr_or<bool>(attrs, "report", true)) {
  // nop
}

handler_set threshold_alarm_agent::handlers() {
  // The failure manager answers reports with its decision.
  return handle([this](const failure_decision& d) {
    log::info("agent '{}': the failure manager decided: {}", agent_name(),
              to_string(d.action));
  });
}

void threshold_alarm_agent::work() {
  subscribe(topic_, [this](double x) { check(x); });
  subscribe(topic_, [this](int64_t x) { check(static_cast<double>(x)); });
  // Replayed records arrive as structured values: a plain number, or the
  // member named by `field`.
  subscribe(topic_, [this](const value& x) {
    auto* number = field_.empty() ? &x : x.find(field_);
    if (number != nullptr && number->is_number())
      check(number->to_double());
  });
}

void threshold_alarm_agent::check(double value) {
  bool high = value > above_;
  bool out = high || value < below_;
  if (out == active_)
    return;
  active_ = out;
  auto limit = high || (!out && value >= above_) ? above_ : below_;
  publish(alarm_topic_,
          alarm_event{agent_name(), topic_, value, limit, high, out});
  if (!out || !report_)
    return;
  failure_report report;
  report.origin.kind = "agent";
  report.origin.name = agent_name();
  report.origin.agent = agent_name();
  report.code = "alarm";
  report.text = "'" + topic_ + "' is " + std::to_string(value) + ", "
                + (high ? "above " : "below ") + std::to_string(limit);
  if (auto err = send_to(failure_manager_name, std::move(report)))
    log::warning("agent '{}': cannot report the alarm: {}", agent_name(),
                 to_text(err));
}

// -- registration -------------------------------------------------------------

void add_builtin_agents(registry& types) {
  auto inf = std::numeric_limits<double>::infinity();
  types.add_agent_type<topic_stats_agent>(
      "topic_stats", "publishes the message rate of topics",
      {{"interval", attr_kind::duration,
        caf::config_value{caf::timespan{1000000000}}, false,
        "how often to sample"},
       {"topics", attr_kind::string_list,
        caf::config_value{caf::config_value::list{}}, false,
        "topics to watch (empty: all)"},
       {"prefix", attr_kind::string, caf::config_value{std::string{"stats"}},
        false, "rates go to <prefix>/<topic>"}});
  types.add_agent_type<threshold_alarm_agent>(
      "threshold_alarm", "raises an alarm when a value leaves its bounds",
      {{"topic", attr_kind::string, caf::config_value{std::string{}}, true,
        "the topic carrying numbers"},
       {"above", attr_kind::real, caf::config_value{inf}, false,
        "alarm when a value is greater"},
       {"below", attr_kind::real, caf::config_value{-inf}, false,
        "alarm when a value is smaller"},
       {"field", attr_kind::string, caf::config_value{std::string{}}, false,
        "the member of structured (e.g. replayed) values to watch"},
       {"alarm_topic", attr_kind::string,
        caf::config_value{std::string{"alarms"}}, false,
        "where alarm events go"},
       {"report", attr_kind::boolean, caf::config_value{true}, false,
        "report alarms to the failure manager"}});
}

} // namespace troupe
