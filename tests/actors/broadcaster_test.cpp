#include <algorithm>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <vector>

#include "troupe/actors/broadcaster.hpp"
#include "troupe/runtime/runtime.hpp"

#include <doctest/doctest.h>

#include "support/fixture.hpp"
#include "support/replay.hpp"

using namespace test;

namespace {

/// Subscribes to "a" for pings and notes, and to "b" for pings.
class listener : public troupe::agent {
public:
  using agent::agent;

  std::vector<std::string> seen;

protected:
  troupe::handler_set handlers() override {
    return handle([this](const note& x) {
      if (x.text == "leave a")
        unsubscribe("a");
    });
  }

  void work() override {
    subscribe("a", [this](const ping& x) {
      seen.push_back("a ping " + std::to_string(x.value));
    });
    subscribe("a",
              [this](const note& x) { seen.push_back("a note " + x.text); });
    subscribe("b", [this](const ping& x) {
      seen.push_back("b ping " + std::to_string(x.value));
    });
  }
};

/// Publishes what it is told, on the topic named by the note.
class talker : public troupe::agent {
public:
  using agent::agent;

protected:
  troupe::handler_set handlers() override {
    return handle([this](const note& topic) { publish(topic.text, ping{42}); });
  }
};

size_t subscribers(fixture& fx, const std::string& topic) {
  auto* entry = fx.rt().state()->topics.find(topic);
  return entry != nullptr ? entry->subscriber_count() : 0;
}

} // namespace

TEST_CASE_FIXTURE(fixture, "publish reaches the handler for that topic and "
                           "type") {
  auto l = spawn<listener>("l");
  auto& self = agent_of<listener>(l);
  REQUIRE(!publish("a", ping{1}));
  REQUIRE(!publish("b", ping{2}));
  REQUIRE(!publish("a", note{"hi"}));
  REQUIRE(!publish("c", ping{3}));
  run();
  CHECK(self.seen
        == std::vector<std::string>{"a ping 1", "b ping 2", "a note hi"});
  CHECK(published<ping>("a") == std::vector<ping>{ping{1}});
  // Subscribing leaves no stray replies behind.
  CHECK(self.stats().unexpected.empty());
}

TEST_CASE_FIXTURE(fixture, "a payload type nobody handles on a topic is "
                           "counted") {
  auto l = spawn<listener>("l");
  REQUIRE(!publish("b", note{"not for b"}));
  run();
  auto& stats = agent_of<listener>(l).stats();
  CHECK(stats.unexpected.at("topic 'b': (troupe::topic_header, test::note)")
        == 1);
  CHECK(rt().running_agents() == 1);
}

TEST_CASE_FIXTURE(fixture, "every subscriber gets each message once") {
  auto l1 = spawn<listener>("l1");
  auto l2 = spawn<listener>("l2");
  spawn<talker>("t");
  REQUIRE(!send_to("t", note{"a"}));
  run();
  CHECK(agent_of<listener>(l1).seen == std::vector<std::string>{"a ping 42"});
  CHECK(agent_of<listener>(l2).seen == std::vector<std::string>{"a ping 42"});
  CHECK(subscribers(*this, "a") == 2);
}

TEST_CASE_FIXTURE(fixture, "unsubscribe stops deliveries") {
  auto l = spawn<listener>("l");
  REQUIRE(!send_to("l", note{"leave a"}));
  run();
  REQUIRE(!publish("a", ping{1}));
  REQUIRE(!publish("b", ping{2}));
  run();
  CHECK(agent_of<listener>(l).seen == std::vector<std::string>{"b ping 2"});
  CHECK(subscribers(*this, "a") == 0);
  CHECK(subscribers(*this, "b") == 1);
}

TEST_CASE_FIXTURE(fixture, "a subscriber that exits is removed") {
  auto l = spawn<listener>("l");
  CHECK(subscribers(*this, "a") == 1);
  SUBCASE("agent stops normally") {
    caf::anon_send(l, troupe::shutdown_atom::value);
  }
  SUBCASE("agent is killed") {
    caf::anon_send_exit(l, caf::exit_reason::kill);
  }
  run();
  CHECK(subscribers(*this, "a") == 0);
  CHECK(subscribers(*this, "b") == 0);
  REQUIRE(!publish("a", ping{1}));
  run();
}

