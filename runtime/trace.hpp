#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include <caf/actor_clock.hpp>
#include <caf/message.hpp>

namespace troupe {

/// What an agent did with a message, as recorded by a `trace_log`.
enum class trace_kind {
  /// A handler ran for a message sent to the agent.
  received,
  /// A topic handler ran; `peer` is the topic.
  delivered,
  /// The agent (or the runtime, agent "") sent to `peer` by name.
  sent,
  /// The agent (or the runtime, agent "") published on topic `peer`.
  published,
  /// A message had no handler and was dropped (counted).
  unexpected,
};

std::string to_string(trace_kind x);

/// One recorded event.
struct trace_entry {
  std::string agent;
  trace_kind kind;
  std::string peer;
  caf::message content;
  caf::actor_clock::time_point at;
};

/// Records what agents receive, send and publish while attached to a runtime
/// (see `troupe::testing::fixture`). Thread-safe; costs nothing when no log
/// is attached.
class trace_log {
public:
  void add(trace_entry entry);

  std::vector<trace_entry> entries() const;

  void clear();

private:
  mutable std::mutex mtx_;
  std::vector<trace_entry> entries_;
};

} // namespace troupe
