// Monitor benchmark: what polling costs and how fast updates reach a
// subscriber, on CAF's threaded scheduler and the monitor's worker threads.
//
// Usage: bench_monitor [--points N] [--dt-ms D] [--seconds S] [--warmup S]
//                      [--case all|cpu|latency] [--scheduler S] [--workers W]
//                      [--wave-gap-us G]
//
// cpu: the process's CPU time (getrusage: every thread, user + system) over
//      S seconds, with N trivial points polled every D ms, next to the same
//      runtime and monitor with no points (CAF's idle cost), in one run.
// latency: every poll returns the steady clock; a subscriber to all points
//      records how long after the poll each update reached it; N / 10 and N
//      points registered at once (in phase: they fall due together every
//      dt, and the monitor starts them in waves, see
//      `monitor_config::poll_wave`), and N points registered in 100 groups
//      over one dt (staggered).
// --scheduler stealing|sharing picks CAF's scheduler policy (default: CAF's
// work stealing); --workers W the monitor's poll threads (default 10);
// --wave-gap-us G the monitor's `poll_wave_gap` (default 1000; 0 starts
// every due poll at once).

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <sys/resource.h>
#include <thread>
#include <vector>

#include "troupe/actors/monitor.hpp"
#include "troupe/runtime/log.hpp"
#include "troupe/runtime/monitor/poll.hpp"
#include "troupe/runtime/runtime.hpp"

#include <caf/all.hpp>

using namespace std::chrono_literals;
using namespace troupe;

namespace {

using steady = std::chrono::steady_clock;

int points = 10000;
int dt_ms = 100;
double seconds = 10;
double warmup = 3;
/// Poll worker threads of the monitor.
size_t workers = monitor_config{}.workers;
caf::timespan wave_gap = monitor_config{}.poll_wave_gap;
/// CAF's scheduler policy: "stealing" (CAF's default) or "sharing".
std::string policy = "stealing";

struct bench_config : config {
  bench_config() {
    if (policy == "sharing")
      set("scheduler.policy", caf::atom("sharing"));
  }
};

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto tv = [](const timeval& t) {
    return t.tv_sec + t.tv_usec / 1e6;
  };
  return tv(usage.ru_utime) + tv(usage.ru_stime);
}

int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             steady::now().time_since_epoch())
      .count();
}

void sleep_for(double s) {
  std::this_thread::sleep_for(std::chrono::duration<double>(s));
}

/// Registers `n` points fed by `fn` and waits until the monitor has them.
/// `staggered`: in 100 groups over one dt, as the parts of a running system
/// register theirs, rather than all at one instant (whose polls then stay
/// in phase: one burst of `n` updates per dt).
void add_points(runtime& rt, const monitor_actor& mon, int n, poll_ptr fn,
                bool staggered = false) {
  caf::scoped_actor self{rt.system()};
  point_options opts;
  opts.dt = std::chrono::milliseconds{dt_ms};
  opts.parent = "bench";
  auto group = std::max(1, n / 100);
  for (int i = 0; i < n; ++i) {
    self->send(mon, caf::add_atom::value,
               make_point("p" + std::to_string(i), opts, fn));
    if (staggered && (i + 1) % group == 0)
      sleep_for(dt_ms / 1e3 / 100);
  }
  self->request(mon, caf::infinite, caf::get_atom::value, snapshot_atom::value)
      .receive(
          [&](const monitor_snapshot& snap) {
            if (snap.points.size() != static_cast<size_t>(n + (n > 0)))
              std::fprintf(stderr, "expected %d points, got %zu\n", n,
                           snap.points.size());
          },
          [](caf::error& err) {
            std::fprintf(stderr, "%s\n", to_text(err).c_str());
            std::exit(1);
          });
}

uint64_t total_updates(runtime& rt, const monitor_actor& mon) {
  uint64_t result = 0;
  caf::scoped_actor self{rt.system()};
  self->request(mon, caf::infinite, caf::get_atom::value, snapshot_atom::value)
      .receive(
          [&](const monitor_snapshot& snap) {
            for (auto& p : snap.points)
              result += p.updates;
          },
          [](caf::error&) {});
  return result;
}

struct cpu_figures {
  double cpu_percent = 0;
  double polls_per_second = 0;
};

/// CPU of a runtime whose only work is one actor woken every dt: what the
/// scheduler costs for any periodic activity, monitor or not.
double measure_ticker() {
  bench_config cfg;
  runtime rt{cfg};
  auto period = std::chrono::milliseconds{dt_ms};
  rt.spawn([period](caf::event_based_actor* self) -> caf::behavior {
    self->send(self, caf::tick_atom::value);
    return {[self, period](caf::tick_atom) {
      self->delayed_send(self, period, caf::tick_atom::value);
    }};
  });
  sleep_for(warmup);
  auto cpu0 = cpu_seconds();
  auto t0 = steady::now();
  sleep_for(seconds);
  auto cpu1 = cpu_seconds();
  auto wall = std::chrono::duration<double>(steady::now() - t0).count();
  return 100.0 * (cpu1 - cpu0) / wall;
}

cpu_figures measure_cpu(int n) {
  bench_config cfg;
  runtime rt{cfg};
  monitor_config mcfg;
  mcfg.workers = workers;
  mcfg.poll_wave_gap = wave_gap;
  auto mon = spawn_monitor(rt, mcfg);
  if (!mon)
    std::exit(1);
  if (n > 0)
    add_points(rt, *mon, n, poll([] { return 1.0; }));
  sleep_for(warmup);
  auto updates0 = total_updates(rt, *mon);
  auto cpu0 = cpu_seconds();
  auto t0 = steady::now();
  sleep_for(seconds);
  auto cpu1 = cpu_seconds();
  auto wall = std::chrono::duration<double>(steady::now() - t0).count();
  auto updates1 = total_updates(rt, *mon);
  return {100.0 * (cpu1 - cpu0) / wall, (updates1 - updates0) / wall};
}

