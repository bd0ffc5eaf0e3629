#include "troupe/actors/directory.hpp"

#include <unordered_map>

#include "troupe/messages/errors.hpp"
#include "troupe/runtime/detail/runtime_state.hpp"
#include "troupe/runtime/log.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace troupe {

namespace {

struct directory_state {
  std::shared_ptr<detail::runtime_state> shared;
  /// Names registered by message, per actor, to clean up on exit.
  std::unordered_multimap<caf::actor_addr, std::string> owned;
  static inline const char* name = "troupe.directory";
};

using directory_pointer = directory_actor::stateful_pointer<directory_state>;

directory_actor::behavior_type
directory_impl(directory_pointer self,
               std::shared_ptr<detail::runtime_state> shared) {
  self->state.shared = std::move(shared);
  self->set_down_handler([self](caf::down_msg& down) {
    auto range = self->state.owned.equal_range(down.source);
    for (auto i = range.first; i != range.second; ++i)
      self->state.shared->names.erase(i->second, down.source);
    self->state.owned.erase(range.first, range.second);
  });
  return {
      [self](caf::put_atom, const std::string& name,
             const caf::actor& who) -> caf::result<void> {
        if (name.empty() || !who)
          return make_error(errc::invalid_argument,
                            "register needs a name and a live actor");
        if (!self->state.shared->names.try_insert(name, who))
          return make_error(errc::duplicate_name,
                            "the name '" + name + "' is already registered");
        self->state.owned.emplace(who.address(), name);
        self->monitor(who);
        return caf::unit;
      },
      [self](caf::get_atom,
             const std::string& name) -> caf::result<caf::actor> {
        auto who = self->state.shared->names.find(name);
        if (!who)
          return make_error(errc::unknown_name,
                            "no agent named '" + name + "'");
        return who;
      },
      [self](caf::delete_atom, const std::string& name) -> caf::result<void> {
        if (!self->state.shared->names.erase(name))
          return make_error(errc::unknown_name,
                            "no agent named '" + name + "'");
        return caf::unit;
      },
      [self](caf::get_atom, names_atom) {
        return self->state.shared->names.names();
      },
  };
}

} // namespace

directory_actor spawn_directory(caf::actor_system& sys,
                                std::shared_ptr<detail::runtime_state> state) {
  return sys.spawn(directory_impl, std::move(state));
}

} // namespace troupe
