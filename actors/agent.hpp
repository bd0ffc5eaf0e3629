#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <type_traits>
#include <typeindex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "troupe/messages/core.hpp"
#include "troupe/messages/errors.hpp"
#include "troupe/messages/replay.hpp"
#include "troupe/runtime/detail/name_table.hpp"
#include "troupe/runtime/detail/replay_receipt.hpp"
#include "troupe/runtime/detail/runtime_state.hpp"
#include "troupe/runtime/detail/topic_table.hpp"

#include <caf/behavior.hpp>
#include <caf/detail/type_traits.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/make_message.hpp>
#include <caf/message_handler.hpp>
#include <caf/message_view.hpp>
#include <caf/type_erased_tuple.hpp>
#include <caf/type_id.hpp>

namespace troupe {

class agent;

namespace detail {

template <class F>
using handler_args = typename caf::detail::get_callable_trait<F>::arg_types;

template <class List>
struct decayed;

template <class... Ts>
struct decayed<caf::detail::type_list<Ts...>> {
  using type = caf::detail::type_list<std::decay_t<Ts>...>;
};

template <class List>
struct all_registered;

template <class... Ts>
struct all_registered<caf::detail::type_list<Ts...>>
    : std::bool_constant<(caf::has_type_id<std::decay_t<Ts>>::value && ...)> {};

template <class... Lists>
struct pairwise_distinct : std::true_type {};

template <class List, class... Lists>
struct pairwise_distinct<List, Lists...>
    : std::bool_constant<(!std::is_same<List, Lists>::value && ...)
                         && pairwise_distinct<Lists...>::value> {};

template <class List>
struct no_mutable_refs;

template <class... Ts>
struct no_mutable_refs<caf::detail::type_list<Ts...>>
    : std::bool_constant<((!std::is_lvalue_reference<Ts>::value
                           || std::is_const<std::remove_reference_t<Ts>>::value)
                          && ...)> {};

/// A handler subscribed to a topic, erased to "try this payload".
struct topic_handler {
  /// Identifies the payload types, so that subscribing again for the same
  /// types replaces the handler.
  std::type_index payload;
  /// Returns false when the payload does not have the handler's types.
  std::function<bool(const caf::type_erased_tuple&)> invoke;
};

template <class F, class... Ts, size_t... Is>
topic_handler make_topic_handler(F f, caf::detail::type_list<Ts...>,
                                 std::index_sequence<Is...>) {
  auto invoke = [f{std::move(f)}](const caf::type_erased_tuple& xs) mutable {
    // Element 0 is the topic_header; the payload follows.
    if (xs.size() != 1 + sizeof...(Ts)
        || !(xs.match_element<std::decay_t<Ts>>(1 + Is) && ...))
      return false;
    f(xs.get_as<std::decay_t<Ts>>(1 + Is)...);
    return true;
  };
  return {std::type_index{typeid(caf::detail::type_list<std::decay_t<Ts>...>)},
          std::move(invoke)};
}

/// Lets the runtime reach an agent's private set-up.
struct agent_access;

} // namespace detail

/// The handlers of an agent, built only by `agent::handle`, which checks
/// them at compile time.
class handler_set {
public:
  handler_set() = default;

private:
  friend class agent;

  explicit handler_set(caf::message_handler impl) : impl_(std::move(impl)) {
    // nop
  }

  caf::message_handler impl_;
};

/// Base class of user agents (pyros' Agent). A subclass declares one handler
/// per message type it understands (`handlers()`), may subscribe handlers to
/// topics, gets `work()` once after start and `on_shutdown()` once when it
/// stops for any reason. A message without a handler is dropped and counted
/// per type; it kills neither sender nor receiver.
///
/// Constructors take `(caf::actor_config&, std::string name, ...)`; spawn
/// agents with `runtime::spawn_agent<T>(name, ...)`, which also registers
/// the name so that `send_to(name, ...)` reaches the agent.
class agent : public caf::event_based_actor {
public:
  using super = caf::event_based_actor;

  agent(caf::actor_config& cfg, std::string name);

  ~agent() override;

  /// The name given at spawn; empty for an anonymous agent.
  const std::string& agent_name() const noexcept { return name_; }

  const char* name() const override;

  // -- messaging ------------------------------------------------------------

  /// Sends `xs...` to the agent registered as `target`, in this process or
  /// (with a cluster) on another node. Error `unknown_name` if no agent has
  /// that name; the first failure per name is also logged.
  template <class... Ts>
  caf::error send_to(const std::string& target, Ts&&... xs) {
    static_assert(sizeof...(Ts) > 0, "send_to needs a message");
    auto& handle = resolve(target);
    if (!handle)
      return report_unknown_name(target);
    ++stats_.sent;
    if (tracer())
      trace(trace_kind::sent, target, caf::make_message(xs...));
    send(handle, std::forward<Ts>(xs)...);
    return caf::none;
  }

