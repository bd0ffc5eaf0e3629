#include "troupe/runtime/cli/commands.hpp"

namespace troupe::cli {

subcommand record_command() {
  return not_built("record", "Record topics into MCL or JSON Lines logs",
                   "recording is not part of this build yet");
}

} // namespace troupe::cli