TEST_CASE_FIXTURE(fixture, "plain actors subscribe through the hub and are "
                           "removed when they exit") {
  std::vector<int> got;
  auto plain
      = rt().spawn([&got](caf::event_based_actor* self) -> caf::behavior {
          return {
              [&got](const troupe::topic_header&, const ping& x) {
                got.push_back(x.value);
              },
              [self](const note&) { self->quit(); },
          };
        });
  auto id = request<uint32_t>(rt().broadcaster(), caf::subscribe_atom::value,
                              std::string{"a"}, plain);
  REQUIRE(id);
  CHECK(*id == rt().state()->topics.find("a")->id());
  auto delivered
      = request<uint64_t>(rt().broadcaster(), caf::publish_atom::value,
                          std::string{"a"}, caf::make_message(ping{5}));
  REQUIRE(delivered);
  CHECK(*delivered == 1);
  REQUIRE(!publish("a", ping{6}));
  run();
  CHECK(got == std::vector<int>{5, 6});
  caf::anon_send(plain, note{"bye"});
  run();
  CHECK(subscribers(*this, "a") == 0);
  auto topics = request<std::vector<troupe::topic_info>>(
      rt().broadcaster(), caf::get_atom::value, troupe::stats_atom::value);
  REQUIRE(topics);
  REQUIRE(topics->size() == 1);
  CHECK(topics->front().name == "a");
  CHECK(topics->front().subscribers == 0);
  CHECK(topics->front().published == 2);
}

TEST_CASE_FIXTURE(fixture, "hub requests with bad arguments are refused") {
  auto err = request<void>(rt().broadcaster(), caf::unsubscribe_atom::value,
                           std::string{"nowhere"}, caf::actor{});
  CHECK(troupe::code_of(err) == troupe::errc::not_found);
  auto id = request<uint32_t>(rt().broadcaster(), caf::subscribe_atom::value,
                              std::string{}, caf::actor{});
  REQUIRE(!id);
  CHECK(troupe::code_of(id.error()) == troupe::errc::invalid_argument);
}

// -- replay subscribers -------------------------------------------------------

namespace {

std::vector<troupe::record> five_records() {
  std::vector<troupe::record> result;
  for (int i = 0; i < 5; ++i)
    result.push_back(make_record(i * 0.01, "UnitTestMessageA"));
  return result;
}

/// A replay tap that acknowledges only when asked (`replay_flush`), as a
/// subscriber holding acknowledgements back does. Counts the asks.
caf::behavior held_back_tap(caf::event_based_actor* self,
                            std::shared_ptr<int> flushes) {
  auto held = std::make_shared<uint64_t>(0);
  return {
      [held](const troupe::replay_batch& batch) {
        *held += batch.items.size();
      },
      [self, held, flushes](troupe::replay_flush) {
        ++*flushes;
        troupe::replay_ack ack;
        ack.count = *held;
        *held = 0;
        if (auto& sender = self->current_sender())
          sender->enqueue(self->ctrl(), caf::make_message_id(),
                          caf::make_message(std::move(ack)), self->context());
      },
  };
}

} // namespace

TEST_CASE_FIXTURE(fixture, "a replay ends when a subscriber that never "
                           "acknowledged exits") {
  auto tap = sys().spawn([](caf::event_based_actor*) -> caf::behavior {
    return {[](const troupe::replay_batch&) {
      // Never acknowledges.
    }};
  });
  troupe::replay_options opts;
  opts.max_rate = true;
  opts.tap = tap;
  REQUIRE(!replay(five_records(), opts));
  run();
  auto ended = request<troupe::replay_status>(rt().broadcaster(),
                                              troupe::replay_await_end{});
  CHECK(!ended); // waits for the tap's acknowledgements
  caf::anon_send_exit(tap, caf::exit_reason::user_shutdown);
  run();
  ended = request<troupe::replay_status>(rt().broadcaster(),
                                         troupe::replay_await_end{});
  REQUIRE(ended);
  CHECK(ended->state == "finished");
  CHECK(ended->published == 5);
  CHECK(ended->delivered == 0);
}

TEST_CASE_FIXTURE(fixture, "a subscriber answering a replay with an error "
                           "does not stop the broadcaster") {
  // No handler for replay batches: CAF answers each with an error.
  auto tap = sys().spawn([](caf::event_based_actor*) -> caf::behavior {
    return {[](int) {
    }};
  });
  auto listening = spawn<listener>("listener");
  troupe::replay_options opts;
  opts.max_rate = true;
  opts.tap = tap;
  REQUIRE(!replay(five_records(), opts));
  run();
  auto st = request<troupe::replay_status>(rt().broadcaster(),
                                           troupe::replay_query{});
  REQUIRE(st);
  CHECK(st->published == 5);
  CHECK(!publish("a", ping{7}));
  run();
  CHECK(agent_of<listener>(listening).seen
        == std::vector<std::string>{"a ping 7"});
  caf::anon_send_exit(tap, caf::exit_reason::user_shutdown);
}

