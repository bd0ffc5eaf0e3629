// Core messaging benchmark: troupe's `send_to` by name against a raw CAF
// `send` to a handle, and troupe's topic `publish` against a raw CAF local
// group, measured in the same run on the same machine.
//
// Usage: bench_core [--messages N] [--runs R] [--threads T]
//                   [--case all|send_to|publish]
//
// A run streams N messages from one source to each sink with a window of
// in-flight messages (sinks acknowledge every quarter window), so mailboxes
// stay small and the figure is steady-state throughput, not allocator
// growth. Baseline and troupe runs alternate; each row reports the median
// of the per-pair ratios, which cancels most of a shared machine's noise.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "troupe/actors/agent.hpp"
#include "troupe/runtime/log.hpp"
#include "troupe/runtime/runtime.hpp"

#include <caf/all.hpp>

struct tick {
  int64_t n = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tick& x) {
  return f(caf::meta::type_name("tick"), x.n);
}

CAF_BEGIN_TYPE_ID_BLOCK(core_bench, troupe::first_user_type_id)
CAF_ADD_TYPE_ID(core_bench, (tick))
CAF_END_TYPE_ID_BLOCK(core_bench)

using go_atom = caf::atom_constant<caf::atom("go")>;
using ack_atom = caf::atom_constant<caf::atom("ack")>;

namespace {

using clock_type = std::chrono::steady_clock;

constexpr int64_t window = 4096;
constexpr int64_t ack_every = window / 4;

/// Worker threads of every actor system in this run (0 = CAF's default,
/// max(cores, 4)).
int worker_threads = 0;

struct bench_config : troupe::config {
  bench_config() {
    add_message_types<caf::id_block::core_bench>();
    if (worker_threads > 0)
      set("scheduler.max-threads", worker_threads);
  }
};

/// Counts finished sinks; the last one fulfils the promise.
struct finish_line {
  std::atomic<int64_t> remaining_sinks{0};
  std::promise<void> done;

  void sink_finished() {
    if (remaining_sinks.fetch_sub(1) == 1)
      done.set_value();
  }
};

/// What every sink does per message: count, acknowledge, finish.
struct sink_counter {
  finish_line* line;
  int64_t expected;
  int32_t index;
  int64_t count = 0;

  void on_message(caf::event_based_actor* self, const caf::actor& source) {
    ++count;
    if (count % ack_every == 0)
      self->send(source, ack_atom::value, index, count);
    if (count == expected)
      line->sink_finished();
  }
};

/// The source's flow control: emits while fewer than `window` messages are
/// unacknowledged by the slowest sink.
struct source_window {
  int64_t total;
  std::vector<int64_t> acked;
  int64_t sent = 0;

  source_window(int64_t n, int sinks) : total(n), acked(sinks, 0) {
    // nop
  }

  template <class Emit>
  void pump(Emit emit) {
    auto slowest = *std::min_element(acked.begin(), acked.end());
    while (sent < total && sent - slowest < window)
      emit(tick{sent++});
  }
};

// -- baseline: plain CAF actors ----------------------------------------------

caf::behavior raw_sink(caf::event_based_actor* self, finish_line* line,
                       int64_t expected, int32_t index, caf::actor source) {
  auto counter
      = std::make_shared<sink_counter>(sink_counter{line, expected, index});
  return {
      [=](const tick&) { counter->on_message(self, source); },
  };
}

template <class Target>
caf::behavior raw_source(caf::event_based_actor* self, int64_t n, int sinks,
                         std::shared_ptr<Target> target) {
  auto flow = std::make_shared<source_window>(n, sinks);
  auto emit = [=](tick x) {
    self->send(*target, x);
  };
  return {
      [=](go_atom) { flow->pump(emit); },
      [=](ack_atom, int32_t index, int64_t count) {
        flow->acked[static_cast<size_t>(index)] = count;
        flow->pump(emit);
      },
  };
}

// -- troupe agents ------------------------------------------------------------

class agent_sink : public troupe::agent {
public:
  agent_sink(caf::actor_config& cfg, std::string name, finish_line* line,
             int64_t expected, int32_t index, caf::actor source,
             std::string topic)
      : agent(cfg, std::move(name)),
        counter_{line, expected, index},
        source_(std::move(source)),
        topic_(std::move(topic)) {
    // nop
  }

protected:
  troupe::handler_set handlers() override {
    return handle([this](const tick&) { counter_.on_message(this, source_); });
  }

  void work() override {
    if (!topic_.empty())
      subscribe(topic_,
                [this](const tick&) { counter_.on_message(this, source_); });
  }

private:
  sink_counter counter_;
  caf::actor source_;
  std::string topic_;
};

/// Sends by name (`send_to`) or publishes on a topic.
class agent_source : public troupe::agent {
public:
  agent_source(caf::actor_config& cfg, std::string name, int64_t n, int sinks,
               std::string target, bool by_topic)
      : agent(cfg, std::move(name)),
        flow_(n, sinks),
        target_(std::move(target)),
        by_topic_(by_topic) {
    // nop
  }

protected:
  troupe::handler_set handlers() override {
    return handle([this](go_atom) { pump(); },
                  [this](ack_atom, int32_t index, int64_t count) {
                    flow_.acked[static_cast<size_t>(index)] = count;
                    pump();
                  });
  }

private:
  void pump() {
    if (by_topic_)
      flow_.pump([this](tick x) { publish(target_, x); });
    else
      flow_.pump([this](tick x) { send_to(target_, x); });
  }

