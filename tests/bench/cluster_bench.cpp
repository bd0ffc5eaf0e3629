// Cluster benchmark: topic messages from this process to a subscriber on
// another node (a second process, over loopback) against plain CAF remote
// sends of the same messages to the same agent, measured in the same run;
// then one-way latency of both under light load.
//
// Usage: bench_cluster [--messages N] [--runs R] [--samples S]
//                      [--case all|topic] [--threads T]
//
// The other node is this binary started as `bench_cluster node ...`. Runs
// alternate baseline and troupe; each row reports medians and the median of
// the per-pair ratios. Sources keep a window of unacknowledged messages, so
// throughput is steady state, not queue growth.

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <future>
#include <memory>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "troupe/actors/agent.hpp"
#include "troupe/runtime/cli/cli.hpp"
#include "troupe/runtime/cluster/cluster.hpp"
#include "troupe/runtime/log.hpp"

#include <caf/all.hpp>

struct tick {
  int64_t seq = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tick& x) {
  return f(caf::meta::type_name("tick"), x.seq);
}

/// Sent through the path under test; carries its send time (steady clock,
/// which both processes on one machine share).
struct stamp {
  int64_t sent_ns = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stamp& x) {
  return f(caf::meta::type_name("stamp"), x.sent_ns);
}

/// Tells the sink what to expect and whom to answer.
struct expect_order {
  int64_t count = 0;
  int64_t ack_every = 0;
  std::string reply_to;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, expect_order& x) {
  return f(caf::meta::type_name("expect_order"), x.count, x.ack_every,
           x.reply_to);
}

/// The sink's progress, and its latency samples once complete.
struct progress {
  int64_t count = 0;
  std::vector<int64_t> latencies_ns;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, progress& x) {
  return f(caf::meta::type_name("progress"), x.count, x.latencies_ns);
}

CAF_BEGIN_TYPE_ID_BLOCK(cluster_bench, troupe::first_user_type_id)
CAF_ADD_TYPE_ID(cluster_bench, (tick))
CAF_ADD_TYPE_ID(cluster_bench, (stamp))
CAF_ADD_TYPE_ID(cluster_bench, (expect_order))
CAF_ADD_TYPE_ID(cluster_bench, (progress))
CAF_END_TYPE_ID_BLOCK(cluster_bench)

namespace {

using clock_type = std::chrono::steady_clock;

constexpr int64_t window = 1 << 16;
constexpr int64_t ack_every = window / 4;
constexpr auto patience = std::chrono::seconds{60};

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             clock_type::now().time_since_epoch())
      .count();
}

// -- the remote node's agent
// ---------------------------------------------------

/// Counts ticks that arrive by topic or directly, acknowledges every
/// `ack_every`, and collects the latency of stamps.
class bench_sink : public troupe::agent {
public:
  using agent::agent;

protected:
  troupe::handler_set handlers() override {
    return handle([this](const tick&) { count(); },
                  [this](const stamp& x) { sample(x); },
                  [this](const expect_order& order) {
                    order_ = order;
                    seen_ = progress{};
                  });
  }

  void work() override {
    subscribe("bench", [this](const tick&) { count(); });
    subscribe("bench-latency", [this](const stamp& x) { sample(x); });
  }

private:
  void count() {
    ++seen_.count;
    if (seen_.count % order_.ack_every == 0 || seen_.count == order_.count)
      send_to(order_.reply_to, progress{seen_.count, {}});
  }

  void sample(const stamp& x) {
    seen_.latencies_ns.push_back(now_ns() - x.sent_ns);
    if (static_cast<int64_t>(seen_.latencies_ns.size()) == order_.count)
      send_to(order_.reply_to, seen_);
  }

  expect_order order_{0, 1, ""};
  progress seen_;
};

// -- this process' sources ----------------------------------------------------

/// Streams `n` ticks, by topic or by plain CAF send to `target`, keeping at
/// most `window` unacknowledged; fulfils `done` when the sink has all.
class bench_source : public troupe::agent {
public:
  bench_source(caf::actor_config& cfg, std::string name, caf::actor target,
               std::promise<void>* done)
      : agent(cfg, std::move(name)), target_(std::move(target)), done_(done) {
    // nop
  }

protected:
  troupe::handler_set handlers() override {
    return handle(
        [this](int64_t n, bool by_topic) {
          total_ = n;
          sent_ = 0;
          acked_ = 0;
          by_topic_ = by_topic;
          pump();
        },
        [this](const progress& p) {
          acked_ = p.count;
          if (!p.latencies_ns.empty())
            latencies_ = p.latencies_ns;
          if (acked_ == total_ || !p.latencies_ns.empty())
            done_->set_value();
          else
            pump();
        },
        [this](caf::tick_atom, int64_t left, bool by_topic) {
          // Light load: one stamp per millisecond.
          if (by_topic)
            publish("bench-latency", stamp{now_ns()});
          else
            send(target_, stamp{now_ns()});
          if (left > 1)
            delayed_send(this, std::chrono::milliseconds{1},
                         caf::tick_atom::value, left - 1, by_topic);
        });
  }

public:
  std::vector<int64_t> latencies_;

private:
  void pump() {
    while (sent_ < total_ && sent_ - acked_ < window) {
      if (by_topic_)
        publish("bench", tick{sent_++});
      else
        send(target_, tick{sent_++}); // one CAF remote message each
    }
  }

