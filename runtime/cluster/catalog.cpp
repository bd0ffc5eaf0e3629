#include "troupe/runtime/cluster/catalog.hpp"

namespace troupe {

catalog& catalog::global() {
  static catalog instance;
  return instance;
}

void catalog::configure(config& cfg) const {
  std::lock_guard<std::mutex> guard{mtx_};
  for (auto& add : blocks_)
    add(cfg);
}

catalog& catalog::set_resource_types(std::shared_ptr<const registry> types) {
  std::lock_guard<std::mutex> guard{mtx_};
  resource_types_ = std::move(types);
  return *this;
}

std::shared_ptr<const registry> catalog::resource_types() const {
  std::lock_guard<std::mutex> guard{mtx_};
  if (!resource_types_)
    resource_types_
        = std::make_shared<const registry>(registry::with_builtins());
  return resource_types_;
}

bool catalog::has_agent(const std::string& type) const {
  std::lock_guard<std::mutex> guard{mtx_};
  return agents_.count(type) > 0;
}

std::vector<std::string> catalog::agent_types() const {
  std::lock_guard<std::mutex> guard{mtx_};
  std::vector<std::string> result;
  for (auto& kvp : agents_)
    result.push_back(kvp.first);
  return result;
}

caf::expected<caf::actor> catalog::spawn(runtime& rt,
                                         const spawn_request& req) const {
  factory fn;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    auto i = agents_.find(req.type);
    if (i != agents_.end())
      fn = i->second;
  }
  if (!fn) {
    std::string known;
    for (auto& type : agent_types())
      known += (known.empty() ? "" : ", ") + type;
    return make_error(errc::not_found,
                      "no agent type '" + req.type + "' here (known: "
                          + (known.empty() ? "none" : known) + ")");
  }
  return fn(rt, req);
}

} // namespace troupe
