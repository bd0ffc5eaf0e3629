#include "troupe/runtime/cli/commands.hpp"

namespace troupe::cli {

subcommand convert_command() {
  return not_built("convert", "Convert logs between MCL_LOG and JSON Lines",
                   "log conversion is not part of this build yet");
}

} // namespace troupe::cli
