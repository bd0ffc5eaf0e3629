#include "troupe/runtime/cli/commands.hpp"

namespace troupe::cli {

subcommand run_command() {
  return not_built("run", "Run an experiment file",
                   "experiment files are not part of this build yet");
}

} // namespace troupe::cli
