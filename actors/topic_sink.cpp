#include "troupe/actors/topic_sink.hpp"

#include <set>
#include <string>

#include "troupe/messages/errors.hpp"
#include "troupe/runtime/cluster/batch.hpp"
#include "troupe/runtime/detail/runtime_state.hpp"
#include "troupe/runtime/log.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace troupe {

namespace {

struct sink_state {
  explicit sink_state(caf::local_actor* self) : decoder(self->system()) {
    // nop
  }

  std::shared_ptr<detail::runtime_state> shared;
  detail::batch_decoder decoder;
  detail::topic_cache topics;
  /// The current batch's topics, by index.
  std::vector<detail::topic_cache::view> views;
  /// Skip counts already reported, per payload signature.
  std::map<std::string, uint64_t> reported;
  static inline const char* name = "troupe.topic_sink";
};

using sink_pointer = topic_sink_actor::stateful_pointer<sink_state>;

/// Logs payload types this node does not know, once per type and then
/// every time the count doubles, so a misconfiguration is visible without
/// flooding the log.
void report_skipped(sink_pointer self) {
  for (auto& [signature, count] : self->state.decoder.skipped()) {
    auto& seen = self->state.reported[signature];
    if (count >= 2 * seen || seen == 0) {
      log::error("topic messages with payload '{}' from another node were "
                 "dropped: the type is not registered on this node ({} so "
                 "far)",
                 signature, count);
      seen = count;
    }
  }
}

topic_sink_actor::behavior_type
sink_impl(sink_pointer self, std::shared_ptr<detail::runtime_state> shared) {
  self->state.shared = std::move(shared);
  return {
      [self](const topic_batch& batch) {
        auto& st = self->state;
        auto sender = self->current_sender();
        caf::strong_actor_ptr me{self->ctrl()};
        // Resolve each of the batch's topics once, not once per message.
        st.views.clear();
        for (auto& name : batch.topics)
          st.views.push_back(st.topics.lookup(st.shared->topics, name));
        std::vector<uint64_t> counts(batch.topics.size(), 0);
        auto deliver = [&](uint32_t topic, caf::message msg) {
          auto& view = st.views[topic];
          ++counts[topic];
          if (view.subscribers->empty())
            return;
          // The message was just decoded: nobody else holds it, so setting
          // the local topic ID does not copy it.
          msg.get_mutable_as<topic_header>(0).topic = view.topic->id();
          detail::deliver(*view.subscribers, me, self->context(), msg);
        };
        auto err = st.decoder.decode(batch, deliver);
        for (size_t i = 0; i < counts.size(); ++i)
          st.views[i].topic->count_published(counts[i]);
        if (err)
          log::error("topic batch from another node: {}", to_text(err));
        if (!st.decoder.skipped().empty())
          report_skipped(self);
        // The forwarder is dynamically typed: acknowledge anonymously.
        if (sender)
          caf::anon_send(caf::actor_cast<caf::actor>(sender),
                         batch_ack{batch.seq});
      },
  };
}

} // namespace

topic_sink_actor
spawn_topic_sink(caf::actor_system& sys,
                 std::shared_ptr<detail::runtime_state> state) {
  return sys.spawn(sink_impl, std::move(state));
}

} // namespace troupe
