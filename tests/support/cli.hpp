#pragma once

#include <string>
#include <vector>

#include "troupe/runtime/cli/cli.hpp"

namespace test {

/// Runs the built-in `troupe` command line in this process.
inline int troupe_cli(std::vector<std::string> args) {
  std::vector<char*> argv;
  args.insert(args.begin(), "troupe");
  for (auto& arg : args)
    argv.push_back(arg.data());
  return troupe::cli::main(static_cast<int>(argv.size()), argv.data());
}

} // namespace test
