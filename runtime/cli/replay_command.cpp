#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <memory>
#include <poll.h>
#include <string>
#include <termios.h>
#include <unistd.h>
#include <vector>

#include "troupe/actors/replay_sink.hpp"
#include "troupe/runtime/cli/commands.hpp"
#include "troupe/runtime/cli/replay_support.hpp"
#include "troupe/runtime/log.hpp"
#include "troupe/runtime/log_source.hpp"
#include "troupe/runtime/runtime.hpp"

#include <caf/scoped_actor.hpp>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

namespace troupe::cli {

namespace {

constexpr const char* cmd = "replay";

std::atomic<bool> interrupted{false};

struct replay_args {
  std::vector<std::string> paths;
  std::string speed = "1";
  bool loop = false;
  std::string start_offset;
  std::string until;
  std::string duration;
  std::string min;
  std::string max;
  std::string topics;
  std::string include;
  std::string exclude;
  std::vector<std::string> remaps;
  std::string delay;
  bool start_paused = false;
  uint64_t read_ahead = 5000;
  uint64_t read_ahead_bytes = 64 * 1024 * 1024;
  double clock_hz = 0;
  std::string clock_topic = "/clock";
  std::string sink = "stats";
  std::string on_bad = "skip";
  std::string report;
  std::string progress = "auto";
  bool include_raw = false;
  bool drop = false;
  uint32_t window = 1024;
  uint64_t split_size = 0;
  uint64_t split_count = 0;
};

/// Everything the run needs, checked; `error` says what is wrong.
struct replay_plan {
  read_options read;
  buffer_options buffer;
  replay_options replay;
  sink_options sink;
  bool progress = false;
  bool keys = false;
};

bool time_option(const std::string& name, const std::string& text, int64_t& out,
                 std::string& error) {
  return text.empty() || parse_seconds_option(name, text, out, error);
}

bool make_plan(const replay_args& args, replay_plan& plan, std::string& error) {
  auto& r = plan.replay;
  if (args.speed == "max") {
    r.max_rate = true;
  } else {
    char* end = nullptr;
    r.speed = std::strtod(args.speed.c_str(), &end);
    if (end == args.speed.c_str() || *end != '\0' || !(r.speed > 0)) {
      error
          = "--speed: expected a number > 0 or 'max', got '" + args.speed + "'";
      return false;
    }
  }
  if (!args.until.empty() && !args.duration.empty()) {
    error = "--until and --duration exclude each other";
    return false;
  }
  if (!time_option("--start-offset", args.start_offset, r.start_offset_ns,
                   error)
      || !time_option("--until", args.until, r.until_ns, error)
      || !time_option("--duration", args.duration, r.duration_ns, error)
      || !time_option("--delay", args.delay, r.delay_ns, error)
      || !time_option("--min", args.min, plan.read.min_ns, error)
      || !time_option("--max", args.max, plan.read.max_ns, error))
    return false;
  r.loop = args.loop;
  r.start_paused = args.start_paused;
  r.topics = split_list(args.topics);
  r.include = args.include;
  r.exclude = args.exclude;
  r.remaps = args.remaps;
  r.clock_hz = args.clock_hz;
  r.clock_topic = args.clock_topic;
  r.drop_when_slow = args.drop;
  r.window = args.window;
  plan.read.include_raw = args.include_raw;
  plan.buffer.max_records = args.read_ahead;
  plan.buffer.max_bytes = args.read_ahead_bytes;
  if (args.on_bad != "skip" && args.on_bad != "stop") {
    error = "--on-bad-record: expected skip or stop, got '" + args.on_bad + "'";
    return false;
  }
  plan.buffer.stop_on_bad = args.on_bad == "stop";
  if (auto err = validate(plan.buffer)) {
    error = to_text(err);
    return false;
  }
  if (!parse_sink(args.sink, plan.sink)) {
    error = "--sink: expected stats, print, null, jsonl:FILE or mcl:PATH, "
            "got '"
            + args.sink + "'";
    return false;
  }
  plan.sink.write.split_bytes = args.split_size;
  plan.sink.write.split_records = args.split_count;
  if (args.progress == "always")
    plan.progress = true;
  else if (args.progress == "auto")
    plan.progress = ::isatty(STDERR_FILENO) != 0;
  else if (args.progress != "never") {
    error = "--progress: expected auto, always or never";
    return false;
  }
  plan.keys = ::isatty(STDIN_FILENO) != 0;
  return true;
}

/// Raw, non-echoing stdin for single-key controls; restored on exit.
class raw_terminal {
public:
  explicit raw_terminal(bool enable) {
    if (!enable || ::tcgetattr(STDIN_FILENO, &saved_) != 0)
      return;
    auto raw = saved_;
    raw.c_lflag &= static_cast<tcflag_t>(~(ICANON | ECHO));
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 0;
    active_ = ::tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
  }

