#pragma once

#include "troupe/runtime/cli/cli.hpp"

namespace troupe::cli {

// One function per built-in subcommand, each defined in its own file.

subcommand replay_command();
subcommand record_command();
subcommand inspect_command();
subcommand convert_command();
subcommand run_command();
subcommand node_command();

} // namespace troupe::cli
