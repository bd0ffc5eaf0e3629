#include <atomic>
#include <chrono>

#include "troupe/runtime/runtime.hpp"

#include <doctest/doctest.h>

#include "support/messages.hpp"

// These tests run on CAF's real scheduler: they check that the runtime never
// hangs on exit. A hang shows as a ctest timeout.

using namespace std::chrono_literals;

namespace {

/// Re-arms a timer to itself forever.
class ticker : public troupe::agent {
public:
  ticker(caf::actor_config& cfg, std::string name, std::atomic<int>* stops)
      : agent(cfg, std::move(name)), stops_(stops) {
    // nop
  }

protected:
  troupe::handler_set handlers() override {
    return handle([this](caf::tick_atom) {
      delayed_send(this, 1h, caf::tick_atom::value);
      publish("ticks", test::ping{1});
    });
  }

  void work() override {
    subscribe("ticks", [](const test::ping&) {});
    delayed_send(this, 1h, caf::tick_atom::value);
    send(this, caf::tick_atom::value);
  }

  void on_shutdown() override { ++*stops_; }

private:
  std::atomic<int>* stops_;
};

/// Stops itself after its first message.
class one_shot : public troupe::agent {
public:
  using agent::agent;

protected:
  troupe::handler_set handlers() override {
    return handle([this](const test::ping&) { quit(); });
  }
};

} // namespace

TEST_CASE("shutdown with pending timers, subscriptions and detached agents "
          "does not hang") {
  std::atomic<int> stops{0};
  {
    troupe::config cfg;
    test::register_types(cfg);
    troupe::runtime rt{cfg};
    REQUIRE(rt.spawn_agent<ticker>("pooled", &stops));
    REQUIRE(rt.spawn_agent<ticker, caf::detached>("detached", &stops));
    rt.spawn([](caf::event_based_actor* self) -> caf::behavior {
      self->delayed_send(self, 1h, caf::tick_atom::value);
      return {[](caf::tick_atom) {
      }};
    });
    CHECK(rt.running_agents() == 2);
  }
  CHECK(stops == 2);
}

TEST_CASE("await_agents returns once every agent stopped") {
  troupe::config cfg;
  test::register_types(cfg);
  troupe::runtime rt{cfg};
  REQUIRE(rt.spawn_agent<one_shot>("a"));
  REQUIRE(rt.spawn_agent<one_shot>("b"));
  CHECK(!rt.send_to("a", test::ping{1}));
  CHECK(!rt.send_to("b", test::ping{2}));
  rt.await_agents();
  CHECK(rt.running_agents() == 0);
  CHECK(rt.names().empty());
}

TEST_CASE("a config can serve one runtime after another") {
  troupe::config cfg;
  test::register_types(cfg);
  for (int i = 0; i < 2; ++i) {
    troupe::runtime rt{cfg};
    REQUIRE(rt.spawn_agent<one_shot>("same"));
    CHECK(rt.names() == std::vector<std::string>{"same"});
  }
}
