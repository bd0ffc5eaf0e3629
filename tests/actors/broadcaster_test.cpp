#include <vector>

#include "troupe/actors/broadcaster.hpp"

#include <doctest/doctest.h>

#include "support/fixture.hpp"

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
