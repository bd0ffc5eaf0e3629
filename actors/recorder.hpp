#pragma once

#include <memory>
#include <string>
#include <vector>

#include "troupe/actors/agent.hpp"
#include "troupe/messages/replay.hpp"
#include "troupe/runtime/log_writer.hpp"

namespace troupe {

/// The recorder: an agent that subscribes to topics and writes what
/// arrives into MCL_LOG or JSON Lines logs (see `log_writer`, which splits
/// by size or count). Payloads are `troupe::value`s (replayed records, or
/// values anyone publishes); a record's time is the time since the
/// recorder started, on the actor clock, and its type the payload's `name`.
///
/// Messages: `sink_query` -> `sink_status` (records, per topic, files
/// written, the first write error; flushes the files). On shutdown it
/// closes its files.
class recorder : public agent {
public:
  recorder(caf::actor_config& cfg, std::string name,
           std::vector<std::string> topics, std::shared_ptr<log_writer> out);

  const sink_status& status() const noexcept { return status_; }

protected:
  handler_set handlers() override;

  void work() override;

  void on_shutdown() override;

private:
  void take(const std::string& topic, const value& payload);

  std::vector<std::string> topics_;
  std::shared_ptr<log_writer> out_;
  caf::actor_clock::time_point start_;
  sink_status status_;
};

} // namespace troupe
