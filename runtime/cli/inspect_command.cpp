#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "troupe/runtime/cli/commands.hpp"
#include "troupe/runtime/cli/replay_support.hpp"
#include "troupe/runtime/detail/record_stream.hpp"
#include "troupe/runtime/log_source.hpp"

#include <CLI/CLI.hpp>

namespace troupe::cli {

namespace {

struct topic_summary {
  uint64_t count = 0;
  int64_t first = 0;
  int64_t last = 0;
  std::string type;
};

struct inspect_args {
  std::vector<std::string> paths;
  bool include_raw = false;
  std::string on_bad = "skip";
};

int run_inspect(const inspect_args& args) {
  if (args.on_bad != "skip" && args.on_bad != "stop")
    return fail("inspect", "--on-bad-record: expected skip or stop");
  read_options opts;
  opts.include_raw = args.include_raw;
  auto src = open_logs(args.paths, opts);
  if (!src)
    return fail("inspect", src.error());
  std::map<std::string, topic_summary> topics;
  uint64_t total = 0;
  uint64_t bad_count = 0;
  int64_t first = 0;
  int64_t last = 0;
  record rec;
  bad_record bad;
  for (bool done = false; !done;) {
    switch ((*src)->next(rec, bad)) {
      case record_source::result::end: done = true; break;
      case record_source::result::bad:
        if (args.on_bad == "stop")
          return fail("inspect", bad.file + ":" + std::to_string(bad.line)
                                     + ": " + bad.reason);
        if (bad_count++ == 0)
          std::fprintf(
              stderr, "troupe inspect: %s:%llu: %s\n", bad.file.c_str(),
              static_cast<unsigned long long>(bad.line), bad.reason.c_str());
        break;
      case record_source::result::record: {
        auto& name = rec.topic.empty() ? rec.type : rec.topic;
        auto& t = topics[name];
        if (t.count++ == 0) {
          t.first = rec.elapsed_ns;
          t.type = rec.type;
        }
        t.last = rec.elapsed_ns;
        if (total++ == 0)
          first = rec.elapsed_ns;
        last = rec.elapsed_ns;
      }
    }
  }
  auto secs = [](int64_t ns) {
    return detail::format_seconds(ns, 3);
  };
  std::printf("files:\n");
  for (auto& file : (*src)->files())
    std::printf("  %s\n", file.c_str());
  std::printf("records: %llu  bad: %llu  first: %s s  last: %s s  duration: "
              "%s s\n",
              static_cast<unsigned long long>(total),
              static_cast<unsigned long long>(bad_count), secs(first).c_str(),
              secs(last).c_str(), secs(last - first).c_str());
  std::printf("%-28s %-24s %10s %12s %12s %10s\n", "topic", "type", "count",
              "first (s)", "last (s)", "rate (Hz)");
  for (auto& [name, t] : topics) {
    double span = static_cast<double>(t.last - t.first) / 1e9;
    double rate = span > 0 ? static_cast<double>(t.count - 1) / span : 0.0;
    std::printf("%-28s %-24s %10llu %12s %12s %10.2f\n", name.c_str(),
                t.type.c_str(), static_cast<unsigned long long>(t.count),
                secs(t.first).c_str(), secs(t.last).c_str(), rate);
  }
  return exit_ok;
}

} // namespace

subcommand inspect_command() {
  auto attach = [](CLI::App& app) -> std::function<int()> {
    auto args = std::make_shared<inspect_args>();
    app.add_option("logs", args->paths,
                   "MCL_LOG or JSON Lines files, or directories of them")
        ->required();
    app.add_flag("--include-raw", args->include_raw,
                 "also read raw-data (>>> None) logs in directories");
    app.add_option("--on-bad-record", args->on_bad,
                   "skip (default) or stop (exit 2)");
    return [args] {
      return run_inspect(*args);
    };
  };
  return {"inspect",
          "Summarize logs: per topic count, first / last time, rate; files",
          std::move(attach)};
}

} // namespace troupe::cli