  caf::actor target_;
  std::promise<void>* done_;
  int64_t total_ = 0;
  int64_t sent_ = 0;
  int64_t acked_ = 0;
  bool by_topic_ = false;
};

// -- the other process --------------------------------------------------------

struct child {
  pid_t pid = -1;
  troupe::endpoint address;
};

/// Starts this binary as a node and reads where it listens.
child start_node(const char* self_path, int threads) {
  auto thread_arg = std::to_string(threads);
  int fds[2];
  if (::pipe(fds) != 0)
    std::abort();
  child result;
  result.pid = ::fork();
  if (result.pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[0]);
    if (threads > 0)
      ::execl(self_path, self_path, "node", "--name", "bench-node", "--listen",
              "127.0.0.1:0", "--log-level", "error", "--threads",
              thread_arg.c_str(), nullptr);
    else
      ::execl(self_path, self_path, "node", "--name", "bench-node", "--listen",
              "127.0.0.1:0", "--log-level", "error", nullptr);
    std::_Exit(127);
  }
  ::close(fds[1]);
  std::string line;
  char c;
  while (::read(fds[0], &c, 1) == 1 && c != '\n')
    line += c;
  ::close(fds[0]);
  auto at = line.find("listening on ");
  if (at == std::string::npos) {
    std::fprintf(stderr, "bench_cluster: the node did not start: %s\n",
                 line.c_str());
    std::exit(1);
  }
  auto text = line.substr(at + 13);
  auto parsed = troupe::parse_endpoint(text.substr(0, text.find(' ')), "node");
  if (!parsed)
    std::exit(1);
  result.address = *parsed;
  return result;
}

void stop_node(const child& x) {
  ::kill(x.pid, SIGTERM);
  int status = 0;
  ::waitpid(x.pid, &status, 0);
}

// -- measuring ----------------------------------------------------------------

double median(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  return xs[xs.size() / 2];
}

double percentile(std::vector<int64_t> xs, double p) {
  std::sort(xs.begin(), xs.end());
  auto index = static_cast<size_t>(p * static_cast<double>(xs.size() - 1));
  return static_cast<double>(xs[index]) / 1000.0; // microseconds
}

struct bench {
  troupe::runtime& rt;
  caf::actor sink;
  caf::actor source;
  bench_source* source_ptr;
  std::unique_ptr<std::promise<void>> done;

  /// One throughput run: messages per second.
  double throughput(int64_t n, bool by_topic) {
    caf::anon_send(sink, expect_order{n, ack_every, "bench-source"});
    *done = std::promise<void>{};
    auto finished = done->get_future();
    // The order reaches the sink before the first tick: same path.
    auto start = clock_type::now();
    caf::anon_send(source, n, by_topic);
    if (finished.wait_for(patience) != std::future_status::ready) {
      std::fprintf(stderr, "bench_cluster: a run did not finish\n");
      std::exit(1);
    }
    auto secs = std::chrono::duration<double>(clock_type::now() - start);
    return static_cast<double>(n) / secs.count();
  }

  /// One latency run: samples in microseconds.
  std::vector<int64_t> latency(int64_t samples, bool by_topic) {
    caf::anon_send(sink, expect_order{samples, samples, "bench-source"});
    *done = std::promise<void>{};
    auto finished = done->get_future();
    std::this_thread::sleep_for(std::chrono::milliseconds{100});
    caf::anon_send(source, caf::tick_atom::value, samples, by_topic);
    if (finished.wait_for(patience) != std::future_status::ready) {
      std::fprintf(stderr, "bench_cluster: a latency run did not finish\n");
      std::exit(1);
    }
    return source_ptr->latencies_;
  }
};

void register_types(troupe::catalog& cat) {
  cat.add_message_types<caf::id_block::cluster_bench>().add_agent<bench_sink>(
      "bench_sink");
}

