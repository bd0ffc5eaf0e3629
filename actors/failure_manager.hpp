#pragma once

#include "troupe/messages/experiment.hpp"
#include "troupe/messages/monitor.hpp"

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

namespace troupe {

class runtime;

/// The failure manager (NEPI's FailureManager, RIOS WorkerErrorRecord):
/// receives failure reports that carry their origin and alone decides what
/// happens. Per resource: a critical failure aborts the experiment (level
/// RM_FAILURE), a non-critical one is recorded and the rest go on, and a
/// restart policy restarts the resource up to its bound with a growing
/// back-off before falling back to those two. A failure of the controller
/// itself raises the level to EC_FAILURE. Reports from anyone but the
/// controller that lead to an abort are passed on to the controller.
///
/// As the monitor's failure handler it takes `critical_alert`s of points
/// marked critical as reports of origin kind "monitor" named by the point
/// (see `to_failure_report`); no resource has that name, so the policy for
/// unknown origins applies: abort.
using failure_manager_actor
    = caf::typed_actor<caf::replies_to<failure_report>::with<failure_decision>,
                       caf::reacts_to<critical_alert>,
                       caf::reacts_to<set_failure_policy>,
                       caf::reacts_to<attach_controller>,
                       caf::replies_to<get_failures>::with<failure_summary>>;

/// Spawns a failure manager through `rt` (which stops it on shutdown).
/// Agents reach it by the name `failure_manager_name` once an experiment
/// registered it.
failure_manager_actor spawn_failure_manager(runtime& rt);

/// A monitor's critical alert as a failure report: origin kind "monitor",
/// name the point, code "critical_alert", the value and error in the text.
failure_report to_failure_report(const critical_alert& x);

/// The name under which an experiment registers its failure manager.
constexpr const char* failure_manager_name = "troupe.failures";

} // namespace troupe
