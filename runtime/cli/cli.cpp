#include "troupe/runtime/cli/cli.hpp"

#include <cstdio>
#include <memory>

#include "troupe/runtime/cli/commands.hpp"
#include "troupe/runtime/version.hpp"

#include <CLI/CLI.hpp>

namespace troupe::cli {

std::string version_line() {
  return std::string{"troupe "} + version + " (CAF 0.17.6)";
}

std::vector<subcommand> builtin_subcommands() {
  return builtin_subcommands(nullptr);
}

std::vector<subcommand>
builtin_subcommands(std::shared_ptr<const registry> types) {
  return {replay_command(),
          record_command(),
          inspect_command(),
          convert_command(),
          run_command(std::move(types)),
          node_command()};
}

subcommand not_built(std::string name, std::string description,
                     std::string feature) {
  auto attach = [name, feature](CLI::App& app) -> std::function<int()> {
    app.allow_extras();
    return [name, feature] {
      std::fprintf(stderr, "troupe %s: not built yet: %s\n", name.c_str(),
                   feature.c_str());
      return static_cast<int>(exit_usage);
    };
  };
  return {std::move(name), std::move(description), std::move(attach)};
}

int main(int argc, char** argv) {
  return main(argc, argv, builtin_subcommands());
}

int main(int argc, char** argv, std::shared_ptr<const registry> types) {
  return main(argc, argv, builtin_subcommands(std::move(types)));
}

int main(int argc, char** argv, std::vector<subcommand> commands) {
  CLI::App app{"troupe: an actor runtime for experiments over live and "
               "recorded data",
               "troupe"};
  app.set_version_flag("--version", version_line());
  app.require_subcommand(1);
  std::function<int()> selected;
  for (auto& cmd : commands) {
    auto* sub = app.add_subcommand(cmd.name, cmd.description);
    auto runner = cmd.attach(*sub);
    sub->callback([&selected, runner] { selected = runner; });
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line on stderr, status 2, whatever CLI11 would have chosen.
    std::fprintf(stderr, "troupe: %s\n", e.what());
    return exit_usage;
  }
  if (!selected)
    return exit_usage;
  return selected();
}

} // namespace troupe::cli
