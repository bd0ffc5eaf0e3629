#pragma once

// `troupe run FILE`: runs an experiment file to its end or to an abort, on
// the real scheduler, and writes the run folder and the report.

#include <iosfwd>
#include <memory>
#include <string>

#include "troupe/runtime/experiment/registry.hpp"

namespace troupe {

class config;

struct run_options {
  /// Also write the JSON report here (the run folder always has one).
  std::string report_path;
  /// Run folders go to RUN_DIR/EXP_ID/RUN_ID; default: the system's
  /// temporary directory + "/troupe".
  std::string run_dir;
};

/// Configures the scheduler for experiments: one worker per core and CAF's
/// work-sharing policy. A controller fans out to thousands of resource
/// managers at once, and CAF 0.17's work stealing takes a job from the tail
/// of another worker's queue by walking the whole queue, which turns a
/// deploy of N resources quadratic. `troupe run` calls this; call it on
/// your own `troupe::config` before building the runtime.
void tune_for_experiments(config& cfg);

/// Runs `file` with `types`. Returns the exit status: 0 finished, 1 aborted
/// or failed, 2 bad file (one line on `err`, before anything is deployed).
/// Progress and the run folder go to `out`.
int run_experiment_file(const std::string& file, const run_options& opts,
                        std::shared_ptr<const registry> types,
                        std::ostream& out, std::ostream& err);

} // namespace troupe
