#pragma once

#include <optional>

#include "troupe/messages/experiment.hpp"

#include <nlohmann/json.hpp>

namespace troupe {

/// Renders a controller's report as the JSON of `troupe run --report`:
/// `exp_id`, `run_id`, `state`, `failure_level`, `reason`, `resources`
/// (each `{guid, name, type, state, critical, restarts, times: {discovered,
/// provisioned, ready, started, stopped, released, failed}, error}`, times
/// in seconds from the first deploy, null when never reached), `timers`
/// (per named interval `{n, total_s, min_s, p25_s, median_s, p75_s,
/// max_s}`) and `failures`. `monitor`, when given, becomes the `monitor`
/// key (the monitor's snapshot); without it the key is absent.
nlohmann::json to_json(const experiment_report& x,
                       std::optional<nlohmann::json> monitor = std::nullopt);

} // namespace troupe
