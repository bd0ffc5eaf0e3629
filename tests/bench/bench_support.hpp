#pragma once

// What the benchmarks share: clocks and CPU time, medians, running the
// `troupe` binary as users do (a child process, measured from outside), and
// the machine's own timing floor on a given schedule.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>
#ifdef __linux__
#include <sys/prctl.h>
#endif

namespace bench {

using clock_type = std::chrono::steady_clock;

inline double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

inline double seconds_of(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

/// CPU time (user + system) of this process, all threads.
inline double cpu_seconds() {
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return seconds_of(ru.ru_utime) + seconds_of(ru.ru_stime);
}

inline double median(std::vector<double> xs) {
  if (xs.empty())
    return 0;
  std::sort(xs.begin(), xs.end());
  return xs[xs.size() / 2];
}

/// A fresh directory for generated logs (empty on failure).
inline std::string make_temp_dir() {
  auto pattern
      = (std::filesystem::temp_directory_path() / "troupe-bench-XXXXXX")
            .string();
  if (::mkdtemp(pattern.data()) == nullptr)
    return {};
  return pattern;
}

/// What a child process took, measured from outside (wait4).
struct child_run {
  int status = -1;
  double wall_s = 0;
  double cpu_s = 0;
  long max_rss_kb = 0;
};

/// Runs `argv` (argv[0] is the program's path) with stdout and stderr sent
/// to `output` (or /dev/null) and waits for it.
inline child_run run_child(const std::vector<std::string>& argv,
                           const std::string& output = "/dev/null") {
  child_run result;
  // The child must not print what this process buffered.
  std::fflush(stdout);
  std::fflush(stderr);
  auto start = clock_type::now();
  auto pid = ::fork();
  if (pid == 0) {
    if (auto* out = std::freopen(output.c_str(), "w", stdout); out != nullptr)
      ::dup2(::fileno(out), STDERR_FILENO);
    std::vector<char*> args;
    for (auto& arg : argv)
      args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    std::_Exit(127);
  }
  if (pid < 0)
    return result;
  rusage ru{};
  int status = 0;
  ::wait4(pid, &status, 0, &ru);
  result.wall_s = seconds_since(start);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.cpu_s = seconds_of(ru.ru_utime) + seconds_of(ru.ru_stime);
  result.max_rss_kb = ru.ru_maxrss;
  return result;
}

/// Lateness percentiles (us) and the CPU a timing loop took.
struct floor_run {
  double p50_us = 0;
  double p90_us = 0;
  double p99_us = 0;
  double max_us = 0;
  double cpu_share = 0;
};

/// What this machine allows any thread on the schedule `deadlines_ns`
/// (offsets from the start): one that sleeps to each deadline with 1 ns
/// timer slack (the least CPU, the oversleep of the machine's timers), or
/// one that spins through it (the least lateness, what the host's
/// preemption of a running thread costs).
inline floor_run machine_floor(const std::vector<int64_t>& deadlines_ns,
                               bool spin) {
  std::vector<int64_t> late;
  late.reserve(deadlines_ns.size());
  auto cpu0 = cpu_seconds();
  auto start = clock_type::now();
  std::thread worker{[&] {
#ifdef __linux__
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
#endif
    auto origin = clock_type::now();
    for (auto offset : deadlines_ns) {
      auto deadline = origin + std::chrono::nanoseconds{offset};
      if (spin) {
        while (clock_type::now() < deadline) {
          // spin
        }
      } else {
        std::this_thread::sleep_until(deadline);
      }
      late.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(
                         clock_type::now() - deadline)
                         .count());
    }
  }};
  worker.join();
  auto wall = seconds_since(start);
  floor_run result;
  result.cpu_share = (cpu_seconds() - cpu0) / wall;
  if (late.empty())
    return result;
  std::sort(late.begin(), late.end());
  auto at = [&](double q) {
    auto i = static_cast<size_t>(q * static_cast<double>(late.size() - 1));
    return static_cast<double>(late[i]) / 1e3;
  };
  result.p50_us = at(0.5);
  result.p90_us = at(0.9);
  result.p99_us = at(0.99);
  result.max_us = at(1.0);
  return result;
}

} // namespace bench
