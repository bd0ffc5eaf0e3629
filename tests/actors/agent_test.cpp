#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "troupe/actors/agent.hpp"

#include <doctest/doctest.h>

#include "support/fixture.hpp"
#include "support/monitor.hpp"

using namespace test;

namespace {

/// Understands ping and pong, records what ran.
class dispatcher : public troupe::agent {
public:
  dispatcher(caf::actor_config& cfg, std::string name,
             std::vector<std::string>* events)
      : agent(cfg, std::move(name)), events_(events) {
    // nop
  }

protected:
  troupe::handler_set handlers() override {
    return handle(
        [this](const ping& x) {
          events_->push_back("ping " + std::to_string(x.value));
        },
        [this](const pong& x) {
          events_->push_back("pong " + std::to_string(x.value));
        });
  }

  void work() override { events_->push_back("work"); }

  void on_shutdown() override { events_->push_back("shutdown"); }

private:
  std::vector<std::string>* events_;
};

/// Sends whatever it is told to a target by name.
class relay : public troupe::agent {
public:
  using agent::agent;

  caf::error last_error;

protected:
  troupe::handler_set handlers() override {
    return handle(
        [this](const note& x) { last_error = send_to(x.text, ping{7}); },
        [this](const ping& x) { last_error = send_to("sink", x); });
  }
};

/// Has no handler for anything but ping.
class narrow : public troupe::agent {
public:
  using agent::agent;

protected:
  troupe::handler_set handlers() override {
    return handle([](const ping&) {});
  }
};

/// Passes on what it is told to "target", which has no handler for it:
/// a note by name, a pong through a handle. Answers a ping with value + 1.
class courier : public troupe::agent {
public:
  courier(caf::actor_config& cfg, std::string name, caf::actor target)
      : agent(cfg, std::move(name)), target_(std::move(target)) {
    // nop
  }

  caf::error last_error;

protected:
  troupe::handler_set handlers() override {
    return handle([this](const note& x) { last_error = send_to("target", x); },
                  [this](const pong& x) { send(target_, x); },
                  [](const ping& x) { return x.value + 1; });
  }

private:
  caf::actor target_;
};

class thrower : public troupe::agent {
public:
  thrower(caf::actor_config& cfg, std::string name, int* shutdowns)
      : agent(cfg, std::move(name)), shutdowns_(shutdowns) {
    // nop
  }

protected:
  troupe::handler_set handlers() override {
    return handle([](const ping&) { throw std::runtime_error("boom"); });
  }

  void on_shutdown() override { ++*shutdowns_; }

private:
  int* shutdowns_;
};

/// Agents write into `events` until the fixture is gone (on_shutdown runs
/// when the fixture stops the runtime), so it lives in an earlier base.
struct logged {
  std::vector<std::string> events;
};

struct agent_fixture : logged, fixture {};

} // namespace

TEST_CASE_FIXTURE(agent_fixture, "handlers are dispatched by message type") {
  spawn<dispatcher>("d", &events);
  REQUIRE(!send_to("d", pong{1}));
  REQUIRE(!send_to("d", ping{2}));
  REQUIRE(!send_to("d", pong{3}));
  run();
  CHECK(events
        == std::vector<std::string>{"work", "pong 1", "ping 2", "pong 3"});
  CHECK(received<ping>("d") == std::vector<ping>{ping{2}});
  CHECK(received<pong>("d") == std::vector<pong>{pong{1}, pong{3}});
}

TEST_CASE_FIXTURE(agent_fixture, "work runs once before the first message") {
  auto d = rt().spawn_agent<dispatcher>("d", &events);
  REQUIRE(d);
  REQUIRE(!send_to("d", ping{1}));
  run();
  CHECK(events == std::vector<std::string>{"work", "ping 1"});
}

TEST_CASE_FIXTURE(agent_fixture, "on_shutdown runs exactly once") {
  auto d = spawn<dispatcher>("d", &events);
  SUBCASE("on a shutdown message, even if sent twice") {
    REQUIRE(!send_to("d", troupe::shutdown_atom::value));
    caf::anon_send(d, troupe::shutdown_atom::value);
    run();
  }
  SUBCASE("on an exit message") {
    caf::anon_send_exit(d, caf::exit_reason::user_shutdown);
    run();
  }
  SUBCASE("on a runtime shutdown") {
    rt().shutdown();
    run();
  }
  rt().shutdown();
  run();
  CHECK(std::count(events.begin(), events.end(), "shutdown") == 1);
  CHECK(rt().running_agents() == 0);
  CHECK(!rt().lookup("d"));
}

TEST_CASE_FIXTURE(agent_fixture,
                  "a message without handler is counted and kills "
                  "nobody") {
  auto target = spawn<narrow>("target");
  auto sender = spawn<relay>("sender");
  spawn<dispatcher>("sink", &events);
  // relay sends a ping to "target" by name: handled. Then notes: unhandled.
  REQUIRE(!send_to("sender", note{"target"}));
  run();
  caf::anon_send(target, note{"no handler"});
  caf::anon_send(target, note{"no handler again"});
  caf::anon_send(target, pong{1});
  run();
  auto& stats = agent_of<narrow>(target).stats();
  CHECK(stats.unexpected.at("(test::note)") == 2);
  CHECK(stats.unexpected.at("(test::pong)") == 1);
  CHECK(stats.received == 1);
  // An agent sending to it directly is not punished either.
  auto& r = agent_of<relay>(sender);
  REQUIRE(!send_to("sender", ping{3}));
  run();
  CHECK(!r.last_error);
  CHECK(rt().running_agents() == 3);
  CHECK(unexpected_count("target") == 3);
}

