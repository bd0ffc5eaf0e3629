#include "troupe/actors/agent.hpp"

#include <exception>

#include "troupe/runtime/log.hpp"

#include <caf/actor_system.hpp>
#include <caf/detail/behavior_impl.hpp>
#include <caf/make_type_erased_tuple_view.hpp>
#include <caf/match_case.hpp>
#include <caf/message_view.hpp>
#include <caf/sec.hpp>

namespace troupe {

namespace detail {

struct agent_access {
  static void dispatch_topic(agent& self, const caf::type_erased_tuple& xs) {
    self.dispatch_topic(xs);
  }

  static void dispatch_replay(agent& self, const replay_batch& batch) {
    self.dispatch_replay(batch);
  }

  static void flush_replay(agent& self) { self.flush_replay(); }
};

namespace {

/// The agent's whole behavior in one level: a `(topic_header, payload...)`
/// delivery goes straight to the topic handlers, anything else to the
/// user's handlers, then to the built-in ones. Saves a failed match, a
/// combinator level and the default-handler round trip on the hot paths.
class agent_behavior : public caf::detail::behavior_impl {
public:
  agent_behavior(agent* self, pointer user, pointer builtins)
      : self_(self), user_(std::move(user)), builtins_(std::move(builtins)) {
    // nop
  }

  using behavior_impl::invoke;

