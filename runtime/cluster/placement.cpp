// Resource managers placed on a node by an experiment controller elsewhere:
// spawned here with this node's resource types, reporting to that
// controller.

#include "troupe/actors/resource.hpp"
#include "troupe/runtime/cluster/catalog.hpp"
#include "troupe/runtime/cluster/node_state.hpp"
#include "troupe/runtime/log.hpp"

namespace troupe::detail {

caf::result<caf::actor> host_resource(node_pointer self, place_resource& req) {
  auto& st = self->state;
  auto refuse = [&](errc code, const std::string& why) {
    return make_error(code, "node '" + st.self.name + "': resource '" + req.name
                                + "': " + why);
  };
  if (!req.controller)
    return refuse(errc::invalid_argument, "no controller to report to");
  auto types = st.agents->resource_types();
  auto info = types->resource_type(req.type);
  if (info == nullptr || !info->unavailable.empty())
    return refuse(errc::not_found,
                  "resource type '" + req.type + "' is not hosted here");
  if (auto err = types->complete(req.type, req.attrs))
    return refuse(errc::invalid_config, to_text(err));
  resource_setup setup;
  setup.guid = req.guid;
  setup.name = req.name;
  setup.type = req.type;
  setup.attrs = std::move(req.attrs);
  setup.peers = std::move(req.peers);
  setup.controller = std::move(req.controller);
  setup.rt = st.rt;
  setup.types = types;
  caf::actor rm;
  try {
    rm = info->factory(*self, std::move(setup));
  } catch (const std::exception& ex) {
    return refuse(errc::aborted, std::string{"spawning threw: "} + ex.what());
  } catch (...) {
    return refuse(errc::aborted, "spawning threw");
  }
  if (!rm)
    return refuse(errc::aborted, "its manager could not be spawned");
  // The factory made this actor a monitor of the manager; the manager
  // answers to its controller, not to the node.
  self->demonitor(rm);
  log::info("node '{}': hosting resource '{}' ({}) for a controller",
            st.self.name, req.name, req.type);
  return rm;
}

caf::result<caf::actor> place_on(node_pointer self, const std::string& node,
                                 place_resource& req) {
  auto& st = self->state;
  if (node == st.self.name)
    return host_resource(self, req);
  auto i = st.peers.find(node);
  if (i == st.peers.end())
    return make_error(errc::not_found,
                      "no node named '" + node + "' is connected");
  // A request with a timeout, not a delegation: a node that dies meanwhile
  // must not leave the controller waiting forever.
  auto rp = self->make_response_promise<caf::actor>();
  self->request(i->second.handle, st.opts.request_timeout,
                caf::spawn_atom::value, std::move(req))
      .then([rp](caf::actor& rm) mutable { rp.deliver(std::move(rm)); },
            [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

} // namespace troupe::detail
