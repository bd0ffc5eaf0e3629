#pragma once

#include <caf/fwd.hpp>

namespace troupe {

/// Registers every message type and the error category of the runtime with
/// `cfg`. Every actor system the project creates calls this (through
/// `troupe::config`), so type names and IDs are identical on every node.
void register_messages(caf::actor_system_config& cfg);

} // namespace troupe
