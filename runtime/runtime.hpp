#pragma once

#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "troupe/actors/agent.hpp"
#include "troupe/actors/broadcaster.hpp"
#include "troupe/actors/buffer.hpp"
#include "troupe/actors/directory.hpp"
#include "troupe/messages/errors.hpp"
#include "troupe/runtime/config.hpp"
#include "troupe/runtime/detail/runtime_state.hpp"

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>
#include <caf/send.hpp>
#include <caf/spawn_options.hpp>

namespace troupe {

/// One troupe process: the actor system, the built-in actors (directory,
/// broadcaster) and every agent spawned through it. Destroying the runtime
/// stops everything it spawned; nothing it owns can make the process hang on
/// exit.
class runtime {
public:
  /// Builds the actor system from `cfg`, which must outlive the runtime.
  explicit runtime(config& cfg);

  runtime(const runtime&) = delete;

  runtime& operator=(const runtime&) = delete;

  /// Stops all actors spawned through this runtime and waits for them.
  ~runtime();

  caf::actor_system& system() noexcept { return *sys_; }

  config& cfg() noexcept { return cfg_; }

  directory_actor directory() const { return state_->directory; }

  broadcaster_actor broadcaster() const { return state_->broadcaster; }

  /// Decoders from replayed values to users' types, by topic or type name.
  decoder_table& decoders() noexcept { return state_->decoders; }

  // -- spawning -------------------------------------------------------------

  /// Spawns agent `T` constructed with `(actor_config&, name, xs...)` and
  /// registers it as `name` (an empty name spawns an anonymous agent).
  /// Error `duplicate_name` if the name is taken; nothing is spawned then.
  template <class T, caf::spawn_options Os = caf::no_spawn_options, class... Ts>
  caf::expected<caf::actor> spawn_agent(std::string name, Ts&&... xs) {
    static_assert(std::is_base_of<agent, T>::value,
                  "spawn_agent spawns subclasses of troupe::agent");
    if (!name.empty() && !state_->names.try_insert(name, caf::actor{}))
      return make_error(errc::duplicate_name,
                        "an agent named '" + name + "' already exists");
    caf::actor handle = sys_->spawn<T, Os>(name, std::forward<Ts>(xs)...);
    if (!name.empty())
      state_->names.assign(name, handle);
    track(handle, name, true);
    return handle;
  }

  /// Spawns a replay buffer over `source` and stops it on shutdown. In real
  /// runs it gets its own thread, so reading overlaps the replay.
  buffer_actor spawn_buffer(std::shared_ptr<record_source> source,
                            buffer_options opts = {});

  /// Stops `who` (spawned elsewhere) on shutdown like the actors spawned
  /// here.
  void adopt(const caf::actor& who) { track(who, {}, false); }

  /// Spawns any other actor from a function and stops it on shutdown.
  template <caf::spawn_options Os = caf::no_spawn_options, class F, class... Ts>
  auto spawn(F fun, Ts&&... xs) {
    auto handle = sys_->spawn<Os>(std::move(fun), std::forward<Ts>(xs)...);
    track(caf::actor_cast<caf::actor>(handle), {}, false);
    return handle;
  }

  /// Spawns any other actor from a class and stops it on shutdown.
  template <class T, caf::spawn_options Os = caf::no_spawn_options, class... Ts>
  auto spawn(Ts&&... xs) {
    auto handle = sys_->spawn<T, Os>(std::forward<Ts>(xs)...);
    track(caf::actor_cast<caf::actor>(handle), {}, false);
    return handle;
  }

  // -- messaging from outside any actor -------------------------------------

  /// Sends to the agent registered as `target`. Error `unknown_name`.
  template <class... Ts>
  caf::error send_to(const std::string& target, Ts&&... xs) {
    static_assert(sizeof...(Ts) > 0, "send_to needs a message");
    auto handle = state_->names.find(target);
    if (!handle)
      return make_error(errc::unknown_name, "no agent named '" + target + "'");
    if (state_->tracer())
      trace(trace_kind::sent, target, caf::make_message(xs...));
    caf::anon_send(handle, std::forward<Ts>(xs)...);
    return caf::none;
  }

  /// Publishes on `topic` with no sender.
  template <class... Ts>
  caf::error publish(const std::string& topic, Ts&&... xs) {
    static_assert(sizeof...(Ts) > 0, "publish needs a message");
    if (topic.empty())
      return make_error(errc::invalid_argument, "empty topic name");
    auto& entry = state_->topics.intern(topic);
    entry.count_published();
    if (state_->tracer())
      trace(trace_kind::published, topic, caf::make_message(xs...));
    auto subscribers = entry.snapshot();
    if (!subscribers->empty())
      detail::deliver(*subscribers, nullptr, nullptr,
                      caf::make_message(topic_header{entry.id(), 0},
                                        std::forward<Ts>(xs)...));
    return caf::none;
  }

  /// Returns the actor registered as `name`, or an invalid handle.
  caf::actor lookup(const std::string& name) const;

  /// All registered names, sorted.
  std::vector<std::string> names() const;

  // -- lifetime -------------------------------------------------------------

  /// Number of agents spawned here that have not stopped yet.
  size_t running_agents() const;

  /// Blocks until every agent spawned here has stopped (e.g. after they
  /// sent each other `shutdown_atom`). Not available under the test
  /// scheduler, where the fixture drives time instead.
  void await_agents();

  /// Sends every actor spawned here an exit message (agents run
  /// `on_shutdown`). Idempotent; the destructor calls it.
  void shutdown();

  /// The shared state (for built-in actors and tests).
  const std::shared_ptr<detail::runtime_state>& state() const noexcept {
    return state_;
  }

private:
  static config& prepare(config& cfg,
                         const std::shared_ptr<detail::runtime_state>& state);

  void track(const caf::actor& who, const std::string& name, bool is_agent);

  void trace(trace_kind kind, const std::string& peer, caf::message content);

  config& cfg_;
  std::shared_ptr<detail::runtime_state> state_;
  std::unique_ptr<caf::actor_system> sys_;
  bool shut_down_ = false;
};

} // namespace troupe
