#include "troupe/runtime/experiment/report.hpp"

#include <algorithm>
#include <cctype>

namespace troupe {

namespace {

std::string lower(std::string x) {
  std::transform(x.begin(), x.end(), x.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return x;
}

nlohmann::json times_of(const resource_info& r, int64_t start_ns) {
  auto result = nlohmann::json::object();
  for (auto s :
       {resource_state::discovered, resource_state::provisioned,
        resource_state::ready, resource_state::started, resource_state::stopped,
        resource_state::released, resource_state::failed}) {
    auto i = static_cast<size_t>(s);
    auto t = i < r.times_ns.size() ? r.times_ns[i] : -1;
    if (t < 0 || start_ns < 0)
      result[lower(to_string(s))] = nullptr;
    else
      result[lower(to_string(s))] = static_cast<double>(t - start_ns) / 1e9;
  }
  return result;
}

} // namespace

nlohmann::json to_json(const experiment_report& x,
                       std::optional<nlohmann::json> monitor) {
  nlohmann::json result;
  result["exp_id"] = x.exp_id;
  result["run_id"] = x.run_id;
  result["state"] = x.state;
  result["failure_level"] = to_string(x.level);
  result["reason"]
      = x.reason.empty() ? nlohmann::json(nullptr) : nlohmann::json(x.reason);
  auto resources = nlohmann::json::array();
  for (auto& r : x.resources) {
    resources.push_back({
        {"guid", r.guid},
        {"name", r.name},
        {"type", r.type},
        {"node", r.node.empty() ? std::string{"local"} : r.node},
        {"state", to_string(r.state)},
        {"critical", r.critical},
        {"restarts", r.restarts},
        {"times", times_of(r, x.start_ns)},
        {"error",
         r.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.error)},
    });
  }
  result["resources"] = std::move(resources);
  auto timers = nlohmann::json::object();
  for (auto& t : x.timers)
    timers[t.name]
        = {{"n", t.n},         {"total_s", t.total_s},   {"min_s", t.min_s},
           {"p25_s", t.p25_s}, {"median_s", t.median_s}, {"p75_s", t.p75_s},
           {"max_s", t.max_s}};
  result["timers"] = std::move(timers);
  auto failures = nlohmann::json::array();
  for (auto& f : x.failures)
    failures.push_back({{"origin",
                         {{"kind", f.report.origin.kind},
                          {"guid", f.report.origin.guid},
                          {"name", f.report.origin.name},
                          {"agent", f.report.origin.agent},
                          {"node", f.report.origin.node}}},
                        {"code", f.report.code},
                        {"text", f.report.text},
                        {"decision", to_string(f.decision.action)},
                        {"level", to_string(f.decision.level)}});
  result["failures"] = std::move(failures);
  if (monitor)
    result["monitor"] = std::move(*monitor);
  return result;
}

} // namespace troupe
