// The real-time replay path on virtual time: records go to a timer that the
// test fires by hand (at once, late, a few at a time), mixed with records
// the broadcaster delivers itself. Whatever the interleaving, every
// receiver handles the records in log order, each once.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "troupe/actors/agent.hpp"
#include "troupe/actors/replay_sink.hpp"
#include "troupe/runtime/detail/runtime_state.hpp"

#include <doctest/doctest.h>

#include "support/fixture.hpp"
#include "support/manual_timer.hpp"
#include "support/replay.hpp"

using namespace test;
using namespace std::chrono_literals;
using troupe::replay_options;

namespace {

const std::vector<std::string> ab = {"UnitTestMessageA", "UnitTestMessageB"};

using labels = std::vector<std::string>;

/// A record's `data` (the fixture logs' records each have their own).
std::string data_label(double data) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f", data);
  return buf;
}

std::string data_label(const troupe::value& x) {
  auto* data = x.find("data");
  return data != nullptr ? data_label(data->to_double()) : "?";
}

/// An agent on both fixture topics, remembering what it got.
class two_topic_agent : public troupe::agent {
public:
  using agent::agent;

  labels seen;

protected:
  void work() override {
    for (auto& topic : ab)
      subscribe(topic, [this](const troupe::value& x) {
        seen.push_back(data_label(x));
      });
  }
};

using shared_labels = std::shared_ptr<labels>;

/// A plain CAF actor subscribed through the hub: it gets no lead and no
/// batches, only `(topic_header, value)` deliveries.
caf::behavior plain_subscriber(caf::event_based_actor*, shared_labels seen) {
  return {[seen](const troupe::topic_header&, const troupe::value& x) {
    seen->push_back(data_label(x));
  }};
}

/// The `data` of each line a `print` sink wrote ("elapsed topic {json}").
labels printed_data(const std::string& text) {
  labels result;
  const std::string key = "\"data\":";
  size_t at = 0;
  while ((at = text.find(key, at)) != std::string::npos) {
    at += key.size();
    result.push_back(data_label(std::strtod(text.c_str() + at, nullptr)));
  }
  return result;
}

/// The fixture logs' records in log order: 0.00 .. 0.09, 0.1 .. 1.0.
labels in_log_order(int passes = 1) {
  labels result;
  for (int pass = 0; pass < passes; ++pass) {
    for (int i = 0; i < 10; ++i)
      result.push_back(data_label(i * 0.01));
    for (int i = 1; i <= 10; ++i)
      result.push_back(data_label(i * 0.1));
  }
  return result;
}

/// How the test plays the timing thread.
struct firing {
  const char* name;
  manual_timer::mode how;
  /// Virtual time between rounds.
  caf::timespan step;
  /// Jobs fired per round (by hand).
  size_t per_round;
};

const firing firings[] = {
    {"at once, faster than the broadcaster", manual_timer::mode::at_once, 1ms,
     0},
    {"one job per round, far behind", manual_timer::mode::by_hand, 40ms, 1},
    {"a few jobs per round", manual_timer::mode::by_hand, 2ms, 3},
    {"all pending jobs each round", manual_timer::mode::by_hand, 5ms, 1000},
};

/// Three receivers of every record: an agent, a plain actor and the CLI's
/// print sink as the replay's tap.
struct receivers_fixture : fixture {
  manual_timer timer{*troupe::detail::state_of(sys()), sys().clock()};
  caf::actor agent_handle;
  shared_labels plain_seen = std::make_shared<labels>();
  caf::actor plain;
  char* printed = nullptr;
  size_t printed_size = 0;
  size_t printed_from = 0;
  std::FILE* print_out = open_memstream(&printed, &printed_size);
  caf::actor tap;

  receivers_fixture() {
    agent_handle = spawn<two_topic_agent>("agent");
    plain = rt().spawn(plain_subscriber, plain_seen);
    for (auto& topic : ab)
      REQUIRE(request<uint32_t>(rt().broadcaster(), caf::subscribe_atom::value,
                                topic, plain));
    troupe::sink_options sink;
    sink.kind = troupe::sink_options::print;
    sink.out = print_out;
    auto spawned = troupe::spawn_replay_sink(sys(), sink);
    REQUIRE(spawned);
    tap = caf::actor_cast<caf::actor>(*spawned);
    rt().adopt(tap);
  }

  ~receivers_fixture() {
    std::fclose(print_out);
    std::free(printed);
  }

  labels& agent_seen() { return agent_of<two_topic_agent>(agent_handle).seen; }

  labels tap_seen() {
    std::fflush(print_out);
    return printed_data(
        std::string{printed + printed_from, printed_size - printed_from});
  }

  void clear() {
    agent_seen().clear();
    plain_seen->clear();
    std::fflush(print_out);
    printed_from = printed_size;
  }

  caf::error start(replay_options opts) {
    opts.tap = tap;
    return replay({mcl_dir("dataset")}, opts);
  }

  /// Plays the timing thread as `f` says until the replay ended.
  troupe::replay_status drive(const firing& f) {
    timer.set_mode(f.how);
    for (int round = 0; round < 100'000; ++round) {
      run();
      auto st = replay_status();
      if (st.state != "running" && st.state != "waiting"
          && timer.pending() == 0)
        return st;
      advance(f.step);
      timer.fire(f.per_round);
    }
    FAIL("the replay did not end");
    return {};
  }

