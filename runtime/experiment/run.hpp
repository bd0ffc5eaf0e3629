#pragma once

// `troupe run FILE`: runs an experiment file to its end or to an abort, on
// the real scheduler, and writes the run folder and the report.

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>

#include "troupe/actors/monitor.hpp"
#include "troupe/runtime/experiment/registry.hpp"

namespace troupe {

class config;
class runtime;

struct run_options {
  /// Also write the JSON report here (the run folder always has one).
  std::string report_path;
  /// Run folders go to RUN_DIR/EXP_ID/RUN_ID; default: the system's
  /// temporary directory + "/troupe".
  std::string run_dir;
  /// "table": a live table of the monitor on standard output (redrawn in
  /// place on a terminal, appended otherwise) and the final table at the
  /// end of the run; "off".
  std::string monitor_view = "off";
  /// Serve the monitor over HTTP on 127.0.0.1 at this port (0: a free
  /// one, printed); negative: no endpoint.
  int metrics_port = -1;
  /// Adds a user's own points to the run's monitor (before anything is
  /// deployed).
  std::function<void(runtime&, const monitor_actor&)> add_points;
};

/// Configures the scheduler for experiments: one worker per core and CAF's
/// work-sharing policy. A controller fans out to thousands of resource
/// managers at once, and CAF 0.17's work stealing takes a job from the tail
/// of another worker's queue by walking the whole queue, which turns a
/// deploy of N resources quadratic. `troupe run` calls this; call it on
/// your own `troupe::config` before building the runtime.
void tune_for_experiments(config& cfg);

/// Runs `file` with `types`. Returns the exit status: 0 finished, 1 aborted
/// or failed, 2 bad file or option (one line on `err`, before anything is
/// deployed). Progress and the run folder go to `out`.
///
/// Every run has a monitor: the runtime's points (`runtime/`), the
/// resources' states (`experiment/resources/`) and each replay's position,
/// state, lateness and stall (`experiment/replays/<name>/`). Its critical
/// alerts go to the failure manager, and its snapshot at the end of the
/// run (before the release) is the report's `monitor` key.
int run_experiment_file(const std::string& file, const run_options& opts,
                        std::shared_ptr<const registry> types,
                        std::ostream& out, std::ostream& err);

} // namespace troupe
