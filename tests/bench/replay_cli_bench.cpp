// The replay as users run it: the `troupe` binary, measured from outside
// (wall time and CPU of the child process from wait4, lateness from its
// report), each figure next to a baseline measured in the same run:
//
//   realtime  `troupe replay LOG --sink null --report R` on a 1 kHz log (two
//             topics, no payload) and on a realistic one (three topics,
//             2 kHz in all, payloads of 48 B to 8 KB, ties between two
//             topics), against the machine's floor on the same schedule: a
//             thread that sleeps to each record's time (and, once, one that
//             spins to it);
//   max       `troupe replay LOG --speed max --sink null` against
//             `troupe inspect LOG` (reading the same file alone), runs
//             alternating, JSON Lines and MCL_LOG.
//
// Usage: bench_replay_cli [--case all|realtime|max] [--runs R]
//                         [--seconds S] [--records N] [--troupe PATH]
//                         [--dir DIR]

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_logs.hpp"
#include "bench_support.hpp"

namespace {

std::string troupe_path = TROUPE_BIN_PATH;

struct lateness {
  double p50 = 0;
  double p90 = 0;
  double p99 = 0;
  double max = 0;
};

struct replay_result {
  bench::child_run run;
  nlohmann::json report;
};

replay_result replay(const std::string& log, const std::string& speed,
                     const std::string& dir) {
  auto report = dir + "/report.json";
  std::filesystem::remove(report);
  replay_result result;
  result.run = bench::run_child({troupe_path, "replay", log, "--speed", speed,
                                 "--sink", "null", "--progress", "never",
                                 "--report", report});
  if (result.run.status != 0) {
    std::fprintf(stderr, "troupe replay %s failed (status %d)\n", log.c_str(),
                 result.run.status);
    std::exit(1);
  }
  std::ifstream in{report};
  result.report = nlohmann::json::parse(in);
  return result;
}

void print_row(const char* what, double p50, double p90, double p99, double max,
               double cpu) {
  std::printf("  %-34s %9.1f %9.1f %9.1f %10.1f %8.1f%%\n", what, p50, p90, p99,
              max, cpu * 100);
}

void realtime_case(const char* title,
                   const std::vector<bench::topic_spec>& tops, double seconds,
                   int runs, const std::string& dir) {
  auto log = dir + "/realtime.jsonl";
  auto schedule
      = bench::generate_log(log, troupe::log_format::jsonl, tops, seconds);
  std::printf("\n%s: %zu records over %.0f s, %d runs\n", title,
              schedule.size(), seconds, runs);
  std::printf("  %-34s %9s %9s %9s %10s %9s\n", "lateness, us", "p50", "p90",
              "p99", "max", "CPU");
  auto spin = bench::machine_floor(schedule, true);
  print_row("floor: a thread spinning to each", spin.p50_us, spin.p90_us,
            spin.p99_us, spin.max_us, spin.cpu_share);
  for (int i = 0; i < runs; ++i) {
    auto sleep = bench::machine_floor(schedule, false);
    print_row("floor: a thread sleeping to each", sleep.p50_us, sleep.p90_us,
              sleep.p99_us, sleep.max_us, sleep.cpu_share);
    auto r = replay(log, "1", dir);
    auto& l = r.report["lateness_us"];
    if (r.report["records_published"] != schedule.size())
      std::fprintf(stderr, "  (published %s of %zu records)\n",
                   r.report["records_published"].dump().c_str(),
                   schedule.size());
    print_row("troupe replay (at the sink)", l["p50"], l["p90"], l["p99"],
              l["max"], r.run.cpu_s / r.run.wall_s);
  }
  std::filesystem::remove(log);
}

void realtime(double seconds, int runs, const std::string& dir) {
  realtime_case("1 kHz, two topics alternating, no payload",
                {{"imu", 500, 0, 0}, {"gps", 500, 0, 0.001}}, seconds, runs,
                dir);
  realtime_case("realistic: imu 1 kHz 48 B, odom 500 Hz 600 B (same times "
                "as imu), scan 500 Hz 8 KB",
                {{"imu", 1000, 48, 0},
                 {"odom", 500, 600, 0},
                 {"scan", 500, 8000, 0.0007}},
                seconds, runs, dir);
}

void max_rate(uint64_t records, int runs, const std::string& dir) {
  std::printf("\nmax rate, %llu records, %d runs (median [min, max])\n",
              static_cast<unsigned long long>(records), runs);
  std::printf("  %-6s %8s %14s %14s %8s  %s\n", "format", "MB", "replay rec/s",
              "inspect rec/s", "ratio", "[min, max]");
  auto seconds = static_cast<double>(records) / 1000.0;
  for (auto fmt : {troupe::log_format::jsonl, troupe::log_format::mcl}) {
    bool mcl = fmt == troupe::log_format::mcl;
    auto log = dir + (mcl ? "/max.log" : "/max.jsonl");
    auto n = bench::generate_log(log, fmt,
                                 {{"imu", 1000.0 / 3, 0, 0},
                                  {"gps", 1000.0 / 3, 0, 0.001},
                                  {"odom", 1000.0 / 3, 0, 0.002}},
                                 seconds)
                 .size();
    auto mb = static_cast<double>(std::filesystem::file_size(log)) / 1e6;
    std::vector<double> replays;
    std::vector<double> inspects;
    std::vector<double> ratios;
    for (int i = 0; i < runs; ++i) {
      auto inspect = bench::run_child({troupe_path, "inspect", log});
      auto r = replay(log, "max", dir);
      auto published = r.report["records_published"].get<double>();
      if (published != static_cast<double>(n))
        std::fprintf(stderr, "  (published %.0f of %zu)\n", published, n);
      auto replay_rate = published / r.run.wall_s;
      auto inspect_rate = static_cast<double>(n) / inspect.wall_s;
      replays.push_back(replay_rate);
      inspects.push_back(inspect_rate);
      ratios.push_back(replay_rate / inspect_rate);
    }
    auto [lo, hi] = std::minmax_element(ratios.begin(), ratios.end());
    std::printf("  %-6s %8.1f %14.0f %14.0f %8.2f  [%.2f, %.2f]\n",
                mcl ? "mcl" : "jsonl", mb, bench::median(replays),
                bench::median(inspects), bench::median(ratios), *lo, *hi);
    std::filesystem::remove(log);
  }
}

} // namespace

int main(int argc, char** argv) {
  std::string which = "all";
  int runs = 3;
  double seconds = 10;
  uint64_t records = 1'000'000;
  std::string dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string key = argv[i];
    if (key == "--case")
      which = argv[i + 1];
    else if (key == "--runs")
      runs = std::atoi(argv[i + 1]);
    else if (key == "--seconds")
      seconds = std::atof(argv[i + 1]);
    else if (key == "--records")
      records = std::strtoull(argv[i + 1], nullptr, 10);
    else if (key == "--troupe")
      troupe_path = argv[i + 1];
    else if (key == "--dir")
      dir = argv[i + 1];
  }
  bool own_dir = dir.empty();
  if (own_dir && (dir = bench::make_temp_dir()).empty())
    return 1;
  std::printf("troupe: %s\n", troupe_path.c_str());
  if (which == "all" || which == "realtime")
    realtime(seconds, runs, dir);
  if (which == "all" || which == "max")
    max_rate(records, runs, dir);
  if (own_dir)
    std::filesystem::remove_all(dir);
  return 0;
}
