#pragma once

// Generated logs for the replay benchmarks: topics at their own rates and
// payload sizes, merged by time, each payload numbered by its position.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "troupe/messages/errors.hpp"
#include "troupe/runtime/log_writer.hpp"

namespace bench {

struct topic_spec {
  std::string name;
  double rate_hz = 1000;
  /// Bytes of filler in each payload (besides name, seq, data).
  size_t payload_bytes = 0;
  /// The first record's time, s.
  double phase_s = 0;
};

/// Writes `seconds` of records on `topics` to `path`: each topic at its
/// rate, merged by time (ties in the order of `topics`), payloads
/// `{name, seq, data[, pad]}` with `seq` the record's position in the log.
/// Returns each record's time (ns), in log order.
inline std::vector<int64_t> generate_log(const std::string& path,
                                         troupe::log_format fmt,
                                         const std::vector<topic_spec>& topics,
                                         double seconds) {
  struct entry {
    int64_t ns;
    size_t topic;
  };
  std::vector<entry> order;
  for (size_t t = 0; t < topics.size(); ++t) {
    auto n = static_cast<int64_t>(std::floor(seconds * topics[t].rate_hz));
    for (int64_t i = 0; i < n; ++i) {
      auto s = topics[t].phase_s + static_cast<double>(i) / topics[t].rate_hz;
      order.push_back({static_cast<int64_t>(std::llround(s * 1e9)), t});
    }
  }
  std::stable_sort(order.begin(), order.end(),
                   [](const entry& x, const entry& y) { return x.ns < y.ns; });
  troupe::write_options opts;
  opts.format = fmt;
  auto writer = troupe::log_writer::open(path, opts);
  if (!writer) {
    std::fprintf(stderr, "%s\n", troupe::to_text(writer.error()).c_str());
    std::exit(1);
  }
  std::vector<std::string> fillers;
  for (auto& t : topics)
    fillers.emplace_back(t.payload_bytes, 'x');
  std::vector<int64_t> schedule;
  schedule.reserve(order.size());
  troupe::record rec;
  for (size_t i = 0; i < order.size(); ++i) {
    auto& t = topics[order[i].topic];
    rec.elapsed_ns = order[i].ns;
    rec.topic = t.name;
    rec.type = "Sample";
    std::vector<std::pair<std::string, troupe::value>> members{
        {"name", troupe::value{"Sample"}},
        {"seq", troupe::value{static_cast<int64_t>(i)}},
        {"data", troupe::value{static_cast<double>(order[i].ns) / 1e9}}};
    if (t.payload_bytes > 0)
      members.emplace_back("pad", troupe::value{fillers[order[i].topic]});
    rec.payload = troupe::value::map(std::move(members));
    if (auto err = (*writer)->write(rec)) {
      std::fprintf(stderr, "%s\n", troupe::to_text(err).c_str());
      std::exit(1);
    }
    schedule.push_back(order[i].ns);
  }
  (*writer)->close();
  return schedule;
}

} // namespace bench
