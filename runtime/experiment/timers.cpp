#include "troupe/runtime/experiment/timers.hpp"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

namespace troupe {

namespace {

/// Percentile with linear interpolation between closest ranks (numpy's
/// default), on sorted input.
double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty())
    return 0;
  auto rank = p / 100.0 * static_cast<double>(sorted.size() - 1);
  auto lo = static_cast<size_t>(rank);
  auto hi = std::min(lo + 1, sorted.size() - 1);
  auto frac = rank - static_cast<double>(lo);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

} // namespace

timer_summary summarize(const std::string& name, std::vector<double> xs) {
  timer_summary result;
  result.name = name;
  result.n = xs.size();
  if (xs.empty())
    return result;
  std::sort(xs.begin(), xs.end());
  result.total_s = std::accumulate(xs.begin(), xs.end(), 0.0);
  result.min_s = xs.front();
  result.max_s = xs.back();
  result.p25_s = percentile(xs, 25);
  result.median_s = percentile(xs, 50);
  result.p75_s = percentile(xs, 75);
  return result;
}

run_timers::run_timers() : created_(clock::now()) {
  // nop
}

run_timers::run_timers(const run_timers& other) {
  std::lock_guard<std::mutex> guard{other.mtx_};
  created_ = other.created_;
  intervals_ = other.intervals_;
}

run_timers& run_timers::operator=(const run_timers& other) {
  if (this == &other)
    return *this;
  std::map<std::string, std::vector<double>> copy;
  clock::time_point created;
  {
    std::lock_guard<std::mutex> guard{other.mtx_};
    copy = other.intervals_;
    created = other.created_;
  }
  std::lock_guard<std::mutex> guard{mtx_};
  created_ = created;
  intervals_ = std::move(copy);
  return *this;
}

void run_timers::add(const std::string& name, double seconds) {
  std::lock_guard<std::mutex> guard{mtx_};
  intervals_[name].push_back(seconds);
}

void run_timers::add_since(const std::string& name, clock::time_point start) {
  std::chrono::duration<double> elapsed = clock::now() - start;
  add(name, elapsed.count());
}

void run_timers::merge(const run_timers& other) {
  if (this == &other)
    return;
  std::map<std::string, std::vector<double>> copy;
  {
    std::lock_guard<std::mutex> guard{other.mtx_};
    copy = other.intervals_;
  }
  std::lock_guard<std::mutex> guard{mtx_};
  for (auto& kvp : copy) {
    auto& dst = intervals_[kvp.first];
    dst.insert(dst.end(), kvp.second.begin(), kvp.second.end());
  }
}

std::vector<double> run_timers::durations(const std::string& name) const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = intervals_.find(name);
  return i != intervals_.end() ? i->second : std::vector<double>{};
}

std::vector<timer_summary> run_timers::summaries() const {
  std::lock_guard<std::mutex> guard{mtx_};
  std::vector<timer_summary> result;
  for (auto& kvp : intervals_)
    result.push_back(summarize(kvp.first, kvp.second));
  return result;
}

std::string run_timers::report() const {
  std::chrono::duration<double> wall = clock::now() - created_;
  auto result = fmt::format("wall clock: {:.3f} s\n", wall.count());
  result += fmt::format("{:<20} {:>8} {:>10} {:>10} {:>10} {:>10} {:>10} "
                        "{:>10}\n",
                        "timer", "n", "total_s", "min_s", "p25_s", "median_s",
                        "p75_s", "max_s");
  for (auto& x : summaries())
    result += fmt::format("{:<20} {:>8} {:>10.4f} {:>10.4f} {:>10.4f} "
                          "{:>10.4f} {:>10.4f} {:>10.4f}\n",
                          x.name, x.n, x.total_s, x.min_s, x.p25_s, x.median_s,
                          x.p75_s, x.max_s);
  return result;
}

} // namespace troupe
