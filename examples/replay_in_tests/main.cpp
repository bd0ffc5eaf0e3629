// A user's unit test that replays a real recording into their own agent on
// virtual time: the agent's reaction to the log is reproducible to the
// nanosecond, with no sleeps.

#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <chrono>
#include <string>
#include <troupe/actors/agent.hpp>
#include <troupe/runtime/testing.hpp>
#include <vector>

#include <doctest/doctest.h>

struct alert {
  double value = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, alert& x) {
  return f(caf::meta::type_name("alert"), x.value);
}

CAF_BEGIN_TYPE_ID_BLOCK(replay_example, troupe::first_user_type_id)
CAF_ADD_TYPE_ID(replay_example, (alert))
CAF_END_TYPE_ID_BLOCK(replay_example)

/// Raises an alert whenever a B message carries data above a threshold.
class threshold_alarm : public troupe::agent {
public:
  threshold_alarm(caf::actor_config& cfg, std::string name, double limit)
      : agent(cfg, std::move(name)), limit_(limit) {
    // nop
  }

protected:
  void work() override {
    subscribe("UnitTestMessageB", [this](const troupe::value& msg) {
      auto* data = msg.find("data");
      if (data != nullptr && data->to_double() > limit_)
        publish("alert", alert{data->to_double()});
    });
  }

private:
  double limit_;
};

struct example_fixture : troupe::testing::fixture {
  example_fixture()
      : fixture([](troupe::config& cfg) {
          cfg.add_message_types<caf::id_block::replay_example>();
        }) {
    // nop
  }
};

TEST_CASE_FIXTURE(example_fixture, "the alert fires for the recorded B "
                                   "messages above 0.5, on their times") {
  spawn<threshold_alarm>("alarm", 0.5);
  auto start = now();
  REQUIRE(!replay({EXAMPLE_DATA_DIR}));
  CHECK(replay_to_end().state == "finished");
  std::vector<double> values;
  for (auto& x : published<alert>("alert"))
    values.push_back(x.value);
  REQUIRE(values.size() == 5);
  for (size_t i = 0; i < values.size(); ++i)
    CHECK(values[i] == doctest::Approx(0.6 + 0.1 * static_cast<double>(i)));
  // Each alert went out exactly when its record was due: 0.6 s .. 1.0 s.
  auto times = publish_times("alert");
  REQUIRE(times.size() == 5);
  CHECK(times.front() - start == std::chrono::milliseconds{600});
  CHECK(times.back() - start == std::chrono::seconds{1});
}

TEST_CASE_FIXTURE(example_fixture, "records made in the test replay the same "
                                   "way") {
  spawn<threshold_alarm>("alarm", 0.5);
  std::vector<troupe::record> records;
  for (double x : {0.2, 0.9, 0.4}) {
    troupe::record r;
    r.elapsed_ns = static_cast<int64_t>(x * 1e9);
    r.topic = "UnitTestMessageB";
    r.payload = troupe::value::map({{"data", troupe::value{x}}});
    records.push_back(r);
  }
  REQUIRE(!replay(records));
  // The replay's clock starts at the first record (0.2 s), so the 0.9 record
  // is due 700 ms after the start.
  advance(std::chrono::milliseconds{699});
  CHECK(published<alert>("alert").empty()); // not yet due
  advance(std::chrono::milliseconds{1});
  CHECK(published<alert>("alert").size() == 1);
}
