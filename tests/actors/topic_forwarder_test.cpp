#include <memory>
#include <vector>

#include "troupe/actors/topic_forwarder.hpp"
#include "troupe/actors/topic_sink.hpp"
#include "troupe/messages/errors.hpp"
#include "troupe/runtime/cluster/batch.hpp"

#include <caf/scoped_actor.hpp>

#include <doctest/doctest.h>

#include "support/fixture.hpp"

namespace {

using batch_log = std::shared_ptr<std::vector<troupe::topic_batch>>;

/// Stands in for a peer's sink: keeps every batch, never acknowledges.
caf::behavior fake_sink(caf::event_based_actor*, batch_log log) {
  return {
      [log](const troupe::topic_batch& batch) { log->push_back(batch); },
  };
}

struct forwarder_fixture : test::fixture {
  batch_log batches = std::make_shared<std::vector<troupe::topic_batch>>();

  caf::actor make_forwarder(troupe::forwarder_limits limits,
                            caf::actor peer_sink = {},
                            caf::actor local_sink = {}) {
    if (!peer_sink)
      peer_sink = rt().spawn(fake_sink, batches);
    auto fwd = rt().spawn<troupe::topic_forwarder>("peer", peer_sink,
                                                   local_sink, limits);
    rt().state()->topics.intern("t").add(caf::actor_cast<caf::actor>(fwd));
    run();
    return caf::actor_cast<caf::actor>(fwd);
  }

  /// The ping values in the batches so far, in order.
  std::vector<int32_t> forwarded() {
    std::vector<int32_t> result;
    troupe::detail::batch_decoder decoder{sys()};
    for (auto& batch : *batches)
      decoder.decode(batch, [&](uint32_t, caf::message msg) {
        result.push_back(msg.get_as<test::ping>(1).value);
      });
    return result;
  }
};

std::vector<int32_t> range(int32_t first, int32_t last) {
  std::vector<int32_t> result;
  for (auto i = first; i <= last; ++i)
    result.push_back(i);
  return result;
}

} // namespace

TEST_CASE_FIXTURE(forwarder_fixture, "a burst becomes batches, sent while "
                                     "there is credit") {
  troupe::forwarder_limits limits;
  limits.window = 2;
  limits.batch_messages = 3;
  auto fwd = make_forwarder(limits);
  for (int32_t i = 1; i <= 10; ++i)
    REQUIRE_FALSE(publish("t", test::ping{i}));
  run();
  // Two full batches went out; the third waits for credit, the tenth
  // message for a batch to close.
  REQUIRE(batches->size() == 2);
  CHECK(forwarded() == range(1, 6));
  caf::anon_send(fwd, troupe::batch_ack{(*batches)[0].seq});
  run();
  REQUIRE(batches->size() == 3);
  CHECK(forwarded() == range(1, 9));
  caf::anon_send(fwd, troupe::batch_ack{(*batches)[1].seq});
  run();
  REQUIRE(batches->size() == 4);
  CHECK(forwarded() == range(1, 10));
}

TEST_CASE_FIXTURE(forwarder_fixture, "a single message goes out at once") {
  auto fwd = make_forwarder(troupe::forwarder_limits{});
  REQUIRE_FALSE(publish("t", test::ping{42}));
  run();
  REQUIRE(batches->size() == 1);
  CHECK(forwarded() == std::vector<int32_t>{42});
}

TEST_CASE_FIXTURE(forwarder_fixture, "a peer that never acknowledges is "
                                     "dropped, memory stays bounded") {
  troupe::forwarder_limits limits;
  limits.window = 1;
  limits.batch_messages = 2;
  limits.backlog = 5;
  auto fwd = make_forwarder(limits);
  caf::scoped_actor self{sys()};
  self->monitor(fwd);
  for (int32_t i = 1; i <= 20; ++i)
    publish("t", test::ping{i});
  run();
  caf::error reason;
  self->receive([&](caf::down_msg& down) { reason = down.reason; });
  CHECK(troupe::code_of(reason) == troupe::errc::node_lost);
  CHECK(troupe::to_text(reason).find("cannot keep up") != std::string::npos);
}

TEST_CASE_FIXTURE(forwarder_fixture, "a sink delivers batches to the local "
                                     "subscribers, which forwarders skip") {
  // Loop within one runtime: forwarder -> sink -> subscribers. The
  // forwarder is itself subscribed and must not send the sink's deliveries
  // around again.
  auto sink = troupe::spawn_topic_sink(sys(), rt().state());
  run();
  auto fwd = make_forwarder(troupe::forwarder_limits{},
                            caf::actor_cast<caf::actor>(sink),
                            caf::actor_cast<caf::actor>(sink));
  struct counter : troupe::agent {
    using agent::agent;
    std::vector<int32_t> seen;
    void work() override {
      subscribe("t", [this](const test::ping& x) { seen.push_back(x.value); });
    }
  };
  auto sub = spawn<counter>("t-counter");
  for (int32_t i = 1; i <= 5; ++i)
    publish("t", test::ping{i});
  run();
  // Each ping arrives twice: directly, and once more through the sink.
  auto& seen = agent_of<counter>(sub).seen;
  CHECK(seen.size() == 10);
  CHECK(std::count(seen.begin(), seen.end(), 3) == 2);
  caf::anon_send_exit(sink, caf::exit_reason::user_shutdown);
  (void)fwd;
}
