#include <string>
#include <vector>

#include "troupe/runtime/cli/cli.hpp"

#include <CLI/CLI.hpp>
#include <doctest/doctest.h>

namespace {

int run_cli(std::vector<std::string> args,
            std::vector<troupe::cli::subcommand> commands) {
  std::vector<char*> argv;
  args.insert(args.begin(), "troupe");
  for (auto& arg : args)
    argv.push_back(arg.data());
  return troupe::cli::main(static_cast<int>(argv.size()), argv.data(),
                           std::move(commands));
}

troupe::cli::subcommand echo_command(std::string* seen) {
  return {"echo", "Repeats its argument",
          [seen](CLI::App& app) -> std::function<int()> {
            auto value = std::make_shared<std::string>();
            app.add_option("value", *value)->required();
            return [seen, value] {
              *seen = *value;
              return 0;
            };
          }};
}

} // namespace

TEST_CASE("the selected subcommand runs with its options") {
  std::string seen;
  CHECK(run_cli({"echo", "hi"}, {echo_command(&seen)}) == 0);
  CHECK(seen == "hi");
}

TEST_CASE("bad usage exits with status 2") {
  std::string seen;
  CHECK(run_cli({}, {echo_command(&seen)}) == troupe::cli::exit_usage);
  CHECK(run_cli({"nope"}, {echo_command(&seen)}) == troupe::cli::exit_usage);
  CHECK(run_cli({"echo"}, {echo_command(&seen)}) == troupe::cli::exit_usage);
  CHECK(seen.empty());
}

TEST_CASE("a subcommand that is not built says so and exits with 2") {
  CHECK(run_cli({"later", "--any", "thing"},
                {troupe::cli::not_built("later", "Later", "arrives later")})
        == troupe::cli::exit_usage);
}

TEST_CASE("every built-in subcommand has help") {
  auto builtins = troupe::cli::builtin_subcommands();
  std::vector<std::string> names;
  for (auto& cmd : builtins)
    names.push_back(cmd.name);
  CHECK(names
        == std::vector<std::string>{"replay", "record", "inspect", "convert",
                                    "run", "node"});
  for (auto& name : names) {
    CAPTURE(name);
    CHECK(run_cli({name, "--help"}, troupe::cli::builtin_subcommands()) == 0);
  }
}