/// Latencies (ns) recorded by the subscriber while `recording` is set.
struct latency_log {
  std::mutex mtx;
  std::vector<int64_t> samples;
  std::atomic<bool> recording{false};
};

void measure_latency(int n, bool staggered) {
  bench_config cfg;
  runtime rt{cfg};
  monitor_config mcfg;
  mcfg.workers = workers;
  mcfg.poll_wave_gap = wave_gap;
  auto mon = spawn_monitor(rt, mcfg);
  if (!mon)
    std::exit(1);
  auto log = std::make_shared<latency_log>();
  auto sub = rt.spawn([log](caf::event_based_actor*) -> caf::behavior {
    return {[log](const std::vector<point_update>& xs) {
      auto now = steady_ns();
      if (!log->recording)
        return;
      std::lock_guard<std::mutex> guard{log->mtx};
      for (auto& x : xs)
        log->samples.push_back(now - x.value.as_integer());
    }};
  });
  {
    caf::scoped_actor self{rt.system()};
    self->request(*mon, caf::infinite, caf::subscribe_atom::value,
                  std::string{}, sub)
        .receive([] {}, [](caf::error&) { std::exit(1); });
  }
  add_points(rt, *mon, n, poll([] { return steady_ns(); }), staggered);
  sleep_for(warmup);
  log->recording = true;
  sleep_for(seconds);
  log->recording = false;
  std::vector<int64_t> xs;
  {
    std::lock_guard<std::mutex> guard{log->mtx};
    xs.swap(log->samples);
  }
  if (xs.empty()) {
    std::printf("%-34s no updates\n", "latency");
    return;
  }
  std::sort(xs.begin(), xs.end());
  auto pct = [&](double p) {
    return xs[std::min(xs.size() - 1, static_cast<size_t>(p * xs.size()))]
           / 1e3;
  };
  auto label = std::to_string(n) + " points"
               + (staggered ? ", staggered" : ", in phase");
  std::printf("%-34s %10zu %9.1f %9.1f %9.1f %9.1f\n", label.c_str(), xs.size(),
              pct(0.5), pct(0.99), pct(0.999), xs.back() / 1e3);
}

} // namespace

int main(int argc, char** argv) {
  std::string which = "all";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--points") == 0)
      points = std::atoi(argv[i + 1]);
    else if (std::strcmp(argv[i], "--dt-ms") == 0)
      dt_ms = std::atoi(argv[i + 1]);
    else if (std::strcmp(argv[i], "--seconds") == 0)
      seconds = std::atof(argv[i + 1]);
    else if (std::strcmp(argv[i], "--warmup") == 0)
      warmup = std::atof(argv[i + 1]);
    else if (std::strcmp(argv[i], "--case") == 0)
      which = argv[i + 1];
    else if (std::strcmp(argv[i], "--scheduler") == 0)
      policy = argv[i + 1];
    else if (std::strcmp(argv[i], "--workers") == 0)
      workers = static_cast<size_t>(std::atoi(argv[i + 1]));
    else if (std::strcmp(argv[i], "--wave-gap-us") == 0)
      wave_gap = std::chrono::microseconds{std::atoi(argv[i + 1])};
  }
  log::set_level(log::level::error);
  std::printf(
      "CAF scheduler: %s, monitor workers: %zu, poll waves %zu per "
      "%lld us\n",
      policy == "sharing" ? "sharing" : "work stealing (default)", workers,
      monitor_config{}.poll_wave,
      static_cast<long long>(
          std::chrono::duration_cast<std::chrono::microseconds>(wave_gap)
              .count()));
  if (which == "all" || which == "cpu") {
    std::printf("monitor cpu: %d trivial points every %d ms, %.0f s measured "
                "after %.0f s warm-up, process CPU (all threads)\n",
                points, dt_ms, seconds, warmup);
    std::printf("%-34s %12s %12s\n", "case", "cpu % core", "polls/s");
    auto idle = measure_cpu(0);
    std::printf("%-34s %12.2f %12.0f\n", "runtime + monitor, no points",
                idle.cpu_percent, idle.polls_per_second);
    auto ticker = "one actor woken every " + std::to_string(dt_ms) + " ms";
    std::printf("%-34s %12.2f %12s\n", ticker.c_str(), measure_ticker(), "-");
    auto busy = measure_cpu(points);
    auto label = std::to_string(points) + " points";
    std::printf("%-34s %12.2f %12.0f\n", label.c_str(), busy.cpu_percent,
                busy.polls_per_second);
    std::printf("%-34s %12.2f   (target <= 5)\n", "cost of the points",
                busy.cpu_percent - idle.cpu_percent);
  }
  if (which == "all" || which == "latency") {
    std::printf("\nmonitor latency: poll -> subscriber, subscribed to all "
                "points, every %d ms, %.0f s measured (us)\n",
                dt_ms, seconds);
    std::printf("%-34s %10s %9s %9s %9s %9s\n", "case", "updates", "p50", "p99",
                "p99.9", "max");
    measure_latency(std::max(1, points / 10), false);
    measure_latency(points, false);
    measure_latency(points, true);
    std::printf("(target: p99 <= 1000 us)\n");
  }
}
