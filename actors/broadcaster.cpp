#include "troupe/actors/broadcaster.hpp"

#include <unordered_set>

#include "troupe/messages/errors.hpp"
#include "troupe/runtime/detail/runtime_state.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace troupe {

namespace {

struct broadcaster_state {
  std::shared_ptr<detail::runtime_state> shared;
  /// Subscribers currently monitored (each once, whatever its topics).
  std::unordered_set<caf::actor_addr> watched;
  static inline const char* name = "troupe.broadcaster";
};

using broadcaster_pointer
    = broadcaster_actor::stateful_pointer<broadcaster_state>;

void watch(broadcaster_pointer self, const caf::actor& who) {
  if (self->state.watched.insert(who.address()).second)
    self->monitor(who);
}

broadcaster_actor::behavior_type
broadcaster_impl(broadcaster_pointer self,
                 std::shared_ptr<detail::runtime_state> shared) {
  self->state.shared = std::move(shared);
  self->set_down_handler([self](caf::down_msg& down) {
    self->state.watched.erase(down.source);
    self->state.shared->topics.remove_everywhere(down.source);
  });
  return {
      [self](caf::subscribe_atom, const std::string& topic,
             const caf::actor& who) -> caf::result<uint32_t> {
        if (topic.empty() || !who)
          return make_error(errc::invalid_argument,
                            "subscribe needs a topic and a live actor");
        auto& entry = self->state.shared->topics.intern(topic);
        entry.add(who);
        watch(self, who);
        return entry.id();
      },
      [self](caf::unsubscribe_atom, const std::string& topic,
             const caf::actor& who) -> caf::result<void> {
        auto* entry = self->state.shared->topics.find(topic);
        if (entry == nullptr || !entry->remove(who.address()))
          return make_error(errc::not_found,
                            "not subscribed to '" + topic + "'");
        return caf::unit;
      },
      [self](caf::publish_atom, const std::string& topic,
             const caf::message& payload) -> caf::result<uint64_t> {
        if (topic.empty())
          return make_error(errc::invalid_argument, "empty topic name");
        auto& entry = self->state.shared->topics.intern(topic);
        entry.count_published();
        auto subscribers = entry.snapshot();
        if (subscribers->empty())
          return uint64_t{0};
        auto msg = caf::make_message(topic_header{entry.id(), 0}) + payload;
        return static_cast<uint64_t>(detail::deliver(
            *subscribers, self->current_sender(), self->context(), msg));
      },
      [self](caf::get_atom, stats_atom) {
        std::vector<topic_info> result;
        for (auto* entry : self->state.shared->topics.entries())
          result.emplace_back(topic_info{entry->name(), entry->id(),
                                         entry->subscriber_count(),
                                         entry->published()});
        return result;
      },
  };
}

} // namespace

broadcaster_actor
spawn_broadcaster(caf::actor_system& sys,
                  std::shared_ptr<detail::runtime_state> state) {
  return sys.spawn(broadcaster_impl, std::move(state));
}

} // namespace troupe
