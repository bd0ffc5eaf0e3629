#include "troupe/runtime/cli/commands.hpp"

namespace troupe::cli {

subcommand inspect_command() {
  return not_built("inspect", "Summarize a log",
                   " topics, counts, times, rates:log inspection is not part "
                   "of this build yet");
}

} // namespace troupe::cli
