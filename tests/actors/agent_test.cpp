#include <stdexcept>
#include <vector>

#include "troupe/actors/agent.hpp"

#include <doctest/doctest.h>

#include "support/fixture.hpp"

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