  source_window flow_;
  std::string target_;
  bool by_topic_;
};

// -- one run of each kind (returns deliveries per second) ---------------------

double elapsed_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

double timed_run(finish_line& line, const caf::actor& source,
                 double deliveries) {
  auto start = clock_type::now();
  caf::anon_send(source, go_atom::value);
  line.done.get_future().wait();
  return deliveries / elapsed_since(start);
}

double raw_send(int64_t n) {
  bench_config cfg;
  troupe::runtime rt{cfg};
  finish_line line;
  line.remaining_sinks = 1;
  auto target = std::make_shared<caf::actor>();
  auto source = rt.spawn(raw_source<caf::actor>, n, 1, target);
  *target = rt.spawn(raw_sink, &line, n, 0, source);
  return timed_run(line, source, static_cast<double>(n));
}

double troupe_send_to(int64_t n) {
  bench_config cfg;
  troupe::runtime rt{cfg};
  finish_line line;
  line.remaining_sinks = 1;
  auto source = *rt.spawn_agent<agent_source>("source", n, 1, "sink", false);
  if (!rt.spawn_agent<agent_sink>("sink", &line, n, 0, source, std::string{}))
    std::abort();
  return timed_run(line, source, static_cast<double>(n));
}

double raw_group(int64_t n, int subscribers) {
  bench_config cfg;
  troupe::runtime rt{cfg};
  finish_line line;
  line.remaining_sinks = subscribers;
  auto grp
      = std::make_shared<caf::group>(rt.system().groups().get_local("bench"));
  auto source = rt.spawn(raw_source<caf::group>, n, subscribers, grp);
  for (int i = 0; i < subscribers; ++i) {
    auto sink = rt.spawn(raw_sink, &line, n, i, source);
    // Subscribe synchronously so that no tick can precede the join.
    (*grp)->subscribe(caf::actor_cast<caf::strong_actor_ptr>(sink));
  }
  return timed_run(line, source, static_cast<double>(n) * subscribers);
}

double troupe_publish(int64_t n, int subscribers) {
  bench_config cfg;
  troupe::runtime rt{cfg};
  finish_line line;
  line.remaining_sinks = subscribers;
  auto source
      = *rt.spawn_agent<agent_source>("source", n, subscribers, "bench", true);
  for (int i = 0; i < subscribers; ++i)
    if (!rt.spawn_agent<agent_sink>("", &line, n, i, source, "bench"))
      std::abort();
  // Wait until every sink ran work() and subscribed.
  auto& entry = rt.state()->topics.intern("bench");
  while (entry.subscriber_count() < static_cast<size_t>(subscribers))
    std::this_thread::yield();
  return timed_run(line, source, static_cast<double>(n) * subscribers);
}

// -- reporting ----------------------------------------------------------------

double median(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  return xs[xs.size() / 2];
}

template <class Ours, class Baseline>
void compare(const std::string& label, int runs, Ours ours, Baseline baseline) {
  std::vector<double> ours_rates;
  std::vector<double> baseline_rates;
  std::vector<double> ratios;
  for (int i = 0; i < runs; ++i) {
    baseline_rates.push_back(baseline());
    ours_rates.push_back(ours());
    ratios.push_back(ours_rates.back() / baseline_rates.back());
  }
  auto [lo, hi] = std::minmax_element(ratios.begin(), ratios.end());
  std::printf("%-28s %14.0f %14.0f %8.2f  [%.2f, %.2f]\n", label.c_str(),
              median(ours_rates), median(baseline_rates), median(ratios), *lo,
              *hi);
}

} // namespace

int main(int argc, char** argv) {
  int64_t messages = 1'000'000;
  int runs = 9;
  std::string which = "all";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--messages") == 0)
      messages = std::atoll(argv[i + 1]);
    else if (std::strcmp(argv[i], "--runs") == 0)
      runs = std::atoi(argv[i + 1]);
    else if (std::strcmp(argv[i], "--threads") == 0)
      worker_threads = std::atoi(argv[i + 1]);
    else if (std::strcmp(argv[i], "--case") == 0)
      which = argv[i + 1];
  }
  troupe::log::set_level(troupe::log::level::error);
  std::printf("core messaging: %lld messages per run and sink, %d runs, %s "
              "worker threads, %u cores\n",
              static_cast<long long>(messages), runs,
              worker_threads > 0 ? std::to_string(worker_threads).c_str()
                                 : "default",
              std::thread::hardware_concurrency());
  std::printf("%-28s %14s %14s %8s  %s\n", "case", "troupe msg/s",
              "raw CAF msg/s", "ratio", "[min, max]");
  if (which == "all" || which == "send_to")
    compare(
        "send_to vs send (1:1)", runs, [&] { return troupe_send_to(messages); },
        [&] { return raw_send(messages); });
  if (which != "all" && which != "publish")
    return 0;
  for (int subscribers : {1, 8, 64}) {
    auto per_sink = std::max<int64_t>(messages / subscribers, 10 * window);
    compare(
        "publish vs group, " + std::to_string(subscribers) + " sub", runs,
        [&] { return troupe_publish(per_sink, subscribers); },
        [&] { return raw_group(per_sink, subscribers); });
  }
  return 0;
}
