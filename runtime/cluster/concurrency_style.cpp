#include "troupe/runtime/cluster/concurrency_style.hpp"

#include <thread>

#include "troupe/messages/errors.hpp"

namespace troupe {

namespace {

std::string plural(size_t n, const std::string& what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

} // namespace

std::string to_string(worker_kind x) {
  switch (x) {
    case worker_kind::none: return "none";
    case worker_kind::threads: return "threads";
    case worker_kind::nodes: return "nodes";
  }
  return "?";
}

caf::expected<worker_kind> parse_worker_kind(const std::string& text) {
  if (text == "none")
    return worker_kind::none;
  if (text == "threads")
    return worker_kind::threads;
  if (text == "nodes")
    return worker_kind::nodes;
  return make_error(errc::invalid_argument,
                    "worker kind '" + text
                        + "': expected none, threads or nodes");
}

std::string to_string(const optional_timeout& x) {
  if (!x)
    return "never";
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(*x).count();
  if (ms % 1000 == 0)
    return std::to_string(ms / 1000) + " s";
  return std::to_string(ms) + " ms";
}

caf::error validate(const concurrency_style& style, size_t cpu_count) {
  auto refuse = [](const std::string& why) {
    return make_error(errc::invalid_config, why);
  };
  if (cpu_count == 0)
    cpu_count = std::max(1u, std::thread::hardware_concurrency());
  auto workers = style.compute_workers;
  if (workers > 0 && style.kind == worker_kind::none)
    return refuse(plural(workers, "compute worker")
                  + " requested but no worker kind given: choose threads or "
                    "nodes");
  if (workers == 0 && style.kind != worker_kind::none)
    return refuse("worker kind '" + to_string(style.kind)
                  + "' given with zero compute workers");
  if (style.kind == worker_kind::threads && style.workers_read)
    return refuse("thread compute workers cannot do their own reading: the "
                  "read workers read for them");
  if (style.kind == worker_kind::threads && workers > cpu_count)
    return refuse(plural(workers, "thread compute worker") + " on "
                  + plural(cpu_count, "CPU")
                  + ": more compute threads than CPUs only adds switching");
  if (workers > 0 && !style.workers_read && style.read_workers == 0)
    return refuse("compute workers that do not read need at least one read "
                  "worker to keep them busy: set read workers to 1 or more");
  if (style.workers_read && style.read_workers > 0)
    return refuse("compute workers that read their own inputs leave nothing "
                  "to "
                  + plural(style.read_workers, "read worker")
                  + ": set read workers to 0");
  if (style.workers_read && workers == 0)
    return refuse("workers_read without compute workers: nobody would read");
  if (style.kind == worker_kind::nodes && style.nodes.empty())
    return refuse("node compute workers need at least one node to run on");
  if (style.kind != worker_kind::nodes && !style.nodes.empty())
    return refuse("nodes given, but the worker kind is '"
                  + to_string(style.kind) + "', not 'nodes'");
  auto positive
      = [&](const optional_timeout& x, const char* name) -> caf::error {
    if (x && x->count() <= 0)
      return refuse(std::string{name} + " must be positive or never");
    return caf::none;
  };
  if (auto err = positive(style.read_insert_timeout, "read_insert_timeout"))
    return err;
  if (auto err = positive(style.read_pop_timeout, "read_pop_timeout"))
    return err;
  if (auto err
      = positive(style.compute_insert_timeout, "compute_insert_timeout"))
    return err;
  if (auto err = positive(style.compute_pop_timeout, "compute_pop_timeout"))
    return err;
  if (auto err = positive(style.barrier_timeout, "barrier_timeout"))
    return err;
  return caf::none;
}

std::string to_string(const concurrency_style& style) {
  std::string result;
  if (style.compute_workers == 0)
    result = "sequential computation";
  else if (style.kind == worker_kind::threads)
    result = plural(style.compute_workers, "thread compute worker");
  else
    result = plural(style.compute_workers, "node compute worker");
  if (style.workers_read)
    result += " reading their own inputs";
  if (style.read_workers > 0)
    result += ", " + plural(style.read_workers, "read worker");
  return result;
}

} // namespace troupe