namespace {

/// Drives a replay on a real (threaded) runtime from outside any actor.
class real_replay {
public:
  explicit real_replay(troupe::runtime& rt) : rt_(rt), self_(rt.system()) {
    // nop
  }

  void load(const troupe::buffer_actor& buf, troupe::replay_options opts) {
    self_
        ->request(rt_.broadcaster(), patience,
                  troupe::replay_load{caf::actor_cast<caf::actor>(buf),
                                      std::move(opts)})
        .receive([] {}, fail);
  }

  void start() {
    self_->request(rt_.broadcaster(), patience, troupe::replay_start{})
        .receive([](bool started) { CHECK(started); }, fail);
  }

  std::optional<troupe::replay_status> await_end() {
    std::optional<troupe::replay_status> ended;
    self_->request(rt_.broadcaster(), patience, troupe::replay_await_end{})
        .receive([&](troupe::replay_status& x) { ended = std::move(x); }, fail);
    return ended;
  }

private:
  static constexpr auto patience = std::chrono::seconds{30};

  static void fail(caf::error& err) { FAIL(troupe::to_text(err)); }

  troupe::runtime& rt_;
  caf::scoped_actor self_;
};

} // namespace

TEST_CASE("a real-time replay asks for held-back acknowledgements when it "
          "stalls and when it ends") {
  troupe::config cfg;
  troupe::runtime rt{cfg};
  auto flushes = std::make_shared<int>(0);
  auto tap = rt.system().spawn(held_back_tap, flushes);
  troupe::replay_options opts;
  opts.speed = 10; // 40 ms in all
  opts.window = 2;
  opts.tap = tap;
  auto buf = rt.spawn_buffer(std::shared_ptr<troupe::record_source>{
      troupe::memory_source(five_records())});
  real_replay replay{rt};
  replay.load(buf, opts);
  replay.start();
  auto ended = replay.await_end();
  REQUIRE(ended);
  CHECK(ended->state == "finished");
  CHECK(ended->delivered == 5);
  // At least one stall at the window, and the end.
  CHECK(*flushes >= 2);
  caf::anon_send_exit(tap, caf::exit_reason::user_shutdown);
}

namespace {

/// Notes each replayed fixture record's label and steady-clock arrival, and
/// says when all 20 are in.
class real_time_sink : public troupe::agent {
public:
  real_time_sink(caf::actor_config& cfg, std::string name,
                 std::promise<void>* all_in)
      : agent(cfg, std::move(name)), all_in_(all_in) {
    // nop
  }

  std::vector<std::string> seen;
  std::vector<std::chrono::steady_clock::time_point> at;

protected:
  void work() override {
    for (std::string topic : {"UnitTestMessageA", "UnitTestMessageB"})
      subscribe(topic, [this, topic](const troupe::value& x) {
        at.push_back(std::chrono::steady_clock::now());
        troupe::record r;
        r.type = topic;
        r.payload = x;
        seen.push_back(label(r));
        if (seen.size() == 20)
          all_in_->set_value();
      });
  }

private:
  std::promise<void>* all_in_;
};

} // namespace

TEST_CASE("R14: a real-time replay delivers all 20 on A and B, none before "
          "its time") {
  troupe::config cfg;
  troupe::runtime rt{cfg};
  std::promise<void> all_in;
  auto done = all_in.get_future();
  auto sink = rt.spawn_agent<real_time_sink>("sink", &all_in);
  REQUIRE(sink);
  auto src = troupe::open_logs({mcl_dir("dataset")}, {});
  REQUIRE(src);
  auto buf = rt.spawn_buffer(std::move(*src));
  troupe::replay_options opts;
  opts.speed = 4; // the last record, at 1.0 s, is due 250 ms after the start
  real_replay replay{rt};
  replay.load(buf, opts);
  auto start = std::chrono::steady_clock::now();
  replay.start();
  REQUIRE(done.wait_for(std::chrono::seconds{30}) == std::future_status::ready);
  // The promise orders the sink's notes before this read.
  auto& got = *dynamic_cast<real_time_sink*>(
      caf::actor_cast<caf::abstract_actor*>(*sink));
  CHECK(got.seen == fixture_labels());
  // The replay starts after it was asked to, so every record arrives at or
  // after its time from that request, and in order. (How much later is a
  // benchmark's question, not a test's.)
  REQUIRE(got.at.size() == 20);
  for (size_t i = 0; i < got.at.size(); ++i) {
    CAPTURE(i);
    // Labels round the record's time to 10 ms.
    auto elapsed_s = std::stod(got.seen[i].substr(2)) - 0.005;
    auto due = std::chrono::duration<double>(elapsed_s / opts.speed);
    CHECK(got.at[i] - start >= due);
    if (i > 0)
      CHECK(got.at[i] >= got.at[i - 1]);
  }
  auto ended = replay.await_end();
  REQUIRE(ended);
  CHECK(ended->state == "finished");
  CHECK(ended->delivered == 20);
  CHECK(ended->topics.at("UnitTestMessageA") == 10);
  CHECK(ended->topics.at("UnitTestMessageB") == 10);
}

