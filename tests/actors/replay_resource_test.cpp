// The `replay` resource on virtual time: the shipped MCL logs replayed into
// an agent of the experiment, the resource stopping by itself at the end of
// the log, conditions on that, controls and bad sources.

#include <string>
#include <vector>

#include "troupe/actors/replay_resource.hpp"

#include <doctest/doctest.h>

#include "support/experiment.hpp"
#include "support/replay.hpp"

using namespace troupe;
using namespace std::chrono_literals;
using test::attrs;
using test::experiment_fixture;
using test::fixture_labels;
using test::mcl_dir;

namespace {

/// Subscribes to both fixture topics and labels what arrives.
class listener : public agent {
public:
  using agent::agent;

  std::vector<std::string> seen;

protected:
  void work() override {
    for (auto topic : {"UnitTestMessageA", "UnitTestMessageB"})
      subscribe(topic, [this, topic](const value& x) {
        record r;
        r.type = topic;
        r.payload = x;
        seen.push_back(test::label(r));
      });
  }
};

caf::config_value strings(std::vector<std::string> xs) {
  caf::config_value::list result;
  for (auto& x : xs)
    result.emplace_back(std::move(x));
  return caf::config_value{std::move(result)};
}

struct replay_fixture : experiment_fixture {
  caf::actor listener_handle = spawn<listener>("listener");

  std::vector<std::string>& seen() {
    return agent_of<listener>(listener_handle).seen;
  }

  uint64_t add_replay(const std::string& name, attributes extra = {}) {
    extra.emplace("paths", strings({mcl_dir("dataset")}));
    return add("replay", name, std::move(extra));
  }
};

std::vector<std::string> labels_from(size_t first) {
  auto all = fixture_labels();
  return {all.begin() + static_cast<ptrdiff_t>(first), all.end()};
}

} // namespace

TEST_CASE_FIXTURE(replay_fixture, "a replay resource replays the logs into "
                                  "the agents and stops by itself at the end") {
  auto r = add_replay("logs", attrs({{"speed", caf::config_value{2.0}}}));
  deploy();
  CHECK(state(r) == resource_state::started);
  advance(499ms);
  CHECK(state(r) == resource_state::started);
  auto all = fixture_labels();
  CHECK(seen() == std::vector<std::string>(all.begin(), all.end() - 1));
  advance(1ms);
  CHECK(state(r) == resource_state::stopped);
  CHECK(at(r, resource_state::started) == 0);
  CHECK(at(r, resource_state::stopped) == 500);
  CHECK(seen() == fixture_labels());
}

TEST_CASE_FIXTURE(replay_fixture, "start B when the replay STOPPED") {
  auto r = add_replay("logs");
  auto b = add("sim", "b");
  condition(resource_action::start, {b}, {r}, resource_state::stopped);
  deploy();
  advance(999ms);
  CHECK(state(b) == resource_state::ready);
  advance(1ms);
  CHECK(state(r) == resource_state::stopped);
  CHECK(state(b) == resource_state::started);
  CHECK(at(b, resource_state::started) == 1000);
}

TEST_CASE_FIXTURE(replay_fixture, "topics, start offset, remap and duration "
                                  "shape the replay") {
  SUBCASE("topics and start offset") {
    add_replay("logs", attrs({{"topics", strings({"UnitTestMessageB"})},
                              {"start_offset", caf::config_value{"0.5s"}}}));
    deploy();
    advance(1s);
    CHECK(seen() == labels_from(14)); // B 0.50 .. B 1.00
  }
  SUBCASE("duration") {
    auto r
        = add_replay("logs", attrs({{"duration", caf::config_value{"95ms"}}}));
    deploy();
    advance(1s);
    CHECK(state(r) == resource_state::stopped);
    auto all = fixture_labels();
    CHECK(seen() == std::vector<std::string>(all.begin(), all.begin() + 10));
  }
  SUBCASE("remap") {
    add_replay("logs",
               attrs({{"remap", strings({"UnitTestMessageA:=elsewhere"})}}));
    deploy();
    advance(1s);
    CHECK(seen() == labels_from(10)); // A went to another topic
  }
}

TEST_CASE_FIXTURE(replay_fixture, "stop stops the replay; start replays "
                                  "again from the start") {
  auto r = add_replay("logs");
  deploy();
  advance(45ms);
  CHECK(seen().size() == 5);
  CHECK(!request<void>(ctl, resource_command{resource_action::stop, r}));
  CHECK(state(r) == resource_state::stopped);
  advance(2s);
  CHECK(seen().size() == 5); // nothing after the stop
  seen().clear();
  CHECK(!request<void>(ctl, resource_command{resource_action::start, r}));
  CHECK(state(r) == resource_state::started);
  advance(1s);
  CHECK(state(r) == resource_state::stopped);
  CHECK(seen() == fixture_labels());
}

TEST_CASE_FIXTURE(replay_fixture, "a missing log fails the deploy with one "
                                  "line naming it") {
  auto r = add("replay", "logs",
               attrs({{"paths", strings({mcl_dir("dataset"), "/no/such.log"})},
                      {"critical", caf::config_value{false}}}));
  deploy();
  auto i = info(r);
  CHECK(i.state == resource_state::failed);
  CHECK(i.error.find("/no/such.log") != std::string::npos);
  CHECK(i.error.find('\n') == std::string::npos);
  CHECK(seen().empty());
}

TEST_CASE_FIXTURE(replay_fixture, "bad settings fail the deploy, naming the "
                                  "attribute") {
  auto bad_choice = add_replay(
      "choice", attrs({{"on_bad_record", caf::config_value{"maybe"}},
                       {"critical", caf::config_value{false}}}));
  auto bad_regex
      = add_replay("regex", attrs({{"include", caf::config_value{"(["}},
                                   {"critical", caf::config_value{false}}}));
  auto bad_speed
      = add_replay("speed", attrs({{"speed", caf::config_value{0.0}},
                                   {"critical", caf::config_value{false}}}));
  deploy();
  CHECK(state(bad_choice) == resource_state::failed);
  CHECK(info(bad_choice).error.find("on_bad_record") != std::string::npos);
  CHECK(state(bad_regex) == resource_state::failed);
  CHECK(info(bad_regex).error.find("regular expression") != std::string::npos);
  CHECK(state(bad_speed) == resource_state::failed);
  CHECK(info(bad_speed).error.find("speed") != std::string::npos);
}

TEST_CASE_FIXTURE(replay_fixture, "a critical replay failure aborts; "
                                  "shutdown releases a running replay") {
  SUBCASE("abort") {
    add("replay", "logs", attrs({{"paths", strings({"/no/such/folder"})}}));
    auto b = add("sim", "b");
    deploy();
    CHECK(failures().level == failure_level::rm_failure);
    CHECK(state(b) != resource_state::started);
  }
  SUBCASE("release") {
    auto r = add_replay("logs");
    deploy();
    advance(50ms);
    CHECK(!request<void>(ctl, shutdown_experiment{}));
    CHECK(state(r) == resource_state::released);
    auto before = seen().size();
    advance(2s);
    CHECK(seen().size() == before);
  }
}
