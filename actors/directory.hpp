#pragma once

#include <memory>
#include <string>
#include <vector>

#include "troupe/messages/core.hpp"

#include <caf/actor.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

namespace troupe {

namespace detail {
struct runtime_state;
} // namespace detail

/// The directory: name -> actor for one runtime (pyros' agent config).
/// Agents spawned through `runtime::spawn_agent` are entered directly; other
/// actors register by message. Entries leave when their actor exits.
using directory_actor = caf::typed_actor<
    /// Registers a name. Error `duplicate_name` if taken, `invalid_argument`
    /// for an empty name or invalid handle. The directory monitors the actor.
    caf::replies_to<caf::put_atom, std::string, caf::actor>::with<void>,
    /// Looks a name up. Error `unknown_name` if absent.
    caf::replies_to<caf::get_atom, std::string>::with<caf::actor>,
    /// Removes a name. Error `unknown_name` if absent.
    caf::replies_to<caf::delete_atom, std::string>::with<void>,
    /// Lists all names, sorted.
    caf::replies_to<caf::get_atom, names_atom>::with<std::vector<std::string>>>;

/// Spawns the directory over the runtime's shared name table.
directory_actor spawn_directory(caf::actor_system& sys,
                                std::shared_ptr<detail::runtime_state> state);

} // namespace troupe
