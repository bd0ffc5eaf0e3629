#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "troupe/messages/replay.hpp"
#include "troupe/runtime/log_writer.hpp"

#include <caf/actor_system.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

namespace troupe {

/// Where `troupe replay` sends what it publishes (its `--sink`), as the
/// replay's tap: every record, whatever the topic subscriptions. It
/// acknowledges each batch, so the replay measures lateness at delivery to
/// it and stalls (or drops) when it falls behind.
using replay_sink_actor = caf::typed_actor<
    /// From the broadcaster: records to take; answered with `replay_ack`.
    caf::reacts_to<replay_batch>,
    /// From the broadcaster: send the acknowledgements held back.
    caf::reacts_to<replay_flush>,
    /// Its counters.
    caf::replies_to<sink_query>::with<sink_status>>;

/// What a sink does with each record.
struct sink_options {
  enum kind_t { stats, print, null, log };
  kind_t kind = stats;
  /// For `print`: where lines go (default stdout).
  std::FILE* out = stdout;
  /// For `log`: the file (or MCL directory) written, and how.
  std::string path;
  write_options write;
};

/// Parses "stats", "print", "null", "jsonl:FILE" or "mcl:PATH".
bool parse_sink(const std::string& text, sink_options& out);

/// Spawns a sink. For `log`, error `io_error` if the output cannot be
/// opened. Written records keep their log times and topics.
caf::expected<replay_sink_actor> spawn_replay_sink(caf::actor_system& sys,
                                                   sink_options opts);

} // namespace troupe
