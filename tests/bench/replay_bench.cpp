// Replay benchmarks, each against a baseline measured in the same run:
//
//   throughput  max-rate replay of a generated 1,000,000-record log (JSON
//               Lines and MCL_LOG) into one subscribed agent, against
//               parsing the same file alone;
//   realtime    1 kHz for 10 s: lateness at the subscriber's handler and at
//               publish, and the CPU the whole process used (getrusage),
//               against the machine's floor on the same schedule (a thread
//               sleeping to each deadline, one spinning to it);
//   rss         peak RSS replaying a generated 100 MB and 1 GB log (each in
//               a fresh child process).
//
// Usage: bench_replay [--case all|throughput|realtime|rss|generate]
//                     [--records N]
//                     [--runs R] [--seconds S] [--rate HZ] [--dir DIR]
//                     [--scheduler stealing|sharing] [--threads N]
// Logs are generated into a temporary directory (or DIR) and removed.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <future>
#include <string>
#include <sys/resource.h>
#include <thread>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "troupe/actors/agent.hpp"
#include "troupe/runtime/log.hpp"
#include "troupe/runtime/log_source.hpp"
#include "troupe/runtime/log_writer.hpp"
#include "troupe/runtime/runtime.hpp"

#include <caf/all.hpp>

#include "bench_logs.hpp"
#include "bench_support.hpp"

