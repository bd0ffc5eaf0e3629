#include "troupe/runtime/config.hpp"

#include "troupe/messages/registration.hpp"
#include "troupe/runtime/detail/runtime_state.hpp"

#include <caf/atom.hpp>

namespace troupe {

config::config() {
  register_messages(*this);
}

config& config::use_test_scheduler() {
  set("scheduler.policy", caf::atom("testing"));
  test_scheduler_ = true;
  return *this;
}

namespace detail {

runtime_state* state_of(const caf::actor_system& sys) noexcept {
  auto* cfg = dynamic_cast<const config*>(&sys.config());
  return cfg != nullptr ? cfg->state.get() : nullptr;
}

std::shared_ptr<runtime_state> shared_state_of(const caf::actor_system& sys) {
  auto* cfg = dynamic_cast<const config*>(&sys.config());
  return cfg != nullptr ? cfg->state : nullptr;
}

} // namespace detail

} // namespace troupe
