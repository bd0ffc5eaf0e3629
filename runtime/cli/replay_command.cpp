#include "troupe/runtime/cli/commands.hpp"

namespace troupe::cli {

subcommand replay_command() {
  return not_built("replay",
                   "Replay MCL or JSON Lines logs into topics in real time",
                   "log replay is not part of this build yet");
}

} // namespace troupe::cli
