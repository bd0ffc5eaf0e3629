#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace CLI {
class App;
} // namespace CLI

namespace troupe {
class registry;
} // namespace troupe

namespace troupe::cli {

/// Exit statuses of every subcommand.
enum exit_status : int {
  /// The job finished.
  exit_ok = 0,
  /// An experiment failed or was aborted.
  exit_failed = 1,
  /// Bad usage or bad input (a one-line message on stderr says what).
  exit_usage = 2,
};

/// One subcommand: `attach` adds its options to the CLI11 subcommand and
/// returns the function that runs it once parsing succeeded.
struct subcommand {
  std::string name;
  std::string description;
  std::function<std::function<int()>(CLI::App&)> attach;
};

/// The built-in subcommands: replay, record, inspect, convert, run, node.
std::vector<subcommand> builtin_subcommands();

/// Same, with `run` using `types` for experiment files.
std::vector<subcommand>
builtin_subcommands(std::shared_ptr<const registry> types);

/// Runs the `troupe` command line. Users' own binaries call this after
/// registering their agent and resource types, and get the same CLI.
int main(int argc, char** argv);

/// Same, with an explicit list of subcommands (for tests and extensions).
int main(int argc, char** argv, std::vector<subcommand> commands);

/// The `troupe` command line of a user's own binary: `troupe run` accepts
/// the resource and agent types of `types` (start from
/// `registry::with_builtins()` and add yours).
int main(int argc, char** argv, std::shared_ptr<const registry> types);

/// A subcommand that is not part of this build: accepts any arguments and
/// exits with `exit_usage`, saying so. `feature` names what it would do.
subcommand not_built(std::string name, std::string description,
                     std::string feature);

/// The version line printed by `troupe --version`.
std::string version_line();

} // namespace troupe::cli