  ~raw_terminal() {
    if (active_)
      ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }

  bool active() const { return active_; }

private:
  termios saved_{};
  bool active_ = false;
};

/// Waits up to `ms` for a key; 0 if none.
char poll_key(bool keys, int ms) {
  if (!keys) {
    ::usleep(static_cast<useconds_t>(ms) * 1000);
    return 0;
  }
  pollfd fd{STDIN_FILENO, POLLIN, 0};
  if (::poll(&fd, 1, ms) <= 0)
    return 0;
  char c = 0;
  return ::read(STDIN_FILENO, &c, 1) == 1 ? c : 0;
}

void draw_progress(const replay_status& st, const buffer_status& bst,
                   double wall) {
  auto fraction = replay_progress(st, bst);
  constexpr int width = 30;
  auto filled = static_cast<int>(fraction * width + 0.5);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.append(static_cast<size_t>(width - filled), '.');
  std::fprintf(stderr,
               "\r[%s] %3.0f%%  log %8.2f s  wall %7.1f s  %9llu rec  x%-5g "
               "%-8s",
               bar.c_str(), fraction * 100,
               static_cast<double>(st.position_ns) / 1e9, wall,
               static_cast<unsigned long long>(st.published), st.speed,
               st.state.c_str());
  std::fflush(stderr);
}

nlohmann::json lateness_json(const lateness_summary& x) {
  return {{"p50", to_us(x.p50)}, {"p90", to_us(x.p90)}, {"p99", to_us(x.p99)},
          {"max", to_us(x.max)}, {"count", x.count},    {"late", x.late}};
}

/// `speed` is the number, or "max" for `--speed max`.
nlohmann::json make_report(const replay_status& st, const buffer_status& bst,
                           double wall, bool max_rate) {
  nlohmann::json bad = nlohmann::json::array();
  for (auto& b : bst.bad_records)
    bad.push_back({{"file", b.file}, {"line", b.line}, {"reason", b.reason}});
  nlohmann::json topics = nlohmann::json::object();
  for (auto& kvp : st.topics)
    topics[kvp.first] = {{"count", kvp.second}};
  return {
      {"records_read", bst.records_read},
      {"records_published", st.published},
      {"bad_records", bad},
      {"bad_records_total", bst.bad_count},
      {"topics", topics},
      {"wall_s", wall},
      {"speed", max_rate ? nlohmann::json("max") : nlohmann::json(st.speed)},
      {"lateness_us", lateness_json(st.delivery_lateness)},
      {"publish_lateness_us", lateness_json(st.publish_lateness)},
      {"stall_s", static_cast<double>(st.stall_ns) / 1e9},
      {"dropped", st.dropped},
      {"filtered", st.filtered},
      {"loops", st.loops},
      {"state", st.state},
      {"error", st.error}};
}

void print_stats(const replay_status& st, const sink_status& sink,
                 double wall) {
  std::printf("replayed %llu records in %.3f s (%s)\n",
              static_cast<unsigned long long>(st.published), wall,
              st.state.c_str());
  for (auto& kvp : sink.topics)
    std::printf("  %-30s %10llu\n", kvp.first.c_str(),
                static_cast<unsigned long long>(kvp.second));
  auto& l = st.delivery_lateness;
  std::printf("lateness at the sink: p50 %.1f us, p99 %.1f us, max %.1f us; "
              "stalled %.3f s, dropped %llu\n",
              to_us(l.p50), to_us(l.p99), to_us(l.max),
              static_cast<double>(st.stall_ns) / 1e9,
              static_cast<unsigned long long>(st.dropped));
}

/// A replay too fast for the machine keeps the log's order and says how
/// late it ran.
void warn_if_late(const replay_status& st) {
  auto& l = st.delivery_lateness;
  if (l.late == 0)
    return;
  std::fprintf(stderr,
               "troupe replay: %llu of %llu records reached the sink more than "
               "1 ms after their time (p99 %.1f ms, max %.1f ms); every record "
               "kept its order\n",
               static_cast<unsigned long long>(l.late),
               static_cast<unsigned long long>(l.count), to_us(l.p99) / 1e3,
               to_us(l.max) / 1e3);
}

template <class Handle, class Msg>
caf::error ask_void(caf::scoped_actor& self, const Handle& dest, Msg msg) {
  caf::error result;
  self->request(dest, std::chrono::seconds{30}, std::move(msg))
      .receive([] {}, [&](caf::error& err) { result = err; });
  return result;
}

template <class Result, class Handle, class Msg>
caf::expected<Result> ask(caf::scoped_actor& self, const Handle& dest,
                          Msg msg) {
  caf::expected<Result> result{make_error(errc::timeout, "no answer")};
  self->request(dest, std::chrono::seconds{30}, std::move(msg))
      .receive([&](Result& x) { result = std::move(x); },
               [&](caf::error& err) { result = err; });
  return result;
}

/// Sends a key's control; returns false on 'q'.
bool handle_key(char key, caf::scoped_actor& self, const broadcaster_actor& bc,
                double& speed) {
  switch (key) {
    case ' ': ask<bool>(self, bc, replay_toggle{}); break;
    case 's': ask<bool>(self, bc, replay_step{}); break;
    case '+':
    case '=':
      speed *= 2;
      ask<bool>(self, bc, replay_set_speed{speed});
      break;
    case '-':
      speed /= 2;
      ask<bool>(self, bc, replay_set_speed{speed});
      break;
    case 'q': return false;
    default: break;
  }
  return true;
}

int run_replay(const replay_args& args) {
  replay_plan plan;
  std::string error;
  if (!make_plan(args, plan, error))
    return fail(cmd, error);
  auto source = open_logs(args.paths, plan.read);
  if (!source)
    return fail(cmd, source.error());
  troupe::config cfg;
  // Two workers (the buffer reads on its own thread) that block when idle:
  // work stealing's polling workers cost most of a core at 1 kHz, work
  // sharing about a tenth of that, and max-rate replays run as fast.
  cfg.set("scheduler.max-threads", 2);
  cfg.set("scheduler.policy", caf::atom("sharing"));
  troupe::runtime rt{cfg};
  auto sink = spawn_replay_sink(rt.system(), plan.sink);
  if (!sink)
    return fail(cmd, sink.error());
  rt.adopt(caf::actor_cast<caf::actor>(*sink));
  plan.replay.tap = caf::actor_cast<caf::actor>(*sink);
  auto buffer = rt.spawn_buffer(std::move(*source), plan.buffer);
  auto bc = rt.broadcaster();
  caf::scoped_actor self{rt.system()};
  if (auto err
      = ask_void(self, bc,
                 replay_load{caf::actor_cast<caf::actor>(buffer), plan.replay}))
    return fail(cmd, err);
  interrupted = false;
  auto old_handler = std::signal(SIGINT, [](int) { interrupted = true; });
  raw_terminal term{plan.keys};
  if (term.active() && plan.progress)
    std::fprintf(stderr, "keys: space pause/resume, s step, +/- speed, q "
                         "quit\n");
  auto start = std::chrono::steady_clock::now();
  auto wall = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now()
                                         - start)
        .count();
  };
  ask<bool>(self, bc, replay_start{});
  double speed = plan.replay.speed;
  replay_status st;
  buffer_status bst;
  for (;;) {
    auto key = poll_key(term.active(), 100);
    if (key != 0 && !handle_key(key, self, bc, speed))
      interrupted = true;
    if (interrupted) {
      ask<bool>(self, bc, replay_stop{});
      break;
    }
    if (auto x = ask<replay_status>(self, bc, replay_query{}))
      st = *x;
    if (plan.progress) {
      if (auto y = ask<buffer_status>(self, buffer, buffer_query{}))
        bst = *y;
      draw_progress(st, bst, wall());
    }
    if (st.state == "finished" || st.state == "failed")
      break;
  }
  if (auto x = ask<replay_status>(self, bc, replay_await_end{}))
    st = *x;
  auto elapsed = wall();
  std::signal(SIGINT, old_handler);
  if (auto y = ask<buffer_status>(self, buffer, buffer_query{}))
    bst = *y;
  sink_status sst;
  if (auto z = ask<sink_status>(self, *sink, sink_query{}))
    sst = *z;
  if (plan.progress) {
    draw_progress(st, bst, elapsed);
    std::fputc('\n', stderr);
  }
  if (!args.report.empty()) {
    std::ofstream out{args.report};
    out << make_report(st, bst, elapsed, plan.replay.max_rate).dump(2) << '\n';
    if (!out)
      return fail(cmd, args.report + ": cannot write the report");
  }
  if (plan.sink.kind == sink_options::stats)
    print_stats(st, sst, elapsed);
  if (!sst.error.empty())
    return fail(cmd, "sink: " + sst.error);
  if (st.state == "failed")
    return fail(cmd, st.error);
  if (!plan.replay.max_rate)
    warn_if_late(st);
  if (bst.bad_count > 0 && !bst.bad_records.empty()) {
    auto& first = bst.bad_records.front();
    std::fprintf(
        stderr,
        "troupe replay: skipped %llu bad record(s); first: %s:%llu: "
        "%s\n",
        static_cast<unsigned long long>(bst.bad_count), first.file.c_str(),
        static_cast<unsigned long long>(first.line), first.reason.c_str());
  }
  return exit_ok;
}

} // namespace

