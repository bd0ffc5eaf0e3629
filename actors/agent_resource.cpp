#include "troupe/actors/agent_resource.hpp"

#include "troupe/runtime/runtime.hpp"

#include <caf/exit_reason.hpp>
#include <caf/system_messages.hpp>

namespace troupe {

agent_resource::agent_resource(caf::actor_config& cfg, resource_setup setup)
    : resource(cfg, std::move(setup)) {
  // nop
}

agent_resource::~agent_resource() {
  // nop
}

resource_type_info agent_resource::type_info() {
  resource_type_info result;
  result.name = type_name;
  result.description = "an agent of a registered agent type";
  result.attributes = {
      {"agent", attr_kind::string, caf::config_value{std::string{}}, true,
       "the agent type"},
  };
  result.factory = [](caf::local_actor& parent, resource_setup setup) {
    return parent.spawn<agent_resource, caf::monitored>(std::move(setup));
  };
  return result;
}

void agent_resource::on_deploy() {
  auto kind = attr<std::string>("agent", {});
  if (!setup().types || setup().types->agent_type(kind) == nullptr) {
    fail("unknown agent type '" + kind + "'");
    return;
  }
  if (rt() == nullptr) {
    fail("agent resources need a runtime");
    return;
  }
  done();
}

void agent_resource::on_start() {
  auto info = setup().types->agent_type(attr<std::string>("agent", {}));
  auto spawned = info->factory(*rt(), resource_name(), attrs());
  if (!spawned) {
    fail("cannot spawn agent '" + resource_name()
         + "': " + to_text(spawned.error()));
    return;
  }
  agent_ = *spawned;
  stopping_ = false;
  monitor(agent_);
  done();
}

void agent_resource::on_stop() {
  if (!agent_) {
    done();
    return;
  }
  stopping_ = true;
  send(agent_, shutdown_atom::value);
}

void agent_resource::on_release() {
  if (agent_) {
    demonitor(agent_);
    send_exit(agent_, caf::exit_reason::user_shutdown);
    agent_ = nullptr;
  }
  done();
}

void agent_resource::on_down(const caf::down_msg& msg) {
  if (!agent_ || msg.source != agent_.address())
    return;
  agent_ = nullptr;
  if (stopping_) {
    stopping_ = false;
    done();
    return;
  }
  if (!msg.reason || msg.reason == caf::exit_reason::user_shutdown)
    finished();
  else
    fail("agent '" + resource_name() + "' stopped: " + to_text(msg.reason));
}

} // namespace troupe
