// Experiment benchmark: one node and N no-op resources (NEPI's node and
// applications): each waits in deploy for its node READY, starts, and stops
// by itself at once. Measured from the deploy request to every resource
// STOPPED (a wait answered by the controller) and to every resource
// RELEASED (shutdown answered), plus the memory each resource costs.
//
// Usage: bench_experiment [--runs R] [--threads T] [--sizes N,M,...]
// [--policy stealing|sharing]. Defaults: `tune_for_experiments` (one
// worker per core, work sharing).
// Other options of scripts/bench are ignored.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <malloc.h>
#include <memory>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "troupe/actors/controller.hpp"
#include "troupe/actors/resource.hpp"
#include "troupe/runtime/config.hpp"
#include "troupe/runtime/experiment/run.hpp"
#include "troupe/runtime/log.hpp"
#include "troupe/runtime/runtime.hpp"

#include <caf/scoped_actor.hpp>

namespace {

using clock_type = std::chrono::steady_clock;

/// A resource whose hooks do nothing; it runs for no time at all.
class noop_app : public troupe::resource {
public:
  using resource::resource;

protected:
  void on_start() override {
    done();
    finished();
  }
};

/// NEPI's application doing nothing: like `noop_app`, but it waits in
/// deploy for its node to be READY (one request to the controller more).
class waiting_app : public noop_app {
public:
  using noop_app::noop_app;

protected:
  void on_deploy() override {
    wait_for(peers(), troupe::resource_state::ready,
             [this](const caf::error& err) {
               if (err)
                 fail(troupe::to_text(err));
               else
                 done();
             });
  }
};

/// The node: ready at once, and like the applications it runs for no time.
class noop_node : public troupe::resource {
public:
  using resource::resource;

protected:
  void on_start() override {
    done();
    finished();
  }
};

struct figures {
  double stopped_ms = 0;
  double released_ms = 0;
  double register_ms = 0;
  double bytes_per_resource = 0;
};

int worker_threads = 0;

/// CAF scheduler policy ("stealing", "sharing"); empty keeps what
/// `tune_for_experiments` chose (sharing).
std::string policy;

/// Heap bytes in use (all of the controller's, the managers' and CAF's
/// allocations; freed memory kept by the allocator does not count).
size_t heap_bytes() {
  auto info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

double ms_since(clock_type::time_point t0) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t0)
      .count();
}

