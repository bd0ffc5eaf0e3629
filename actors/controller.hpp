#pragma once

#include <memory>
#include <string>
#include <vector>

#include "troupe/actors/failure_manager.hpp"
#include "troupe/actors/node.hpp"
#include "troupe/messages/experiment.hpp"
#include "troupe/runtime/experiment/registry.hpp"

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

namespace troupe {

class runtime;

/// The experiment controller (NEPI's ExperimentController without its
/// polling): owns the resources of one experiment (one resource-manager
/// actor each), their attributes, connections, conditions and deploy
/// groups, runs timed tasks on the actor clock and answers waits the moment
/// they hold. Failures go to the failure manager, which alone decides.
using controller_actor = caf::typed_actor<
    caf::replies_to<add_resource>::with<uint64_t>,
    caf::replies_to<get_attribute>::with<caf::config_value>,
    caf::replies_to<set_attribute>::with<void>,
    caf::replies_to<connect_resources>::with<void>,
    caf::replies_to<add_condition>::with<void>,
    caf::replies_to<remove_condition>::with<void>,
    caf::replies_to<get_conditions>::with<condition_list>,
    caf::replies_to<deploy_resources>::with<uint64_t>,
    caf::replies_to<resource_command>::with<void>,
    caf::replies_to<wait_for>::with<void>,
    caf::replies_to<schedule_task>::with<uint64_t>,
    caf::replies_to<cancel_task>::with<void>,
    caf::replies_to<get_task>::with<task_info>,
    caf::replies_to<get_resource>::with<resource_info>,
    caf::replies_to<list_resources>::with<resource_list>,
    caf::replies_to<read_trace>::with<trace_data>,
    caf::replies_to<list_traces>::with<std::vector<std::string>>,
    caf::replies_to<end_experiment>::with<void>,
    caf::replies_to<shutdown_experiment>::with<void>,
    caf::replies_to<get_report>::with<experiment_report>,
    caf::reacts_to<abort_experiment>, caf::reacts_to<task_due>,
    caf::reacts_to<resource_update>,
    /// From the node actor of `experiment_options::cluster`: resources
    /// placed on a lost node fail.
    caf::reacts_to<node_lost>, caf::reacts_to<node_joined>>;

/// How an experiment is set up.
struct experiment_options {
  /// Names the experiment across runs; generated ("exp-" + 16 hex digits)
  /// when empty.
  std::string exp_id;
  /// Names this run; generated from the UTC time when empty.
  std::string run_id;
  /// Where resources write their traces; empty keeps them in memory.
  std::string trace_dir;
  /// The types resources may have; `registry::with_builtins()` when null.
  std::shared_ptr<const registry> types;
  /// The monitor (a `monitor_actor`) resources add their points to, e.g.
  /// a replay's position; none when invalid.
  caf::actor monitor;
  /// The node actor of the cluster this process is part of (see
  /// `cluster::handle`): resources with a `node` are placed through it and
  /// its node events reach the controller. Null: everything runs here.
  node_actor cluster;
};

/// The two actors of an experiment.
struct experiment_handles {
  controller_actor controller;
  failure_manager_actor failures;
};

/// Spawns a controller and its failure manager through `rt` (which stops
/// both on shutdown) and registers the failure manager as
/// `failure_manager_name` when that name is free.
experiment_handles spawn_experiment(runtime& rt, experiment_options opts = {});

/// A fresh experiment id: "exp-" followed by 16 random hex digits.
std::string make_experiment_id();

/// A run id from the current UTC time: "2026-11-22T05-51-44Z".
std::string make_run_id();

} // namespace troupe