namespace {

using bench::clock_type;
using bench::cpu_seconds;
using bench::median;
using bench::seconds_since;

// -- log generation -----------------------------------------------------------

/// Writes `n` records 1/rate s apart alternating two topics; payloads are
/// maps {name, seq, data} padded by `pad` bytes.
std::string generate(const std::string& dir, troupe::log_format fmt, uint64_t n,
                     double rate, size_t pad) {
  auto path
      = dir + (fmt == troupe::log_format::mcl ? "/gen.log" : "/gen.jsonl");
  auto seconds = static_cast<double>(n) / rate;
  bench::generate_log(
      path, fmt, {{"imu", rate / 2, pad, 0}, {"gps", rate / 2, pad, 1 / rate}},
      seconds);
  return path;
}

// -- the subscriber
// -------------------------------------------------------------

/// Counts records on the generated topics and signals after `expected`.
class counter : public troupe::agent {
public:
  counter(caf::actor_config& cfg, std::string name, uint64_t expected,
          std::promise<void>* done)
      : agent(cfg, std::move(name)), expected_(expected), done_(done) {
    // nop
  }

protected:
  void work() override {
    for (auto topic : {"imu", "gps"})
      subscribe(topic, [this](const troupe::value&) {
        if (++count_ == expected_)
          done_->set_value();
      });
  }

private:
  uint64_t expected_;
  uint64_t count_ = 0;
  std::promise<void>* done_;
};

/// CAF's scheduler policy for the replaying process: "stealing" (CAF's
/// default) or "sharing" (`--scheduler`).
std::string scheduler_policy = "stealing";

/// CAF's worker count (`--threads`); 0 keeps CAF's default, max(cores, 4).
int worker_threads = 0;

struct replay_run {
  double seconds = 0;
  double cpu = 0;
  troupe::replay_status status;
};

/// Replays `path` into one counting agent and waits for the end.
replay_run replay_file(const std::string& path, uint64_t n,
                       troupe::replay_options opts) {
  troupe::config cfg;
  if (worker_threads > 0)
    cfg.set("scheduler.max-threads", worker_threads);
  if (scheduler_policy == "sharing")
    cfg.set("scheduler.policy", caf::atom("sharing"));
  troupe::runtime rt{cfg};
  std::promise<void> done;
  auto future = done.get_future();
  if (!rt.spawn_agent<counter>("counter", n, &done))
    std::abort();
  auto& entry = rt.state()->topics.intern("gps");
  while (entry.subscriber_count() == 0)
    std::this_thread::yield();
  auto src = troupe::open_logs({path}, {});
  if (!src)
    std::abort();
  auto buf = rt.spawn_buffer(std::move(*src));
  caf::scoped_actor self{rt.system()};
  replay_run result;
  self->request(rt.broadcaster(), caf::infinite,
                troupe::replay_load{caf::actor_cast<caf::actor>(buf), opts})
      .receive([] {},
               [](caf::error& err) {
                 std::fprintf(stderr, "load: %s\n",
                              troupe::to_text(err).c_str());
                 std::exit(1);
               });
  auto cpu0 = cpu_seconds();
  auto start = clock_type::now();
  self->request(rt.broadcaster(), caf::infinite, troupe::replay_start{})
      .receive([](bool) {}, [](caf::error&) { std::abort(); });
  future.wait();
  result.seconds = seconds_since(start);
  self->request(rt.broadcaster(), caf::infinite, troupe::replay_await_end{})
      .receive([&](troupe::replay_status& st) { result.status = st; },
               [](caf::error&) { std::abort(); });
  result.cpu = cpu_seconds() - cpu0;
  return result;
}

double parse_file(const std::string& path, uint64_t n) {
  auto start = clock_type::now();
  auto src = troupe::open_logs({path}, {});
  if (!src)
    std::abort();
  troupe::record rec;
  troupe::bad_record bad;
  uint64_t count = 0;
  while ((*src)->next(rec, bad) == troupe::record_source::result::record)
    ++count;
  if (count != n)
    std::abort();
  return seconds_since(start);
}

// -- cases --------------------------------------------------------------------

void throughput(const std::string& dir, uint64_t n, int runs) {
  std::printf("max-rate replay, %llu records, one subscribed agent, %d runs "
              "(median)\n",
              static_cast<unsigned long long>(n), runs);
  std::printf("%-8s %10s %14s %14s %8s  %s\n", "format", "MB", "replay rec/s",
              "parse rec/s", "ratio", "[min, max]");
  for (auto fmt : {troupe::log_format::jsonl, troupe::log_format::mcl}) {
    auto path = generate(dir, fmt, n, 1000.0, 0);
    auto mb = static_cast<double>(std::filesystem::file_size(path)) / 1e6;
    troupe::replay_options opts;
    opts.max_rate = true;
    std::vector<double> replay_rates;
    std::vector<double> parse_rates;
    std::vector<double> ratios;
    for (int i = 0; i < runs; ++i) {
      auto parse = static_cast<double>(n) / parse_file(path, n);
      auto run = replay_file(path, n, opts);
      auto replay = static_cast<double>(n) / run.seconds;
      parse_rates.push_back(parse);
      replay_rates.push_back(replay);
      ratios.push_back(replay / parse);
    }
    auto [lo, hi] = std::minmax_element(ratios.begin(), ratios.end());
    std::printf("%-8s %10.1f %14.0f %14.0f %8.2f  [%.2f, %.2f]\n",
                fmt == troupe::log_format::mcl ? "mcl" : "jsonl", mb,
                median(replay_rates), median(parse_rates), median(ratios), *lo,
                *hi);
    std::filesystem::remove(path);
  }
}

/// The machine's own floor on the same schedule (see `bench::machine_floor`).
void machine_floor(double seconds, double rate, bool spin) {
  std::vector<int64_t> schedule;
  auto n = static_cast<int64_t>(seconds * rate);
  for (int64_t i = 1; i <= n; ++i)
    schedule.push_back(
        static_cast<int64_t>(static_cast<double>(i) * 1e9 / rate));
  auto x = bench::machine_floor(schedule, spin);
  std::printf("machine floor, %.0f Hz for %.0f s, a thread that %s each "
              "deadline\n",
              rate, seconds, spin ? "spins to" : "sleeps until");
  std::printf("  lateness                 p50 %8.1f us  p90 %8.1f us  p99 "
              "%8.1f us  max %8.1f us\n",
              x.p50_us, x.p90_us, x.p99_us, x.max_us);
  std::printf("  CPU %.1f%% of one core\n", 100.0 * x.cpu_share);
}

void realtime(const std::string& dir, double seconds, double rate) {
  auto n = static_cast<uint64_t>(seconds * rate);
  auto path = generate(dir, troupe::log_format::mcl, n, rate, 0);
  machine_floor(seconds, rate, false);
  machine_floor(seconds, rate, true);
  for (bool precise : {false, true}) {
    troupe::replay_options opts;
    opts.precise = precise;
    auto run = replay_file(path, n, opts);
    auto& st = run.status;
    auto us = [](int64_t ns) {
      return static_cast<double>(ns) / 1e3;
    };
    std::printf("real time, %.0f Hz for %.0f s, %s: %llu records\n", rate,
                seconds,
                precise ? "timing thread" : "actor clock (delayed_send)",
                static_cast<unsigned long long>(st.delivered));
    std::printf("  lateness at the handler  p50 %8.1f us  p90 %8.1f us  p99 "
                "%8.1f us  max %8.1f us\n",
                us(st.delivery_lateness.p50), us(st.delivery_lateness.p90),
                us(st.delivery_lateness.p99), us(st.delivery_lateness.max));
    std::printf("  lateness at publish      p50 %8.1f us  p90 %8.1f us  p99 "
                "%8.1f us  max %8.1f us\n",
                us(st.publish_lateness.p50), us(st.publish_lateness.p90),
                us(st.publish_lateness.p99), us(st.publish_lateness.max));
    std::printf("  CPU %.3f s over %.2f s wall = %.1f%% of one core\n", run.cpu,
                run.seconds, 100.0 * run.cpu / run.seconds);
  }
  std::filesystem::remove(path);
}

/// Replays `path` at max rate in this process and prints its peak RSS.
int rss_child(const std::string& path) {
  troupe::replay_options opts;
  opts.max_rate = true;
  auto src = troupe::open_logs({path}, {});
  if (!src)
    return 1;
  auto n = uint64_t{0};
  {
    troupe::record rec;
    troupe::bad_record bad;
    // Count once: the subscriber needs to know when it is done.
    while ((*src)->next(rec, bad) == troupe::record_source::result::record)
      ++n;
  }
  replay_file(path, n, opts);
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  std::printf("%ld\n", ru.ru_maxrss);
  return 0;
}

long run_rss_child(const char* self_path, const std::string& log) {
  std::string cmd = std::string{self_path} + " --case rss-child --file " + log;
  auto* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr)
    return -1;
  long kb = -1;
  if (std::fscanf(pipe, "%ld", &kb) != 1)
    kb = -1;
  ::pclose(pipe);
  return kb;
}

