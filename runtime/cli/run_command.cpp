#include <iostream>
#include <memory>

#include "troupe/runtime/cli/commands.hpp"
#include "troupe/runtime/experiment/run.hpp"

#include <CLI/CLI.hpp>

namespace troupe::cli {

subcommand run_command(std::shared_ptr<const registry> types) {
  auto attach = [types](CLI::App& app) -> std::function<int()> {
    auto file = std::make_shared<std::string>();
    auto opts = std::make_shared<run_options>();
    app.add_option("file", *file, "The experiment file (TOML)")->required();
    app.add_option("--report", opts->report_path,
                   "Also write the JSON report to this file");
    app.add_option("--run-dir", opts->run_dir,
                   "Where run folders go (default: $TMPDIR/troupe)");
    app.add_option("--monitor", opts->monitor_view,
                   "table: a live table of the monitor on stdout (in place "
                   "on a terminal, appended otherwise); off (default)");
    app.add_option("--metrics-port", opts->metrics_port,
                   "Serve /metrics and a status page on 127.0.0.1 at this "
                   "port (0: a free one, printed)");
    return [types, file, opts] {
      return run_experiment_file(*file, *opts, types, std::cout, std::cerr);
    };
  };
  return {"run",
          "Run an experiment file to its end or to an abort (exit 0 "
          "finished, 1 aborted or failed, 2 bad file)",
          std::move(attach)};
}

} // namespace troupe::cli
