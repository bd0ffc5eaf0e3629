#include "troupe/runtime/runtime.hpp"

#include <stdexcept>

#include "troupe/runtime/log.hpp"

#include <caf/exit_reason.hpp>

namespace troupe {

config& runtime::prepare(config& cfg,
                         const std::shared_ptr<detail::runtime_state>& state) {
  cfg.state = state;
  return cfg;
}

runtime::runtime(config& cfg)
    : cfg_(cfg),
      state_(std::make_shared<detail::runtime_state>()),
      sys_(std::make_unique<caf::actor_system>(prepare(cfg, state_))) {
  state_->directory = spawn_directory(*sys_, state_);
  track(caf::actor_cast<caf::actor>(state_->directory), {}, false);
  state_->broadcaster = spawn_broadcaster(*sys_, state_);
  track(caf::actor_cast<caf::actor>(state_->broadcaster), {}, false);
}

runtime::~runtime() {
  shutdown();
  // Under the test scheduler nothing runs by itself: the fixture has
  // already drained the jobs. Elsewhere, wait for the exits to land.
  sys_->await_all_actors_done();
  // Drop every handle the shared state holds before the system goes away,
  // so no actor reference outlives it.
  state_->topics.clear_subscribers();
  state_->names.clear();
  state_->directory = nullptr;
  state_->broadcaster = nullptr;
  sys_.reset();
  if (cfg_.state == state_)
    cfg_.state.reset();
}

buffer_actor runtime::spawn_buffer(std::shared_ptr<record_source> source,
                                   buffer_options opts) {
  auto handle = troupe::spawn_buffer(*sys_, std::move(source), opts,
                                     !cfg_.test_scheduler());
  track(caf::actor_cast<caf::actor>(handle), {}, false);
  return handle;
}

caf::actor runtime::lookup(const std::string& name) const {
  return state_->names.find(name);
}

std::vector<std::string> runtime::names() const {
  return state_->names.names();
}

size_t runtime::running_agents() const {
  std::lock_guard<std::mutex> guard{state_->tracked_mtx};
  return state_->running_agents;
}

void runtime::await_agents() {
  if (cfg_.test_scheduler())
    throw std::logic_error("runtime::await_agents blocks; under the test "
                           "scheduler drive the fixture instead");
  std::unique_lock<std::mutex> guard{state_->tracked_mtx};
  state_->tracked_cv.wait(guard,
                          [this] { return state_->running_agents == 0; });
}

void runtime::shutdown() {
  if (shut_down_)
    return;
  shut_down_ = true;
  std::vector<caf::actor_addr> targets;
  {
    std::lock_guard<std::mutex> guard{state_->tracked_mtx};
    targets.reserve(state_->tracked.size());
    for (auto& kvp : state_->tracked)
      targets.emplace_back(kvp.second);
  }
  for (auto& who : targets)
    caf::anon_send_exit(who, caf::exit_reason::user_shutdown);
}

void runtime::track(const caf::actor& who, const std::string& name,
                    bool is_agent) {
  {
    std::lock_guard<std::mutex> guard{state_->tracked_mtx};
    state_->tracked.emplace(who.id(), who.address());
    if (is_agent)
      ++state_->running_agents;
  }
  // Runs when the actor terminates (at once if it already has). Holds the
  // state weakly: the state must not keep its own actors' memory alive.
  std::weak_ptr<detail::runtime_state> weak = state_;
  who->attach_functor([weak, id{who.id()}, addr{who.address()}, name,
                       is_agent](const caf::error&) {
    auto state = weak.lock();
    if (!state)
      return;
    if (!name.empty())
      state->names.erase(name, addr);
    std::lock_guard<std::mutex> guard{state->tracked_mtx};
    state->tracked.erase(id);
    if (is_agent) {
      --state->running_agents;
      state->tracked_cv.notify_all();
    }
  });
}

void runtime::trace(trace_kind kind, const std::string& peer,
                    caf::message content) {
  if (auto* log = state_->tracer())
    log->add(
        trace_entry{"", kind, peer, std::move(content), sys_->clock().now()});
}

} // namespace troupe