void rss(const std::string& dir, const char* self_path) {
  std::printf("peak RSS replaying generated MCL logs at max rate\n");
  std::vector<long> peaks;
  for (uint64_t mb : {100, 1000}) {
    // About 220 bytes per record line with a 64-byte pad.
    auto n = mb * 1000 * 1000 / 220;
    auto path = generate(dir, troupe::log_format::mcl, n, 1000.0, 64);
    auto size = static_cast<double>(std::filesystem::file_size(path)) / 1e6;
    auto kb = run_rss_child(self_path, path);
    peaks.push_back(kb);
    std::printf("  %7.0f MB log, %9llu records: peak RSS %7.1f MB\n", size,
                static_cast<unsigned long long>(n),
                static_cast<double>(kb) / 1024);
    std::filesystem::remove(path);
  }
  std::printf("  1 GB vs 100 MB: %+.1f%%\n",
              100.0 * static_cast<double>(peaks[1] - peaks[0])
                  / static_cast<double>(peaks[0]));
}

} // namespace

int main(int argc, char** argv) {
  std::string which = "all";
  uint64_t records = 1'000'000;
  int runs = 3;
  double seconds = 10;
  double rate = 1000;
  std::string dir;
  std::string file;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string key = argv[i];
    if (key == "--case")
      which = argv[i + 1];
    else if (key == "--records")
      records = std::strtoull(argv[i + 1], nullptr, 10);
    else if (key == "--runs")
      runs = std::atoi(argv[i + 1]);
    else if (key == "--seconds")
      seconds = std::atof(argv[i + 1]);
    else if (key == "--rate")
      rate = std::atof(argv[i + 1]);
    else if (key == "--dir")
      dir = argv[i + 1];
    else if (key == "--file")
      file = argv[i + 1];
    else if (key == "--threads")
      worker_threads = std::atoi(argv[i + 1]);
    else if (key == "--scheduler")
      scheduler_policy = argv[i + 1];
  }
  troupe::log::set_level(troupe::log::level::error);
  if (which == "rss-child")
    return rss_child(file);
  if (which == "replay-file") {
    // One max-rate replay of an existing log (for profiling).
    troupe::replay_options opts;
    opts.max_rate = true;
    auto run = replay_file(file, records, opts);
    std::printf("%.0f records/s\n", static_cast<double>(records) / run.seconds);
    return 0;
  }
  bool own_dir = dir.empty();
  if (own_dir && (dir = bench::make_temp_dir()).empty())
    return 1;
  if (which == "generate") {
    // Keeps the logs (for profiling): DIR/gen.jsonl and DIR/gen.log.
    generate(dir, troupe::log_format::jsonl, records, rate, 0);
    generate(dir, troupe::log_format::mcl, records, rate, 0);
    return 0;
  }
  if (which == "all" || which == "throughput")
    throughput(dir, records, runs);
  if (which == "all" || which == "realtime")
    realtime(dir, seconds, rate);
  if (which == "all" || which == "rss")
    rss(dir, argv[0]);
  if (own_dir)
    std::filesystem::remove_all(dir);
  return 0;
}