int run_bench(const char* self_path, int64_t messages, int runs,
              int64_t samples, const std::string& which, int threads) {
  troupe::log::set_level(troupe::log::level::error);
  auto node = start_node(self_path, threads);
  int status = 0;
  {
    troupe::config cfg;
    troupe::catalog cat;
    register_types(cat);
    cat.configure(cfg);
    if (threads > 0)
      cfg.set("scheduler.max-threads", threads);
    troupe::cluster_options opts;
    opts.name = "bench-controller";
    opts.agents = &cat;
    if (auto err = troupe::enable_cluster(cfg, opts)) {
      std::fprintf(stderr, "%s\n", troupe::to_text(err).c_str());
      return 1;
    }
    troupe::runtime rt{cfg};
    auto cl = troupe::cluster::start(rt, opts);
    if (!cl || !cl->connect(node.address)) {
      std::fprintf(stderr, "bench_cluster: cannot join the node\n");
      stop_node(node);
      return 1;
    }
    auto sink
        = cl->spawn_on("bench-node", {"bench_sink", "bench-sink", {}, false});
    if (!sink) {
      std::fprintf(stderr, "%s\n", troupe::to_text(sink.error()).c_str());
      stop_node(node);
      return 1;
    }
    auto done = std::make_unique<std::promise<void>>();
    auto source
        = rt.spawn_agent<bench_source>("bench-source", *sink, done.get());
    auto* source_ptr = dynamic_cast<bench_source*>(
        caf::actor_cast<caf::abstract_actor*>(*source));
    if (!cl->await_name_on("bench-node", "bench-source", patience)
        || cl->await_subscriber("bench-node", "bench", patience)
        || cl->await_subscriber("bench-node", "bench-latency", patience)) {
      std::fprintf(stderr, "bench_cluster: the node is not ready\n");
      stop_node(node);
      return 1;
    }
    bench b{rt, *sink, *source, source_ptr, std::move(done)};
    // Warm-up of both paths.
    b.throughput(messages / 10, false);
    b.throughput(messages / 10, true);
    std::vector<double> raw;
    std::vector<double> ours;
    std::vector<double> ratios;
    for (int i = 0; i < runs; ++i) {
      // --case topic: troupe only (for profiling); the ratio is then void.
      raw.push_back(which == "topic" ? 1.0 : b.throughput(messages, false));
      ours.push_back(b.throughput(messages, true));
      ratios.push_back(ours.back() / raw.back());
    }
    auto [lo, hi] = std::minmax_element(ratios.begin(), ratios.end());
    std::printf("cluster: %lld small messages per run, %d runs, loopback, "
                "%u cores\n",
                static_cast<long long>(messages), runs,
                std::thread::hardware_concurrency());
    std::printf("%-34s %14s %14s %8s  %s\n", "case", "troupe msg/s",
                "raw CAF msg/s", "ratio", "[min, max]");
    std::printf("%-34s %14.0f %14.0f %8.2f  [%.2f, %.2f]\n",
                "topic across nodes vs remote send", median(ours), median(raw),
                median(ratios), *lo, *hi);
    auto topic = b.latency(samples, true);
    auto direct = b.latency(samples, false);
    std::printf("one-way latency, %lld messages at 1000/s (microseconds):\n",
                static_cast<long long>(samples));
    std::printf("%-34s %8s %8s\n", "path", "p50", "p99");
    std::printf("%-34s %8.0f %8.0f\n", "topic across nodes",
                percentile(topic, 0.5), percentile(topic, 0.99));
    std::printf("%-34s %8.0f %8.0f\n", "plain CAF remote send",
                percentile(direct, 0.5), percentile(direct, 0.99));
    rt.shutdown();
  }
  stop_node(node);
  return status;
}

} // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "node") == 0) {
    register_types(troupe::catalog::global());
    return troupe::cli::main(argc, argv);
  }
  int64_t messages = 2'000'000;
  int runs = 5;
  int64_t samples = 2000;
  std::string which = "all";
  int threads = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--messages") == 0)
      messages = std::atoll(argv[i + 1]);
    else if (std::strcmp(argv[i], "--runs") == 0)
      runs = std::atoi(argv[i + 1]);
    else if (std::strcmp(argv[i], "--samples") == 0)
      samples = std::atoll(argv[i + 1]);
    else if (std::strcmp(argv[i], "--case") == 0)
      which = argv[i + 1];
    else if (std::strcmp(argv[i], "--threads") == 0)
      threads = std::atoi(argv[i + 1]);
  }
  return run_bench(argv[0], messages, runs, samples, which, threads);
}
