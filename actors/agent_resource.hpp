#pragma once

#include "troupe/actors/resource.hpp"

#include <caf/actor.hpp>

namespace troupe {

/// The built-in `agent` resource: start spawns an agent of the registered
/// agent type named by the attribute `agent`, named like the resource and
/// configured by the resource's attributes; stop sends it `shutdown_atom`
/// and waits until it is gone. An agent that stops on its own stops the
/// resource; one that dies with an error (e.g. a handler threw) fails it.
class agent_resource : public resource {
public:
  static constexpr const char* type_name = "agent";

  agent_resource(caf::actor_config& cfg, resource_setup setup);

  ~agent_resource() override;

  /// Registers the type: attribute `agent` (required) plus those of the
  /// agent type.
  static resource_type_info type_info();

protected:
  void on_deploy() override;

  void on_start() override;

  void on_stop() override;

  void on_release() override;

  void on_down(const caf::down_msg& msg) override;

private:
  caf::actor agent_;
  bool stopping_ = false;
};

} // namespace troupe
