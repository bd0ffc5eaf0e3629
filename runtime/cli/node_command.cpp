#include "troupe/runtime/cli/commands.hpp"

namespace troupe::cli {

subcommand node_command() {
  return not_built("node", "Host agents and resources for a controller",
                   "nodes are not part of this build yet");
}

} // namespace troupe::cli
