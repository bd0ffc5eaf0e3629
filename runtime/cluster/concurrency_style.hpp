#pragma once

// How a worker pool spreads work (RIOS' ConcurrencyStyle): read workers
// that prepare inputs, compute workers that run the computation, as
// threads in this process or as agents on other nodes, and the timeouts of
// the buffers between them. Combinations that make no sense are refused
// with a reason.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/timespan.hpp>

namespace troupe {

/// Where compute workers run.
enum class worker_kind {
  /// No compute workers: the pool computes one item at a time.
  none,
  /// Each compute worker is an agent on a thread of its own, here.
  threads,
  /// Compute workers are agents on the cluster's nodes.
  nodes,
};

std::string to_string(worker_kind x);

/// Parses "none", "threads" or "nodes". Error `invalid_argument`.
caf::expected<worker_kind> parse_worker_kind(const std::string& text);

/// A timeout that may be "never" (std::nullopt).
using optional_timeout = std::optional<caf::timespan>;

struct concurrency_style {
  /// Read workers (threads here) that read inputs ahead of the computation;
  /// 0: no read stage (inputs go to the compute workers as they are).
  size_t read_workers = 0;

  size_t compute_workers = 0;

  worker_kind kind = worker_kind::none;

  /// Compute workers read their own inputs (data local to their node).
  bool workers_read = false;

  /// For `nodes`: the nodes to place compute workers on, round robin.
  std::vector<std::string> nodes;

  /// Waiting for room in the read buffer (2 per read worker).
  optional_timeout read_insert_timeout = std::chrono::seconds{10};

  /// Waiting for one read worker's result.
  optional_timeout read_pop_timeout = std::chrono::seconds{10};

  /// Waiting for room in the compute buffer (2 per compute worker).
  optional_timeout compute_insert_timeout = std::chrono::seconds{10};

  /// Waiting for one compute worker's result.
  optional_timeout compute_pop_timeout = std::chrono::seconds{20};

  /// Waiting for every worker to start before the first item.
  optional_timeout barrier_timeout = std::chrono::seconds{600};
};

/// Refuses invalid combinations with one line saying why (error
/// `invalid_config`). `cpu_count` bounds thread workers (0: ask the
/// system).
caf::error validate(const concurrency_style& style, size_t cpu_count = 0);

/// A one-line description, e.g. "2 thread compute workers, 1 read worker".
std::string to_string(const concurrency_style& style);

/// "10 s", "never".
std::string to_string(const optional_timeout& x);

} // namespace troupe
