#include "troupe/actors/broadcaster.hpp"

#include <unordered_set>

#include "troupe/actors/buffer.hpp"
#include "troupe/messages/errors.hpp"
#include "troupe/runtime/config.hpp"
#include "troupe/runtime/detail/replay_engine.hpp"
#include "troupe/runtime/detail/runtime_state.hpp"
#include "troupe/runtime/log.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace troupe {

namespace {

struct broadcaster_state;

using broadcaster_pointer
    = broadcaster_actor::stateful_pointer<broadcaster_state>;

/// Gives the replay engine the broadcaster's clock, timers and buffer.
class broadcaster_host : public detail::replay_host {
public:
  broadcaster_pointer actor = nullptr;
  buffer_actor buffer;
  std::shared_ptr<detail::runtime_state> shared_state;
  detail::replay_engine* engine = nullptr;

  time_point now() override;
  void wake_at(time_point t, uint64_t generation) override;
  void pull(uint32_t n, uint64_t generation,
            std::vector<caf::message> spent) override;
  void prepare(bool rewind, uint64_t generation) override;
  void reset() override;
  std::function<void()> waker() override;
  void watch(const caf::actor& who) override;
  const caf::strong_actor_ptr& self() override;
  caf::execution_unit* context() override;
  detail::runtime_state& shared() override { return *shared_state; }

private:
  caf::strong_actor_ptr self_ptr_;
};

struct broadcaster_state {
  broadcaster_state() : engine(host) { host.engine = &engine; }

  std::shared_ptr<detail::runtime_state> shared;
  /// Subscribers currently monitored (each once, whatever its topics).
  std::unordered_set<caf::actor_addr> watched;
  broadcaster_host host;
  detail::replay_engine engine;
  static inline const char* name = "troupe.broadcaster";
};

broadcaster_host::time_point broadcaster_host::now() {
  return actor->clock().now();
}

void broadcaster_host::wake_at(time_point t, uint64_t generation) {
  actor->scheduled_send(actor, t, replay_tick{generation});
}

void broadcaster_host::pull(uint32_t n, uint64_t generation,
                            std::vector<caf::message> spent) {
  auto* eng = engine;
  actor->request(buffer, caf::infinite, buffer_pull{n, std::move(spent)})
      .then(
          [eng, generation](record_batch& batch) {
            eng->on_records(generation, std::move(batch));
          },
          [eng, generation](caf::error& err) {
            eng->on_error(generation, err);
          });
}

void broadcaster_host::prepare(bool rewind, uint64_t generation) {
  auto* eng = engine;
  auto* self = actor;
  auto buf = buffer;
  auto fail = [eng, generation](caf::error& err) {
    eng->on_error(generation, err);
  };
  auto await_ready = [self, buf, eng, generation, fail] {
    self->request(buf, caf::infinite, buffer_await_ready{})
        .then([eng, generation](buffer_status&) { eng->on_ready(generation); },
              fail);
  };
  auto start = [self, buf, await_ready, fail] {
    self->request(buf, caf::infinite, buffer_start{})
        .then([await_ready](bool) { await_ready(); }, fail);
  };
  if (rewind)
    self->request(buf, caf::infinite, buffer_reset{})
        .then([start](bool) { start(); }, fail);
  else
    start();
}

void broadcaster_host::reset() {
  actor->request(buffer, caf::infinite, buffer_reset{})
      .then([](bool) {}, [](caf::error&) {});
}

std::function<void()> broadcaster_host::waker() {
  // Weak: the timing thread lives inside this actor's state.
  caf::weak_actor_ptr weak{actor->ctrl()};
  return [weak] {
    if (auto hdl = weak.lock())
      hdl->enqueue(nullptr, caf::make_message_id(),
                   caf::make_message(replay_tick{0}), nullptr);
  };
}

const caf::strong_actor_ptr& broadcaster_host::self() {
  if (!self_ptr_)
    self_ptr_ = caf::actor_cast<caf::strong_actor_ptr>(actor);
  return self_ptr_;
}

caf::execution_unit* broadcaster_host::context() {
  return actor->context();
}

void watch(broadcaster_pointer self, const caf::actor& who) {
  if (self->state.watched.insert(who.address()).second)
    self->monitor(who);
}

void broadcaster_host::watch(const caf::actor& who) {
  ::troupe::watch(actor, who);
}

bool under_test_scheduler(caf::actor_system& sys) {
  auto* cfg = dynamic_cast<const config*>(&sys.config());
  return cfg != nullptr && cfg->test_scheduler();
}

/// Wraps a replay control: its `expected<bool>` becomes the reply.
template <class Msg, class F>
auto control(F fn) {
  return [fn](Msg msg) -> caf::result<bool> {
    auto result = fn(msg);
    if (!result)
      return std::move(result.error());
    return *result;
  };
}

broadcaster_actor::behavior_type
broadcaster_impl(broadcaster_pointer self,
                 std::shared_ptr<detail::runtime_state> shared) {
  self->state.shared = shared;
  self->state.host.actor = self;
  self->state.host.shared_state = std::move(shared);
  self->set_down_handler([self](caf::down_msg& down) {
    self->state.watched.erase(down.source);
    self->state.shared->topics.remove_everywhere(down.source);
    self->state.engine.forget(down.source);
  });
  // CAF's default would end the broadcaster on any error message, e.g. a
  // subscriber of the user's that has no handler for a replay message and
  // answers with `unexpected_message`: one subscriber must not stop every
  // topic and the replay.
  self->set_error_handler([](caf::error& err) {
    log::warning("broadcaster: a subscriber answered with an error: {}",
                 to_text(err));
  });
  auto& eng = self->state.engine;
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
      [self](replay_load& load) -> caf::result<void> {
        auto buffer = caf::actor_cast<buffer_actor>(load.buffer);
        if (!buffer)
          return make_error(errc::invalid_argument,
                            "replay_load needs a buffer actor");
        self->state.host.buffer = buffer;
        if (auto err = self->state.engine.load(
                std::move(load.options), !under_test_scheduler(self->system())))
          return err;
        return caf::unit;
      },
      control<replay_start>([&eng](replay_start) { return eng.start(); }),
      control<replay_pause>([&eng](replay_pause) { return eng.pause(); }),
      control<replay_resume>([&eng](replay_resume) { return eng.resume(); }),
      control<replay_toggle>([&eng](replay_toggle) { return eng.toggle(); }),
      control<replay_step>([&eng](replay_step) { return eng.step(); }),
      control<replay_burst>(
          [&eng](replay_burst x) { return eng.burst(x.count); }),
      control<replay_seek>([&eng](replay_seek x) { return eng.seek(x.to_ns); }),
      control<replay_set_speed>(
          [&eng](replay_set_speed x) { return eng.set_speed(x.speed); }),
      control<replay_stop>([&eng](replay_stop) { return eng.stop(); }),
      [self](replay_query) { return self->state.engine.status(); },
      [self](replay_await_end) -> caf::result<replay_status> {
        auto promise = self->make_response_promise<replay_status>();
        self->state.engine.await_end(promise);
        return promise;
      },
      [self](replay_tick tick) { self->state.engine.on_tick(tick.generation); },
      [self](replay_ack& ack) {
        if (auto& sender = self->current_sender())
          self->state.engine.on_ack(sender->address(), ack);
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
