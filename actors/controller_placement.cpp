// Resources placed on nodes of the controller's cluster: their managers are
// spawned there through the local node actor and report back exactly as
// local ones do; a lost node fails every resource it hosted.

#include "troupe/actors/detail/controller_state.hpp"
#include "troupe/actors/resource.hpp"
#include "troupe/runtime/log.hpp"

namespace troupe::detail {

namespace {

std::string node_lost_text(const std::string& node, const std::string& why) {
  return to_text(
      make_error(errc::node_lost, "node '" + node + "' lost: " + why));
}

} // namespace

caf::result<uint64_t> controller_state::add_placed(add_resource& x,
                                                   uint64_t guid) {
  if (!opts.cluster)
    return make_error(errc::unsupported,
                      "resource '" + x.name + "' is placed on node '" + x.node
                          + "', but the controller is not part of a cluster");
  // The guid and the name are taken now; the entry follows the answer.
  entries.emplace_back(nullptr);
  names.emplace(x.name, guid);
  place_resource req{guid,    x.name, x.type,
                     x.attrs, {},     caf::actor_cast<caf::actor>(self)};
  auto rp = self->make_response_promise<uint64_t>();
  self->request(opts.cluster, caf::infinite, caf::spawn_atom::value, x.node,
                std::move(req))
      .then(
          [this, rp, guid, x](caf::actor& rm) mutable {
            if (aborted || releasing) {
              self->send_exit(rm, caf::exit_reason::user_shutdown);
              names.erase(x.name);
              rp.deliver(make_error(errc::wrong_state,
                                    "resource '" + x.name
                                        + "': the experiment ended while it "
                                          "was placed"));
              return;
            }
            self->monitor(rm);
            entries[guid - 1] = make_entry(guid, x, std::move(rm));
            rp.deliver(guid);
          },
          [this, rp, x](caf::error& err) mutable {
            names.erase(x.name);
            rp.deliver(make_error(code_of(err) == errc::none ? errc::not_found
                                                             : code_of(err),
                                  "resource '" + x.name + "' on node '" + x.node
                                      + "': " + to_text(err)));
          });
  return rp;
}

void controller_state::stamp_remote_times(resource_entry& e,
                                          std::vector<int64_t> remote) {
  // Another machine's clock means nothing here: a state entered there is
  // stamped when its update arrives.
  auto now = now_ns();
  for (size_t s = 0; s < remote.size() && s < e.times.size(); ++s)
    if (remote[s] >= 0
        && (s >= e.remote_times.size() || remote[s] != e.remote_times[s]))
      e.times[s] = now;
  e.remote_times = std::move(remote);
}

void controller_state::on_node_lost(const node_lost& x) {
  auto why = to_text(x.reason);
  for (auto& ptr : entries) {
    if (!ptr || ptr->node != x.node || !ptr->rm)
      continue;
    auto& e = *ptr;
    // The manager went with its node.
    self->demonitor(e.rm);
    e.rm = nullptr;
    if (e.state != resource_state::released && e.state != resource_state::failed
        && !e.removed) {
      e.error = code_of(x.reason) == errc::node_lost
                    ? why
                    : node_lost_text(x.node, why);
      e.state = resource_state::failed;
      e.times[static_cast<size_t>(resource_state::failed)] = now_ns();
      e.start_in_flight = false;
      on_failure(e, "node_lost");
    }
    fire_watchers(e.guid);
  }
  if (releasing)
    check_released();
}

void controller_state::redeploy(resource_entry& e, uint32_t attempt) {
  place_resource req{e.guid,  e.name, e.type,
                     e.attrs, {},     caf::actor_cast<caf::actor>(self)};
  for (auto peer : e.connections)
    if (auto other = find(peer))
      req.peers.push_back(resource_peer{other->guid, other->name, other->type});
  auto guid = e.guid;
  self->request(opts.cluster, caf::infinite, caf::spawn_atom::value, e.node,
                std::move(req))
      .then(
          [this, guid, attempt](caf::actor& rm) {
            auto e = find(guid);
            if (e == nullptr || aborted || releasing || ended) {
              self->send_exit(rm, caf::exit_reason::user_shutdown);
              if (e != nullptr) {
                e->failure_open = false;
                fire_watchers(guid);
              }
              return;
            }
            log::info("resource '{}' placed on node '{}' again", e->name,
                      e->node);
            self->monitor(rm);
            e->rm = std::move(rm);
            e->state = resource_state::new_;
            e->remote_times.clear();
            e->error.clear();
            e->counted_ready = false;
            resume_after_restart(*e, attempt);
          },
          [this, guid, attempt](caf::error& err) {
            auto e = find(guid);
            if (e == nullptr)
              return;
            e->restarts = attempt;
            e->error = "cannot place it on node '" + e->node
                       + "' again: " + to_text(err);
            e->times[static_cast<size_t>(resource_state::failed)] = now_ns();
            on_failure(*e, "node_lost");
          });
}

} // namespace troupe::detail