namespace {

using seq_list = std::shared_ptr<std::vector<int64_t>>;

/// An agent on several topics, noting each record's `seq`.
class seq_agent : public troupe::agent {
public:
  seq_agent(caf::actor_config& cfg, std::string name,
            std::vector<std::string> topics, seq_list seen)
      : agent(cfg, std::move(name)),
        topics_(std::move(topics)),
        seen_(std::move(seen)) {
    // nop
  }

protected:
  void work() override {
    for (auto& topic : topics_)
      subscribe(topic, [this](const troupe::value& x) {
        seen_->push_back(x.find("seq")->as_int());
      });
  }

private:
  std::vector<std::string> topics_;
  seq_list seen_;
};

/// A plain actor noting each record's `seq`; answers `get_atom` once it
/// handled everything before it.
caf::behavior seq_actor(caf::event_based_actor*, seq_list seen) {
  return {
      [seen](const troupe::topic_header&, const troupe::value& x) {
        seen->push_back(x.find("seq")->as_int());
      },
      [](caf::get_atom) { return true; },
  };
}

} // namespace

TEST_CASE("a real-time replay gives every receiver its records once and in "
          "log order, at every speed") {
  struct receiver {
    std::vector<std::string> topics;
    bool plain;
  };
  const std::vector<receiver> receivers{
      {{"a", "b", "c"}, false}, {{"b", "c"}, false}, {{"a", "c"}, true}};
  struct speed_case {
    double speed; // 0: max rate
    int64_t records;
  };
  // Enough records at each speed that a receiver seeing one record before
  // an earlier one would show it in every run.
  const speed_case speeds[]
      = {{1, 1000}, {5, 4000}, {50, 20000}, {1000, 20000}, {0, 20000}};
  for (int round = 0; round < 3; ++round) {
    for (auto& sc : speeds) {
      CAPTURE(round);
      CAPTURE(sc.speed);
      troupe::config cfg;
      troupe::runtime rt{cfg};
      std::vector<seq_list> seen;
      std::vector<caf::actor> plains;
      for (size_t i = 0; i < receivers.size(); ++i) {
        seen.push_back(std::make_shared<std::vector<int64_t>>());
        auto& r = receivers[i];
        if (!r.plain) {
          REQUIRE(rt.spawn_agent<seq_agent>("receiver" + std::to_string(i),
                                            r.topics, seen.back()));
          continue;
        }
        auto plain = rt.spawn(seq_actor, seen.back());
        plains.push_back(plain);
        caf::scoped_actor self{rt.system()};
        for (auto& topic : r.topics)
          self->request(rt.broadcaster(), std::chrono::seconds{30},
                        caf::subscribe_atom::value, topic, plain)
              .receive([](uint32_t) {},
                       [](caf::error& err) { FAIL(troupe::to_text(err)); });
      }
      auto records = three_topic_records(sc.records);
      auto buf = rt.spawn_buffer(std::shared_ptr<troupe::record_source>{
          troupe::memory_source(records)});
      troupe::replay_options opts;
      opts.max_rate = sc.speed == 0;
      opts.speed = sc.speed == 0 ? 1 : sc.speed;
      real_replay replay{rt};
      replay.load(buf, opts);
      replay.start();
      auto ended = replay.await_end();
      REQUIRE(ended);
      CHECK(ended->state == "finished");
      CHECK(ended->published == records.size());
      // Agents acknowledged everything before the end was answered, and
      // every delivery to a plain actor was in its mailbox: an answer from
      // it comes after it handled them.
      caf::scoped_actor self{rt.system()};
      for (auto& plain : plains)
        self->request(plain, std::chrono::seconds{30}, caf::get_atom::value)
            .receive([](bool) {},
                     [](caf::error& err) { FAIL(troupe::to_text(err)); });
      for (size_t i = 0; i < receivers.size(); ++i) {
        CAPTURE(i);
        CHECK(*seen[i] == seqs_on(records, receivers[i].topics));
      }
    }
  }
}