  void check_all(const labels& expected) {
    CHECK(agent_seen() == expected);
    CHECK(*plain_seen == expected);
    CHECK(tap_seen() == expected);
  }
};

} // namespace

TEST_CASE_FIXTURE(receivers_fixture,
                  "real time: every receiver gets every record once, in log "
                  "order, however the timing thread fires") {
  for (auto& f : firings) {
    for (double speed : {1.0, 5.0, 100.0, 1000.0}) {
      CAPTURE(f.name);
      CAPTURE(speed);
      clear();
      replay_options opts;
      opts.speed = speed;
      REQUIRE(!start(opts));
      auto st = drive(f);
      CHECK(st.state == "finished");
      CHECK(st.published == 20);
      check_all(in_log_order());
    }
  }
  // The timer was used, ahead of time and not.
  CHECK(timer.pushed() > 0);
}

TEST_CASE_FIXTURE(receivers_fixture,
                  "real time: records due while earlier ones wait for the "
                  "timing thread queue up behind them") {
  replay_options opts;
  opts.speed = 1; // the first hand-overs reach 100 ms ahead: A 0.00 .. B 0.10
  REQUIRE(!start(opts));
  run();
  // The timing thread stalls while most of the log falls due, and the
  // broadcaster wakes up late too: records due by then must not go out
  // before the ones still with the timing thread.
  sched().advance_time(700ms);
  run();
  CHECK(timer.pending() > 0);
  CHECK(agent_seen().size() < 20);
  timer.fire_all();
  run();
  auto st = drive(firings[3]);
  CHECK(st.state == "finished");
  check_all(in_log_order());
  // What came late is counted as late, not hidden.
  CHECK(st.publish_lateness.max > 0);
}

TEST_CASE_FIXTURE(receivers_fixture,
                  "real time: pause, speed changes and resume amid "
                  "hand-overs lose nothing and repeat nothing") {
  replay_options opts;
  opts.speed = 2;
  REQUIRE(!start(opts));
  run();
  advance(30ms);
  timer.fire(2); // some fired, the rest still with the timer
  run();
  CHECK(control(troupe::replay_pause{}) == true);
  advance(1s);
  timer.fire_all(); // taken back by the pause: nothing left to fire
  run();
  auto paused_count = agent_seen().size();
  CHECK(control(troupe::replay_resume{}) == true);
  advance(20ms);
  timer.fire(1);
  CHECK(control(troupe::replay_set_speed{50.0}) == true);
  advance(5ms);
  timer.fire(3);
  run();
  CHECK(control(troupe::replay_set_speed{0.5}) == true);
  auto st = drive(firings[2]);
  CHECK(st.state == "finished");
  CHECK(agent_seen().size() > paused_count);
  check_all(in_log_order());
}

TEST_CASE_FIXTURE(receivers_fixture,
                  "real time: step and burst amid hand-overs keep the order") {
  replay_options opts;
  opts.speed = 100;
  REQUIRE(!start(opts));
  run();
  advance(1ms);
  timer.fire(1);
  run();
  // Stepping pauses; what the timer had not fired comes back first.
  CHECK(control(troupe::replay_step{}) == true);
  run();
  CHECK(control(troupe::replay_burst{4}) == true);
  run();
  timer.fire_all();
  run();
  CHECK(control(troupe::replay_resume{}) == true);
  auto st = drive(firings[1]);
  CHECK(st.state == "finished");
  check_all(in_log_order());
}

TEST_CASE_FIXTURE(receivers_fixture,
                  "real time: a seek amid hand-overs continues in order from "
                  "the seek point") {
  replay_options opts;
  opts.speed = 20;
  REQUIRE(!start(opts));
  run();
  advance(2ms);
  timer.fire(1);
  run();
  CHECK(control(troupe::replay_pause{}) == true);
  clear();
  CHECK(control(troupe::replay_seek{500'000'000}) == true);
  CHECK(control(troupe::replay_resume{}) == true);
  auto st = drive(firings[2]);
  CHECK(st.state == "finished");
  labels from_half{"0.50", "0.60", "0.70", "0.80", "0.90", "1.00"};
  check_all(from_half);
}

TEST_CASE_FIXTURE(receivers_fixture,
                  "real time: a loop repeats the log in order, pass after "
                  "pass") {
  replay_options opts;
  opts.speed = 50;
  opts.loop = true;
  REQUIRE(!start(opts));
  for (int round = 0; round < 10'000 && replay_status().loops < 3; ++round) {
    advance(1ms);
    timer.fire(2);
    run();
  }
  REQUIRE(replay_status().loops == 3);
  CHECK(control(troupe::replay_pause{}) == true);
  timer.fire_all();
  run();
  // Three whole passes, then the part of the fourth that went out.
  auto expected = in_log_order(4);
  auto n = agent_seen().size();
  REQUIRE(n >= 60);
  REQUIRE(n <= 80);
  expected.resize(n);
  CHECK(agent_seen() == expected);
  CHECK(*plain_seen == expected);
  CHECK(tap_seen() == expected);
}