  /// Publishes `xs...` on `topic`: every handler subscribed to that topic
  /// for these types runs once. Publishing to a topic without subscribers
  /// is not an error.
  template <class... Ts>
  caf::error publish(const std::string& topic, Ts&&... xs) {
    static_assert(sizeof...(Ts) > 0, "publish needs a message");
    if (topic.empty())
      return make_error(errc::invalid_argument, "empty topic name");
    if (!state_)
      return no_runtime_error();
    auto& view = topics_.lookup(state_->topics, topic);
    view.topic->count_published();
    ++stats_.published;
    if (tracer())
      trace(trace_kind::published, topic, caf::make_message(xs...));
    if (view.subscribers->empty())
      return caf::none;
    auto msg = caf::make_message(topic_header{view.topic->id(), 0},
                                 std::forward<Ts>(xs)...);
    detail::deliver(*view.subscribers, caf::strong_actor_ptr{ctrl()}, context(),
                    msg);
    return caf::none;
  }

  /// Runs `handler` for every message published on `topic` whose payload has
  /// the handler's argument types. Subscribing again for the same types
  /// replaces the handler. Effective immediately: any publish that starts
  /// after this call reaches the handler.
  template <class F>
  caf::error subscribe(const std::string& topic, F handler) {
    using args = detail::handler_args<F>;
    static_assert(caf::detail::tl_size<args>::value > 0,
                  "a topic handler takes the payload as arguments");
    static_assert(detail::all_registered<args>::value,
                  "a topic handler argument type has no type ID: add it to a "
                  "CAF_BEGIN_TYPE_ID_BLOCK(..., troupe::first_user_type_id) "
                  "block and register the block on troupe::config");
    static_assert(detail::no_mutable_refs<args>::value,
                  "topic handlers take payloads by value or const reference");
    using indices = std::make_index_sequence<caf::detail::tl_size<args>::value>;
    return add_topic_handler(topic, detail::make_topic_handler(
                                        std::move(handler), args{}, indices{}));
  }

  /// Removes every handler of this agent from `topic`. Error `not_found` if
  /// the agent was not subscribed.
  caf::error unsubscribe(const std::string& topic);

  /// The agent's counters (see `agent_stats`).
  const agent_stats& stats() const noexcept { return stats_; }

protected:
  // -- customization points -------------------------------------------------

  /// Returns the agent's handlers, built with `handle(...)`. The default has
  /// none.
  virtual handler_set handlers();

  /// Runs once after start, before the first message. Must not block.
  virtual void work();

  /// Runs once when the agent stops: on a `shutdown_atom`, on a runtime
  /// shutdown, on an exit message or after a handler threw.
  virtual void on_shutdown();

  /// Builds the agent's handler set. Checked at compile time: every argument
  /// type must be a registered message type, and no two handlers may take
  /// the same types (the second would never run).
  template <class... Fs>
  handler_set handle(Fs... fs) {
    static_assert(
        (detail::all_registered<detail::handler_args<Fs>>::value && ...),
        "a handler argument type has no type ID: add it to a "
        "CAF_BEGIN_TYPE_ID_BLOCK(..., troupe::first_user_type_id) "
        "block and register the block on troupe::config");
    static_assert(
        detail::pairwise_distinct<
            typename detail::decayed<detail::handler_args<Fs>>::type...>::value,
        "two handlers take the same message types; the second would never run");
    return handler_set{caf::message_handler{
        counted(std::move(fs), detail::handler_args<Fs>{})...}};
  }

private:
  friend struct detail::agent_access;

  caf::behavior make_behavior() final;

  void on_exit() final;

  void install_fallbacks();

  const caf::actor& resolve(const std::string& target);

  caf::error report_unknown_name(const std::string& target);

  caf::error no_runtime_error() const;

  caf::error add_topic_handler(const std::string& topic,
                               detail::topic_handler handler);

  /// Runs the topic handler for a `(topic_header, payload...)` delivery.
  void dispatch_topic(const caf::type_erased_tuple& content);

  /// Runs the topic handlers for each replayed delivery of `batch` and
  /// returns the credit to the replay (see `replay_ack`).
  void dispatch_replay(const replay_batch& batch);

  /// Sends the replay the acknowledgements held back for it.
  void flush_replay();

  void count_unexpected(const caf::type_erased_tuple& content,
                        const std::string& topic);

  trace_log* tracer() const noexcept {
    return state_ ? state_->tracer() : nullptr;
  }

  void trace(trace_kind kind, const std::string& peer, caf::message content);

  /// Wraps a user handler so that it is counted (and traced in tests).
  template <class F, class... Ts>
  auto counted(F f, caf::detail::type_list<Ts...>) {
    using result = typename caf::detail::get_callable_trait<F>::result_type;
    return [this, f{std::move(f)}](Ts... xs) mutable -> result {
      ++stats_.received;
      if (tracer())
        trace(trace_kind::received, "", caf::make_message(xs...));
      return f(std::forward<Ts>(xs)...);
    };
  }

  struct topic_slot {
    std::string name;
    std::vector<detail::topic_handler> handlers;
  };

  /// Returns the slot of a topic ID or nullptr.
  topic_slot* slot_of(uint32_t topic) noexcept {
    return topic < slots_.size() && slots_[topic] ? slots_[topic].get()
                                                  : nullptr;
  }

  std::string name_;
  std::shared_ptr<detail::runtime_state> state_;
  detail::name_cache names_;
  detail::topic_cache topics_;
  /// Indexed by topic ID (IDs are small and dense within a runtime).
  std::vector<std::unique_ptr<topic_slot>> slots_;
  std::set<std::string> reported_names_;
  agent_stats stats_;
  detail::replay_receiver replay_receiver_;
  bool started_ = false;
  bool stopped_ = false;
};

} // namespace troupe