figures run_once(size_t n, const std::string& app_type) {
  troupe::config cfg;
  troupe::tune_for_experiments(cfg);
  if (worker_threads > 0)
    cfg.set("scheduler.max-threads", worker_threads);
  if (!policy.empty())
    cfg.set("scheduler.policy", caf::atom_from_string(policy));
  auto types = std::make_shared<troupe::registry>();
  types->add_resource_type<noop_node>("node", "a node");
  types->add_resource_type<noop_app>("noop", "does nothing");
  types->add_resource_type<waiting_app>("waiting", "waits for its node");
  figures result;
  auto heap0 = heap_bytes();
  {
    troupe::runtime rt{cfg};
    troupe::experiment_options opts;
    opts.types = types;
    auto h = troupe::spawn_experiment(rt, opts);
    caf::scoped_actor self{rt.system()};
    auto check = [](const caf::error& err) {
      if (err) {
        std::fprintf(stderr, "bench_experiment: %s\n",
                     troupe::to_text(err).c_str());
        std::exit(1);
      }
    };
    // Waits for a reply that is empty (void) or a single value.
    auto ask_void = [&](auto msg) {
      caf::error err;
      self->request(h.controller, caf::infinite, std::move(msg))
          .receive([] {}, [&](caf::error& e) { err = e; });
      check(err);
    };
    auto ask_guid = [&](auto msg) {
      caf::error err;
      self->request(h.controller, caf::infinite, std::move(msg))
          .receive([](uint64_t) {}, [&](caf::error& e) { err = e; });
      check(err);
    };
    // Registration is pipelined: all messages out, then all answers in
    // (answers to asynchronous messages come back as ordinary messages).
    auto t_reg = clock_type::now();
    ask_guid(troupe::add_resource{"node", "node", {}, {}, {}});
    for (size_t i = 0; i < n; ++i)
      self->send(h.controller,
                 troupe::add_resource{
                     app_type, "app" + std::to_string(i), {}, {}, {}});
    for (size_t i = 0; i < n; ++i)
      self->receive([](uint64_t) {},
                    [](caf::error& e) {
                      std::fprintf(stderr, "bench_experiment: %s\n",
                                   troupe::to_text(e).c_str());
                      std::exit(1);
                    });
    for (size_t i = 0; i < n; ++i)
      self->send(h.controller, troupe::connect_resources{1, i + 2});
    troupe::guid_list all;
    for (size_t i = 0; i <= n; ++i)
      all.push_back(i + 1);
    // Round trips after the connects: the controller, the node (whose
    // mailbox held one connection per resource) and the failure manager
    // have handled everything registration sent them.
    self->request(h.controller, caf::infinite, troupe::list_traces{1})
        .receive([](const std::vector<std::string>&) {},
                 [&](caf::error& e) { check(e); });
    self->request(h.failures, caf::infinite, troupe::get_failures{})
        .receive([](const troupe::failure_summary&) {},
                 [&](caf::error& e) { check(e); });
    result.register_ms = ms_since(t_reg);
    auto heap1 = heap_bytes();
    result.bytes_per_resource
        = static_cast<double>(heap1 - std::min(heap0, heap1))
          / static_cast<double>(n);
    auto t0 = clock_type::now();
    ask_guid(troupe::deploy_resources{{}, true, 0});
    ask_void(troupe::wait_for{troupe::resource_state::stopped, all, 0});
    result.stopped_ms = ms_since(t0);
    ask_void(troupe::shutdown_experiment{});
    result.released_ms = ms_since(t0);
  }
  return result;
}

double median(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  return xs[xs.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
  troupe::log::set_level(troupe::log::level::error);

  int runs = 5;
  std::vector<size_t> sizes{10000, 100000};
  for (int i = 1; i < argc; ++i) {
    auto arg = std::string{argv[i]};
    if (arg == "--runs" && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--threads" && i + 1 < argc) {
      worker_threads = std::atoi(argv[++i]);
    } else if (arg == "--policy" && i + 1 < argc) {
      policy = argv[++i];
    } else if (arg == "--sizes" && i + 1 < argc) {
      sizes.clear();
      std::string list = argv[++i];
      for (size_t pos = 0; pos < list.size();) {
        auto next = list.find(',', pos);
        sizes.push_back(std::stoul(list.substr(pos, next - pos)));
        pos = next == std::string::npos ? list.size() : next + 1;
      }
    } else if (arg.rfind("--", 0) == 0 && i + 1 < argc
               && argv[i + 1][0] != '-') {
      ++i; // another benchmark's option with a value
    }
  }
  std::printf("experiment: 1 node + N no-op resources, deploy -> all STOPPED "
              "-> all RELEASED (median of %d runs)\n",
              runs);
  std::printf("workers: %d (0: one per core), policy: %s\n", worker_threads,
              policy.empty() ? "sharing" : policy.c_str());
  std::printf("%-8s %10s %12s %12s %12s %15s\n", "type", "N", "stopped_ms",
              "released_ms", "register_ms", "bytes/resource");
  for (auto& type : {std::string{"noop"}, std::string{"waiting"}})
    for (auto n : sizes) {
      std::vector<double> stopped;
      std::vector<double> released;
      std::vector<double> reg;
      std::vector<double> bytes;
      for (int r = 0; r < runs; ++r) {
        auto f = run_once(n, type);
        stopped.push_back(f.stopped_ms);
        released.push_back(f.released_ms);
        reg.push_back(f.register_ms);
        bytes.push_back(f.bytes_per_resource);
      }
      std::printf("%-8s %10zu %12.1f %12.1f %12.1f %15.0f\n", type.c_str(), n,
                  median(stopped), median(released), median(reg),
                  median(bytes));
    }
  return 0;
}
