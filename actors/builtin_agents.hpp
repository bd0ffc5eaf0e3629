#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "troupe/actors/agent.hpp"
#include "troupe/messages/experiment.hpp"

namespace troupe {

class registry;

/// Every `interval`, reads the topic hub's counters and publishes, per
/// watched topic, its message rate in Hz (a `double`) on
/// "<prefix>/<topic>". Attributes: `interval` (1 s), `topics` (empty: all
/// topics but its own), `prefix` ("stats").
class topic_stats_agent : public agent {
public:
  topic_stats_agent(caf::actor_config& cfg, std::string name,
                    const attributes& attrs);

  /// Messages counted per topic since the agent started.
  const std::map<std::string, uint64_t>& totals() const noexcept {
    return totals_;
  }

protected:
  handler_set handlers() override;

  void work() override;

private:
  void sample(const std::vector<topic_info>& topics);

  caf::timespan interval_;
  std::vector<std::string> topics_;
  std::string prefix_;
  std::map<std::string, uint64_t> last_;
  std::map<std::string, uint64_t> totals_;
};

/// Watches a topic carrying numbers (`double`, `int64_t`, or a replayed
/// `value` that is a number or has one in its member `field`). When a value
/// leaves [`below`, `above`] it publishes an active `alarm_event` on
/// `alarm_topic` and, with `report` (default), tells the failure manager,
/// which applies the policy of the agent's resource (critical: abort). When
/// the value comes back it publishes the alarm as inactive.
class threshold_alarm_agent : public agent {
public:
  threshold_alarm_agent(caf::actor_config& cfg, std::string name,
                        const attributes& attrs);

  bool active() const noexcept { return active_; }

protected:
  handler_set handlers() override;

  void work() override;

private:
  void check(double value);

  std::string topic_;
  double above_;
  double below_;
  std::string field_;
  std::string alarm_topic_;
  bool report_;
  bool active_ = false;
};

/// Registers `topic_stats` and `threshold_alarm`.
void add_builtin_agents(registry& types);

} // namespace troupe
