#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "troupe/messages/experiment.hpp"

namespace troupe {

/// Named intervals of a run (RIOS Timers): per name, every duration added;
/// summarized as count, total, min, quartiles, median and max. Thread-safe:
/// several threads may add to the same name.
class run_timers {
public:
  using clock = std::chrono::steady_clock;

  run_timers();

  run_timers(const run_timers& other);

  run_timers& operator=(const run_timers& other);

  /// Adds one interval of `seconds` under `name`.
  void add(const std::string& name, double seconds);

  /// Adds the interval from `start` to now under `name`.
  void add_since(const std::string& name, clock::time_point start);

  /// Appends every interval of `other` (same names accumulate).
  void merge(const run_timers& other);

  /// The durations recorded under `name` (empty if none).
  std::vector<double> durations(const std::string& name) const;

  /// One summary per name, sorted by name. Quartiles interpolate linearly
  /// between closest ranks.
  std::vector<timer_summary> summaries() const;

  /// A text report: the first line is the wall-clock time since the timers
  /// were created, then one line per name with
  /// "name n total min p25 median p75 max".
  std::string report() const;

private:
  mutable std::mutex mtx_;
  clock::time_point created_;
  std::map<std::string, std::vector<double>> intervals_;
};

/// Summarizes one list of durations (empty: all zero).
timer_summary summarize(const std::string& name, std::vector<double> xs);

} // namespace troupe
