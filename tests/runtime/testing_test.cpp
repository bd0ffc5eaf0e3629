#include <chrono>
#include <vector>

#include "troupe/runtime/testing.hpp"

#include <doctest/doctest.h>

#include "support/fixture.hpp"

using namespace std::chrono_literals;
using namespace test;

namespace {

/// Publishes a ping every 100 ms of (virtual) time, three times.
class metronome : public troupe::agent {
public:
  using agent::agent;

  std::vector<caf::actor_clock::time_point> beats;

protected:
  troupe::handler_set handlers() override {
    return handle([this](caf::tick_atom) {
      beats.push_back(clock().now());
      publish("beat", ping{static_cast<int32_t>(beats.size())});
      if (beats.size() < 3)
        delayed_send(this, 100ms, caf::tick_atom::value);
    });
  }

  void work() override { delayed_send(this, 100ms, caf::tick_atom::value); }
};

class counter : public troupe::agent {
public:
  using agent::agent;

protected:
  void work() override {
    subscribe("beat", [](const ping&) {});
  }
};

} // namespace

TEST_CASE_FIXTURE(fixture, "virtual time fires timers exactly and in order") {
  auto start = now();
  auto m = spawn<metronome>("m");
  spawn<counter>("c");
  auto& self = agent_of<metronome>(m);
  advance(99ms);
  CHECK(self.beats.empty());
  advance(1ms);
  REQUIRE(self.beats.size() == 1);
  CHECK(self.beats[0] - start == 100ms);
  advance(1s);
  REQUIRE(self.beats.size() == 3);
  CHECK(self.beats[1] - start == 200ms);
  CHECK(self.beats[2] - start == 300ms);
  CHECK(now() - start == 1100ms);
  CHECK(published<ping>("beat")
        == std::vector<ping>{ping{1}, ping{2}, ping{3}});
  CHECK(received<ping>("c").size() == 3);
  CHECK(!advance_to_next_timer());
}

TEST_CASE_FIXTURE(fixture, "the trace names who sent and published what") {
  spawn<counter>("c");
  REQUIRE(!publish("beat", ping{9}));
  run();
  auto published_by_test = events_of("", troupe::trace_kind::published);
  REQUIRE(published_by_test.size() == 1);
  CHECK(published_by_test[0].peer == "beat");
  auto delivered = events_of("c", troupe::trace_kind::delivered);
  REQUIRE(delivered.size() == 1);
  CHECK(delivered[0].content.get_as<ping>(0).value == 9);
  clear_trace();
  CHECK(trace().empty());
}

TEST_CASE_FIXTURE(fixture, "spawn throws on a taken name") {
  spawn<counter>("c");
  CHECK_THROWS_AS(spawn<counter>("c"), std::runtime_error);
}