  caf::match_case::result invoke(caf::detail::invoke_result_visitor& f,
                                 caf::type_erased_tuple& xs) override {
    if (is_topic_delivery(xs)) {
      agent_access::dispatch_topic(*self_, xs);
      f();
      return caf::match_case::match;
    }
    if (xs.size() == 1 && xs.match_element<replay_batch>(0)) {
      agent_access::dispatch_replay(*self_, xs.get_as<replay_batch>(0));
      f();
      return caf::match_case::match;
    }
    if (xs.size() == 1 && xs.match_element<replay_flush>(0)) {
      agent_access::flush_replay(*self_);
      f();
      return caf::match_case::match;
    }
    if (user_) {
      auto result = user_->invoke(f, xs);
      if (result != caf::match_case::no_match)
        return result;
    }
    return builtins_->invoke(f, xs);
  }

private:
  agent* self_;
  pointer user_;
  pointer builtins_;
};

} // namespace

} // namespace detail

agent::agent(caf::actor_config& cfg, std::string name)
    : super(cfg), name_(std::move(name)) {
  state_ = detail::shared_state_of(system());
  stats_.name = name_;
}

agent::~agent() {
  // nop
}

const char* agent::name() const {
  return name_.empty() ? "troupe.agent" : name_.c_str();
}

// -- customization points -----------------------------------------------------

handler_set agent::handlers() {
  return {};
}

void agent::work() {
  // nop
}

void agent::on_shutdown() {
  // nop
}

// -- start and stop -----------------------------------------------------------

caf::behavior agent::make_behavior() {
  install_fallbacks();
  caf::message_handler builtins{
      [this](shutdown_atom) { quit(); },
      [this](caf::get_atom, stats_atom) { return stats_; },
  };
  caf::behavior::impl_ptr impl = caf::make_counted<detail::agent_behavior>(
      this, handlers().impl_.as_behavior_impl(), builtins.as_behavior_impl());
  caf::behavior result{std::move(impl)};
  started_ = true;
  work();
  return result;
}

void agent::on_exit() {
  if (started_ && !stopped_) {
    stopped_ = true;
    try {
      on_shutdown();
    } catch (const std::exception& ex) {
      log::error("agent '{}': on_shutdown threw: {}", name_, ex.what());
    } catch (...) {
      log::error("agent '{}': on_shutdown threw a non-standard exception",
                 name_);
    }
  }
  if (state_) {
    for (uint32_t id = 0; id < slots_.size(); ++id)
      if (slots_[id])
        if (auto* entry = state_->topics.find(id))
          entry->remove(address());
  }
  slots_.clear();
  // The caches hold strong handles to peers; two agents caching each other
  // would otherwise keep each other (and the runtime state) alive forever.
  names_.clear();
  topics_.clear();
  super::on_exit();
}

void agent::install_fallbacks() {
  set_default_handler(
      [this](caf::scheduled_actor*,
             caf::message_view& msg) -> caf::result<caf::message> {
        count_unexpected(msg.content(), "");
        if (current_message_id().is_request())
          return caf::make_error(caf::sec::unexpected_message);
        // An empty result is not sent back for asynchronous messages: the
        // sender is not punished for our missing handler.
        return caf::message{};
      });
  set_error_handler([this](caf::error& err) {
    log::warning("agent '{}' received an error: {}", name_, to_text(err));
  });
  set_down_handler([this](caf::down_msg& down) {
    log::debug("agent '{}': monitored actor exited: {}", name_,
               to_text(down.reason));
  });
  set_exception_handler([this](std::exception_ptr& ptr) -> caf::error {
    std::string what = "non-standard exception";
    try {
      std::rethrow_exception(ptr);
    } catch (const std::exception& ex) {
      what = ex.what();
    } catch (...) {
      // keep the generic text
    }
    log::error("agent '{}': a handler threw, the agent stops: {}", name_, what);
    return make_error(errc::handler_failed,
                      "agent '" + name_ + "': handler threw: " + what);
  });
}

// -- names --------------------------------------------------------------------

const caf::actor& agent::resolve(const std::string& target) {
  static const caf::actor none;
  if (!state_)
    return none;
  return names_.lookup(state_->names, target);
}

caf::error agent::report_unknown_name(const std::string& target) {
  if (!state_)
    return no_runtime_error();
  if (reported_names_.size() < 1024 && reported_names_.insert(target).second)
    log::warning("agent '{}': send_to: no agent named '{}'", name_, target);
  return make_error(errc::unknown_name, "no agent named '" + target + "'");
}

caf::error agent::no_runtime_error() const {
  return make_error(errc::no_runtime,
                    "agent '" + name_
                        + "' runs in an actor system not created from "
                          "troupe::config");
}

// -- topics -------------------------------------------------------------------

caf::error agent::add_topic_handler(const std::string& topic,
                                    detail::topic_handler handler) {
  if (topic.empty())
    return make_error(errc::invalid_argument, "empty topic name");
  if (!state_)
    return no_runtime_error();
  auto& entry = state_->topics.intern(topic);
  if (entry.id() >= slots_.size())
    slots_.resize(entry.id() + 1);
  if (!slots_[entry.id()])
    slots_[entry.id()] = std::make_unique<topic_slot>();
  auto& slot = *slots_[entry.id()];
  slot.name = topic;
  auto same_payload = [&](const detail::topic_handler& x) {
    return x.payload == handler.payload;
  };
  auto i
      = std::find_if(slot.handlers.begin(), slot.handlers.end(), same_payload);
  if (i != slot.handlers.end())
    *i = std::move(handler);
  else
    slot.handlers.emplace_back(std::move(handler));
  auto self = caf::actor_cast<caf::actor>(this);
  if (entry.add(self)) {
    // The hub watches subscribers so that the list heals even if this agent
    // dies without running on_exit (e.g. its node vanishes).
    caf::anon_send(state_->broadcaster, caf::subscribe_atom::value, topic,
                   self);
  }
  return caf::none;
}

caf::error agent::unsubscribe(const std::string& topic) {
  if (!state_)
    return no_runtime_error();
  auto* entry = state_->topics.find(topic);
  if (entry == nullptr || slot_of(entry->id()) == nullptr)
    return make_error(errc::not_found, "agent '" + name_
                                           + "' is not subscribed to '" + topic
                                           + "'");
  slots_[entry->id()].reset();
  entry->remove(address());
  return caf::none;
}

void agent::dispatch_topic(const caf::type_erased_tuple& content) {
  auto* slot = slot_of(content.get_as<topic_header>(0).topic);
  if (slot == nullptr) {
    // Published before our unsubscribe took effect: not an error.
    return;
  }
  for (auto& handler : slot->handlers) {
    if (handler.invoke(content)) {
      ++stats_.received;
      if (tracer())
        trace(trace_kind::delivered, slot->name,
              caf::message::copy(content).drop(1));
      return;
    }
  }
  count_unexpected(content, slot->name);
}

void agent::dispatch_replay(const replay_batch& batch) {
  // Replayed deliveries come in batches so that the replay can count what
  // each subscriber has not handled yet (its credit); the acknowledgement
  // returns the credit and each item's lateness at its handler.
  replay_receiver_.receive(this, batch, [this](const replay_item& item) {
    if (!item.decoded.empty()) {
      dispatch_topic(item.decoded.content());
    } else if (tracer()) {
      // The trace keeps copies of what it sees; a view's copy would still
      // point into this batch.
      dispatch_topic(caf::make_message(item.header, item.payload).content());
    } else {
      // No message per record. Handlers take payloads by value or const
      // reference: the view never writes through these.
      auto view = caf::make_type_erased_tuple_view(
          const_cast<topic_header&>(item.header),
          const_cast<value&>(item.payload));
      dispatch_topic(view);
    }
  });
}

void agent::flush_replay() {
  replay_receiver_.flush(this);
}

// -- accounting ---------------------------------------------------------------

void agent::count_unexpected(const caf::type_erased_tuple& content,
                             const std::string& topic) {
  std::string key = topic.empty() ? "(" : "topic '" + topic + "': (";
  auto& types = system().types();
  for (size_t i = 0; i < content.size(); ++i) {
    if (i > 0)
      key += ", ";
    auto rtti = content.type(i);
    key += types.portable_name(rtti.first, rtti.second);
  }
  key += ")";
  auto& count = stats_.unexpected[key];
  if (count++ == 0)
    log::warning("agent '{}' has no handler for {}; dropped (further ones "
                 "are counted)",
                 name_, key);
  if (tracer())
    trace(trace_kind::unexpected, topic, caf::message::copy(content));
}

void agent::trace(trace_kind kind, const std::string& peer,
                  caf::message content) {
  if (auto* log = tracer())
    log->add(trace_entry{name_, kind, peer, std::move(content), clock().now()});
}

} // namespace troupe