subcommand replay_command() {
  auto attach = [](CLI::App& app) -> std::function<int()> {
    auto args = std::make_shared<replay_args>();
    app.add_option("logs", args->paths,
                   "MCL_LOG or JSON Lines files, or directories of them")
        ->required();
    app.add_option("--speed", args->speed,
                   "log seconds per wall second, or 'max'");
    app.add_flag("--loop", args->loop, "start again after the last record");
    app.add_option("--start-offset", args->start_offset,
                   "skip this many seconds after the first record");
    app.add_option("--until", args->until, "end at this log time (s)");
    app.add_option("--duration", args->duration,
                   "end this many log seconds after the start");
    app.add_option("--min", args->min, "read records from this log time (s)");
    app.add_option("--max", args->max, "read records up to this log time (s)");
    app.add_option("--topics", args->topics, "only these topics (A,B,...)");
    app.add_option("--include", args->include, "only topics matching RE");
    app.add_option("--exclude", args->exclude, "no topics matching RE");
    app.add_option("--remap", args->remaps, "rename a topic: from:=to");
    app.add_option("--delay", args->delay, "wait this long before starting");
    app.add_flag("--start-paused", args->start_paused,
                 "start paused (space resumes, s steps)");
    app.add_option("--read-ahead", args->read_ahead,
                   "records buffered ahead (default 5000)");
    app.add_option("--read-ahead-bytes", args->read_ahead_bytes,
                   "bytes buffered ahead (default 64 MiB)");
    app.add_option("--clock", args->clock_hz,
                   "publish the replay clock this often per second");
    app.add_option("--clock-topic", args->clock_topic,
                   "topic of the replay clock (default /clock)");
    app.add_option("--sink", args->sink,
                   "stats (default), print, null, jsonl:FILE or mcl:PATH");
    app.add_option("--on-bad-record", args->on_bad,
                   "skip (default: count and go on) or stop (exit 2)");
    app.add_option("--report", args->report, "write a JSON report here");
    app.add_option("--progress", args->progress, "auto, always or never");
    app.add_flag("--include-raw", args->include_raw,
                 "also read raw-data (>>> None) logs in directories");
    app.add_flag("--drop", args->drop,
                 "drop records for a slow sink instead of waiting");
    app.add_option("--window", args->window,
                   "records a subscriber may have unacknowledged");
    app.add_option("--split-size", args->split_size,
                   "log sinks: start a new part after this many bytes");
    app.add_option("--split-count", args->split_count,
                   "log sinks: start a new part after this many records");
    return [args] {
      return run_replay(*args);
    };
  };
  return {"replay", "Replay MCL or JSON Lines logs into topics in real time",
          std::move(attach)};
}

} // namespace troupe::cli
