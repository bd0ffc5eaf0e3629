#pragma once

#include <memory>

#include <caf/actor_system_config.hpp>

namespace troupe {

namespace detail {
struct runtime_state;
} // namespace detail

/// The actor-system configuration every troupe process uses. Registers all
/// message types and the error category, so that type names and IDs are the
/// same on every node. Users register their own message blocks on it:
/// `cfg.add_message_types<caf::id_block::my_app>()`.
class config : public caf::actor_system_config {
public:
  config();

  /// Switches to CAF's deterministic test scheduler with virtual time.
  config& use_test_scheduler();

  /// Whether `use_test_scheduler` was called.
  bool test_scheduler() const noexcept { return test_scheduler_; }

  /// The state shared by the actors of the runtime built from this config.
  /// Replaced by every `runtime` constructed from it.
  std::shared_ptr<detail::runtime_state> state;

private:
  bool test_scheduler_ = false;
};

} // namespace troupe
