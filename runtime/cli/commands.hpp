#pragma once

#include <memory>

#include "troupe/runtime/cli/cli.hpp"

namespace troupe::cli {

// One function per built-in subcommand, each defined in its own file.

subcommand replay_command();
subcommand record_command();
subcommand inspect_command();
subcommand convert_command();
/// `types` null: the built-in types.
subcommand run_command(std::shared_ptr<const registry> types = nullptr);
subcommand node_command();

} // namespace troupe::cli