TEST_CASE_FIXTURE(agent_fixture,
                  "an agent sending what the receiver has no handler for "
                  "lives on; the receiver counts it and warns once per "
                  "type") {
  log_capture log{troupe::log::level::warning};
  auto target = spawn<narrow>("target");
  auto sender = spawn<courier>("sender", target);
  for (int i = 0; i < 3; ++i) {
    REQUIRE(!send_to("sender", note{"unhandled " + std::to_string(i)}));
    caf::anon_send(sender, pong{i});
    run();
  }
  auto& c = agent_of<courier>(sender);
  CHECK(!c.last_error);
  auto& stats = agent_of<narrow>(target).stats();
  CHECK(stats.unexpected
        == std::map<std::string, uint64_t>{{"(test::note)", 3},
                                           {"(test::pong)", 3}});
  CHECK(stats.received == 0);
  // Six drops, two warnings: further drops of a type are only counted.
  CHECK(log.count("agent 'target' has no handler for") == 2);
  CHECK(log.count("agent 'target' has no handler for (test::note)") == 1);
  CHECK(log.count("agent 'target' has no handler for (test::pong)") == 1);
  // Dropping sends nothing back: no error reaches the sender.
  CHECK(log.count("agent 'sender'") == 0);
  CHECK(c.stats().unexpected.empty());
  // The sender still works, and so does the receiver.
  CHECK(request<int32_t>(sender, ping{41}) == 42);
  caf::anon_send(target, ping{1});
  run();
  CHECK(stats.received == 1);
  CHECK(rt().running_agents() == 2);
  CHECK(rt().lookup("sender"));
  CHECK(rt().lookup("target"));
}

TEST_CASE_FIXTURE(agent_fixture, "a request without handler gets an error, the "
                                 "requester lives") {
  auto target = spawn<narrow>("target");
  auto answer = request<int>(target, note{"?"});
  REQUIRE(!answer);
  CHECK(answer.error() == caf::sec::unexpected_message);
  CHECK(rt().running_agents() == 1);
}

TEST_CASE_FIXTURE(agent_fixture, "stats answer a request") {
  auto target = spawn<narrow>("target");
  caf::anon_send(target, ping{1});
  caf::anon_send(target, pong{1});
  run();
  auto stats = request<troupe::agent_stats>(target, caf::get_atom::value,
                                            troupe::stats_atom::value);
  REQUIRE(stats);
  CHECK(stats->name == "target");
  CHECK(stats->received == 1);
  CHECK(stats->unexpected.size() == 1);
}

TEST_CASE_FIXTURE(agent_fixture, "send_to an unknown name is an error value") {
  auto sender = spawn<relay>("sender");
  REQUIRE(!send_to("sender", note{"nobody"}));
  run();
  auto& r = agent_of<relay>(sender);
  CHECK(troupe::code_of(r.last_error) == troupe::errc::unknown_name);
  CHECK(troupe::to_text(r.last_error)
        == "unknown_name: no agent named 'nobody'");
  // From outside any actor too.
  auto err = send_to("nobody", ping{1});
  CHECK(troupe::code_of(err) == troupe::errc::unknown_name);
}

TEST_CASE_FIXTURE(agent_fixture, "a throwing handler stops only its agent") {
  int shutdowns = 0;
  auto t = spawn<thrower>("t", &shutdowns);
  spawn<dispatcher>("d", &events);
  REQUIRE(!send_to("t", ping{1}));
  run();
  CHECK(shutdowns == 1);
  CHECK(!rt().lookup("t"));
  CHECK(rt().lookup("d"));
  CHECK(rt().running_agents() == 1);
}

// -- replayed deliveries ------------------------------------------------------

namespace {

troupe::replay_batch one_item(uint32_t ack_after) {
  troupe::replay_batch batch;
  batch.items.emplace_back();
  batch.ack_after = ack_after;
  return batch;
}

/// Stands in for the replay: forwards batches and flushes to an agent and
/// notes the credit each acknowledgement returns.
caf::behavior replay_stand_in(caf::event_based_actor* self,
                              std::shared_ptr<std::vector<uint64_t>> acks) {
  return {
      [self](const caf::actor& to, troupe::replay_batch& batch) {
        self->send(to, std::move(batch));
      },
      [self](const caf::actor& to, troupe::replay_flush flush) {
        self->send(to, flush);
      },
      [acks](troupe::replay_ack& ack) { acks->push_back(ack.count); },
  };
}

} // namespace

TEST_CASE_FIXTURE(agent_fixture, "an agent holds acknowledgements back as far "
                                 "as the replay allows, and hands them over "
                                 "when asked") {
  auto target = spawn<narrow>("target");
  auto acks = std::make_shared<std::vector<uint64_t>>();
  auto replay = sys().spawn(replay_stand_in, acks);
  caf::anon_send(replay, target, one_item(0));
  run();
  CHECK(*acks == std::vector<uint64_t>{1}); // at once
  caf::anon_send(replay, target, one_item(3));
  caf::anon_send(replay, target, one_item(3));
  run();
  CHECK(acks->size() == 1); // two held
  caf::anon_send(replay, target, one_item(3));
  run();
  CHECK(*acks == std::vector<uint64_t>{1, 3});
  caf::anon_send(replay, target, one_item(3));
  caf::anon_send(replay, target, troupe::replay_flush{});
  run();
  CHECK(*acks == std::vector<uint64_t>{1, 3, 1});
  // Nothing held: a flush sends nothing.
  caf::anon_send(replay, target, troupe::replay_flush{});
  run();
  CHECK(acks->size() == 3);
  caf::anon_send_exit(replay, caf::exit_reason::user_shutdown);
}
