#include "troupe/actors/topic_forwarder.hpp"

#include "troupe/messages/errors.hpp"
#include "troupe/runtime/detail/runtime_state.hpp"
#include "troupe/runtime/log.hpp"

#include <caf/actor_system.hpp>
#include <caf/detail/behavior_impl.hpp>
#include <caf/match_case.hpp>
#include <caf/message_handler.hpp>

namespace troupe {

namespace {

/// Topic deliveries go straight to the forwarder; everything else to the
/// control handlers. Saves a failed match per message on the hot path.
class forwarder_behavior : public caf::detail::behavior_impl {
public:
  forwarder_behavior(topic_forwarder* self, pointer control)
      : self_(self), control_(std::move(control)) {
    // nop
  }

  using behavior_impl::invoke;

  caf::match_case::result invoke(caf::detail::invoke_result_visitor& f,
                                 caf::type_erased_tuple& xs) override {
    if (detail::is_topic_delivery(xs)) {
      self_->on_delivery(xs);
      f();
      return caf::match_case::match;
    }
    return control_->invoke(f, xs);
  }

private:
  topic_forwarder* self_;
  pointer control_;
};

} // namespace

topic_forwarder::topic_forwarder(caf::actor_config& cfg, std::string peer,
                                 caf::actor peer_sink, caf::actor local_sink,
                                 forwarder_limits limits)
    : event_based_actor(cfg),
      peer_(std::move(peer)),
      peer_sink_(std::move(peer_sink)),
      local_sink_(caf::actor_cast<caf::strong_actor_ptr>(local_sink)),
      limits_(limits),
      state_(detail::shared_state_of(system())),
      encoder_(system()) {
  // nop
}

caf::behavior topic_forwarder::make_behavior() {
  caf::message_handler control{
      [this](const batch_ack& ack) { on_ack(ack.seq); },
      [this](caf::flush_atom) { on_flush(); },
  };
  set_default_handler(caf::drop);
  caf::behavior::impl_ptr impl
      = caf::make_counted<forwarder_behavior>(this, control.as_behavior_impl());
  return caf::behavior{std::move(impl)};
}

const std::string& topic_forwarder::topic_name(uint32_t id) {
  if (id >= names_.size())
    names_.resize(id + 1);
  auto& name = names_[id];
  if (name.empty() && state_ != nullptr)
    if (auto* entry = state_->topics.find(id))
      name = entry->name();
  return name;
}

void topic_forwarder::on_delivery(const caf::type_erased_tuple& content) {
  if (overloaded_)
    return;
  auto* element = current_mailbox_element();
  if (element != nullptr && element->sender == local_sink_ && local_sink_)
    return; // came from another node: its publisher's node forwards it
  auto id = content.get_as<topic_header>(0).topic;
  auto& topic = topic_name(id);
  if (auto err = encoder_.append(id, topic, content)) {
    if (dropped_++ == 0)
      log::error("forwarding to node '{}': {} (dropped; further ones are "
                 "counted)",
                 peer_, to_text(err));
    return;
  }
  if (encoder_.count() >= limits_.batch_messages
      || encoder_.bytes() >= limits_.batch_bytes)
    close_batch();
  if (ready_messages_ + encoder_.count() > limits_.backlog) {
    overloaded_ = true;
    quit(make_error(errc::node_lost, "node '" + peer_ + "' cannot keep up: "
                                         + std::to_string(limits_.backlog)
                                         + " topic messages wait for it"));
    return;
  }
  pump();
  if (!flush_scheduled_) {
    flush_scheduled_ = true;
    // Lands behind the deliveries already queued: the end of this burst.
    send(this, caf::flush_atom::value);
  }
}

void topic_forwarder::on_flush() {
  flush_scheduled_ = false;
  // Without credit the open batch keeps growing until an ack arrives:
  // batches get larger exactly when the link is busy.
  if (in_flight_ < limits_.window)
    close_batch();
  pump();
}

void topic_forwarder::on_ack(uint64_t) {
  if (in_flight_ > 0)
    --in_flight_;
  if (ready_.empty())
    close_batch();
  pump();
}

void topic_forwarder::close_batch() {
  if (encoder_.empty())
    return;
  ready_messages_ += encoder_.count();
  ready_.push_back(encoder_.take(next_seq_++));
}

void topic_forwarder::pump() {
  while (in_flight_ < limits_.window && !ready_.empty()) {
    ready_messages_ -= ready_.front().count;
    send(peer_sink_, std::move(ready_.front()));
    ready_.pop_front();
    ++in_flight_;
  }
}

} // namespace troupe
