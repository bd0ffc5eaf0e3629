#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "troupe/actors/node.hpp"
#include "troupe/messages/cluster.hpp"
#include "troupe/runtime/cluster/catalog.hpp"
#include "troupe/runtime/cluster/concurrency_style.hpp"

#include <caf/actor.hpp>
#include <caf/expected.hpp>
#include <caf/message.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

namespace troupe {

class runtime;

/// A pool of identical workers (RIOS' compute workers): items go through an
/// optional read stage and a compute stage, spread over the workers, and
/// the results come back in input order. Buffers between the stages hold
/// two items per worker; the timeouts of the `concurrency_style` bound
/// every wait and name the setting to raise. A worker's error ends the run
/// with "Error in compute worker 3 on node 'n1': ..." (`errc::worker_failed`);
/// a worker that dies breaks the pool.
using worker_pool_actor = caf::typed_actor<
    /// Runs the items; the reply holds the results in input order.
    caf::replies_to<run_atom,
                    std::vector<caf::message>>::with<std::vector<caf::message>>,
    /// Runs the items, sending each result to the sink as a `pool_result`
    /// in input order; the reply is the number of results.
    caf::replies_to<run_atom, std::vector<caf::message>,
                    caf::actor>::with<uint64_t>,
    /// Internal: a buffer-insert timer of run `uint64_t` (stage, progress).
    caf::reacts_to<caf::timeout_atom, uint64_t, bool, uint64_t>>;

/// What a pool is made of.
struct pool_spec {
  concurrency_style style;
  /// A catalog type that speaks the worker protocol (a `compute_worker`).
  std::string worker_type;
  /// Parameters for every worker.
  agent_params params;
  /// Where `worker_type` is registered (nullptr: `catalog::global()`);
  /// nodes that host workers need it in their own catalog.
  const catalog* agents = nullptr;
  /// This process' node actor, for `worker_kind::nodes`.
  node_actor node;
  /// Thread workers get a thread of their own. Off only for deterministic
  /// tests on the test scheduler.
  bool detached = true;
  /// CPUs that thread workers must not exceed (0: ask the system).
  size_t cpu_count = 0;
};

/// Validates the style and spawns the pool through `rt`, which stops it on
/// shutdown; the pool starts its workers and answers runs once all of them
/// are up (within the style's barrier timeout). Error `invalid_config` with
/// the reason for a refused style.
caf::expected<worker_pool_actor> spawn_worker_pool(runtime& rt, pool_spec spec);

} // namespace troupe
