#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "troupe/actors/agent.hpp"
#include "troupe/runtime/detail/replay_engine.hpp"

#include <doctest/doctest.h>

#include "support/fixture.hpp"
#include "support/replay.hpp"

using namespace test;
using namespace std::chrono_literals;
using troupe::replay_options;

namespace {

using time_point = caf::actor_clock::time_point;

/// Subscribes to the fixture topics and remembers what arrived, when.
class sink : public troupe::agent {
public:
  sink(caf::actor_config& cfg, std::string name,
       std::vector<std::string> topics)
      : agent(cfg, std::move(name)), topics_(std::move(topics)) {
    // nop
  }

  std::vector<std::string> seen;
  std::vector<time_point> at;

protected:
  void work() override {
    for (auto& topic : topics_)
      subscribe(topic, [this, topic](const troupe::value& x) {
        troupe::record r;
        r.type = topic;
        r.payload = x;
        seen.push_back(label(r));
        at.push_back(clock().now());
      });
  }

private:
  std::vector<std::string> topics_;
};

const std::vector<std::string> ab = {"UnitTestMessageA", "UnitTestMessageB"};

struct replay_fixture : fixture {
  caf::actor sink_handle;

  replay_fixture() { sink_handle = spawn<sink>("sink", ab); }

  sink& sunk() { return agent_of<sink>(sink_handle); }

  /// Offsets of the arrivals from `origin`, in ns.
  std::vector<int64_t> offsets(time_point origin) {
    std::vector<int64_t> result;
    for (auto t : sunk().at)
      result.push_back((t - origin).count());
    return result;
  }
};

/// Asks `dest` without running anything else (the fixture's `request`
/// would run every pending job, the starved subscriber included).
template <class R, class Handle, class Msg>
R peek(fixture& fx, const Handle& dest, Msg msg) {
  caf::scoped_actor self{fx.sys()};
  auto pending = self->request(dest, caf::infinite, std::move(msg));
  fx.sched().prioritize(dest);
  fx.sched().run_once();
  R result;
  std::move(pending).receive([&](R& x) { result = std::move(x); },
                             [](caf::error&) { FAIL("peek failed"); });
  return result;
}

/// Runs every job except `slow`'s.
void starve(fixture& fx, const caf::actor& slow) {
  auto* ptr = dynamic_cast<caf::resumable*>(
      caf::actor_cast<caf::abstract_actor*>(slow));
  auto& jobs = fx.sched().jobs;
  for (;;) {
    auto i = std::find_if(jobs.begin(), jobs.end(),
                          [&](caf::resumable* job) { return job != ptr; });
    if (i == jobs.end())
      return;
    auto* job = *i;
    jobs.erase(i);
    jobs.push_front(job);
    fx.sched().run_once();
  }
}

/// Nanoseconds of the fixture records (0.00 .. 0.09, 0.1 .. 1.0).
std::vector<int64_t> fixture_times() {
  std::vector<int64_t> result;
  for (int i = 0; i < 10; ++i)
    result.push_back(i * 10'000'000LL);
  for (int i = 1; i <= 10; ++i)
    result.push_back(i * 100'000'000LL);
  return result;
}

/// Counts the records its source has given (the buffer's reads).
class counting_source : public troupe::record_source {
public:
  explicit counting_source(std::unique_ptr<troupe::record_source> source)
      : source_(std::move(source)) {
    // nop
  }

  uint64_t records = 0;

  result next(troupe::record& out, troupe::bad_record& bad) override {
    auto got = source_->next(out, bad);
    if (got == result::record)
      ++records;
    return got;
  }

  caf::error rewind() override { return source_->rewind(); }

  const std::vector<std::string>& files() const override {
    return source_->files();
  }

  uint64_t bytes_read() const override { return source_->bytes_read(); }

  uint64_t bytes_total() const override { return source_->bytes_total(); }

private:
  std::unique_ptr<troupe::record_source> source_;
};

/// A replay clock tick as a subscriber sees it.
struct tick {
  int64_t stamp_ns;
  int64_t log_ns;
  time_point arrived;
};

std::vector<int64_t> scaled(std::vector<int64_t> xs, double speed) {
  for (auto& x : xs)
    x = static_cast<int64_t>(std::llround(static_cast<double>(x) / speed));
  return xs;
}

} // namespace

TEST_CASE_FIXTURE(replay_fixture, "the fixtures replay A then B, each record "
                                  "exactly at elapsed / speed") {
  for (auto dir : {"dataset", "dataset_split"}) {
    for (double speed : {1.0, 2.0, 0.5, 3.0}) {
      CAPTURE(dir);
      CAPTURE(speed);
      sunk().seen.clear();
      sunk().at.clear();
      replay_options opts;
      opts.speed = speed;
      auto origin = now();
      REQUIRE(!replay({mcl_dir(dir)}, opts));
      auto st = replay_to_end();
      CHECK(st.state == "finished");
      CHECK(sunk().seen == fixture_labels());
      CHECK(offsets(origin) == scaled(fixture_times(), speed));
      CHECK(st.published == 20);
      CHECK(st.delivered == 20);
      CHECK(st.topics.at("UnitTestMessageA") == 10);
      CHECK(st.publish_lateness.max == 0);
      CHECK(st.delivery_lateness.count == 20);
      CHECK(st.delivery_lateness.max == 0);
    }
  }
}

TEST_CASE_FIXTURE(replay_fixture, "a window replays A 0.05-0.09, B 0.1-0.3") {
  troupe::read_options read;
  read.min_ns = 45'000'000;
  read.max_ns = 350'000'000;
  REQUIRE(!replay({mcl_dir("dataset")}, {}, read));
  CHECK(replay_to_end().state == "finished");
  CHECK(sunk().seen
        == std::vector<std::string>{"A 0.05", "A 0.06", "A 0.07", "A 0.08",
                                    "A 0.09", "B 0.10", "B 0.20", "B 0.30"});
}

TEST_CASE_FIXTURE(replay_fixture, "R9/R15/R19: stop rewinds; start replays "
                                  "from 0.00") {
  REQUIRE(!replay({mcl_dir("dataset")}));
  advance(45ms);
  CHECK(sunk().seen.size() == 5);
  CHECK(control(troupe::replay_stop{}) == true);
  CHECK(control(troupe::replay_stop{}) == false);
  CHECK(replay_status().state == "stopped");
  sunk().seen.clear();
  CHECK(control(troupe::replay_start{}) == true);
  CHECK(replay_to_end().state == "finished");
  CHECK(sunk().seen == fixture_labels());
  // Finished, then started again: from the beginning once more.
  sunk().seen.clear();
  CHECK(control(troupe::replay_start{}) == true);
  CHECK(replay_to_end().state == "finished");
  CHECK(sunk().seen == fixture_labels());
}

TEST_CASE_FIXTURE(replay_fixture, "R18: pause, advance, resume: no gap, no "
                                  "duplicate, the schedule shifted by the "
                                  "pause") {
  auto origin = now();
  REQUIRE(!replay({mcl_dir("dataset")}));
  advance(350ms); // A 0.00 .. B 0.3 are out
  CHECK(sunk().seen.size() == 13);
  CHECK(control(troupe::replay_pause{}) == true);
  CHECK(control(troupe::replay_pause{}) == false);
  advance(5s);
  CHECK(sunk().seen.size() == 13);
  CHECK(control(troupe::replay_resume{}) == true);
  CHECK(control(troupe::replay_resume{}) == false);
  CHECK(replay_to_end().state == "finished");
  CHECK(sunk().seen == fixture_labels());
  auto got = offsets(origin);
  auto expected = fixture_times();
  for (size_t i = 13; i < expected.size(); ++i)
    expected[i] += 5'000'000'000;
  CHECK(got == expected);
}

TEST_CASE_FIXTURE(replay_fixture, "R17: arrivals never go backwards, also "
                                  "with a speed change midway") {
  auto origin = now();
  REQUIRE(!replay({mcl_dir("dataset")}));
  advance(250ms); // ... B 0.2 out; replay time 0.25
  CHECK(control(troupe::replay_set_speed{2.0}) == true);
  CHECK(control(troupe::replay_set_speed{2.0}) == false);
  CHECK(replay_to_end().state == "finished");
  CHECK(sunk().seen == fixture_labels());
  auto got = offsets(origin);
  CHECK(std::is_sorted(got.begin(), got.end()));
  // B 0.3 is 0.05 log seconds after the change: 25 ms later at speed 2.
  CHECK(got[12] == 275'000'000);
  CHECK(got[19] == 250'000'000 + 375'000'000);
}

TEST_CASE_FIXTURE(replay_fixture, "step and burst publish the next records "
                                  "now; seek lands on the right record") {
  replay_options opts;
  opts.start_paused = true;
  REQUIRE(!replay({mcl_dir("dataset")}, opts));
  CHECK(replay_status().state == "paused");
  CHECK(sunk().seen.empty());
  CHECK(control(troupe::replay_step{}) == true);
  CHECK(sunk().seen == std::vector<std::string>{"A 0.00"});
  CHECK(control(troupe::replay_burst{3}) == true);
  CHECK(sunk().seen.size() == 4);
  CHECK(sunk().seen.back() == "A 0.03");
  CHECK(control(troupe::replay_seek{350'000'000}) == true);
  run();
  CHECK(control(troupe::replay_step{}) == true);
  CHECK(sunk().seen.back() == "B 0.40");
  // Seek backwards, then run to the end from there.
  CHECK(control(troupe::replay_seek{60'000'000}) == true);
  run();
  CHECK(control(troupe::replay_resume{}) == true);
  CHECK(replay_to_end().state == "finished");
  std::vector<std::string> expected{"A 0.00", "A 0.01", "A 0.02", "A 0.03",
                                    "B 0.40"};
  auto all = fixture_labels();
  expected.insert(expected.end(), all.begin() + 6, all.end());
  CHECK(sunk().seen == expected);
}

TEST_CASE_FIXTURE(replay_fixture, "R10: controls say whether they acted") {
  CHECK(!control(troupe::replay_start{})); // nothing loaded: an error
  REQUIRE(!replay({mcl_dir("dataset")}));
  CHECK(control(troupe::replay_start{}) == false);
  CHECK(control(troupe::replay_pause{}) == true);
  CHECK(control(troupe::replay_pause{}) == false);
  CHECK(control(troupe::replay_toggle{}) == true);
  CHECK(replay_status().state == "running");
  CHECK(control(troupe::replay_stop{}) == true);
  CHECK(control(troupe::replay_stop{}) == false);
}

TEST_CASE_FIXTURE(replay_fixture, "R11: bad options are refused") {
  auto src = troupe::open_logs({mcl_dir("dataset")}, {});
  REQUIRE(src);
  replay_options opts;
  opts.speed = 0;
  CHECK(replay(std::shared_ptr<troupe::record_source>{std::move(*src)}, opts));
  opts.speed = 1;
  opts.include = "([";
  CHECK(replay({mcl_dir("dataset")}, opts));
  opts.include.clear();
  opts.remaps = {"nope"};
  CHECK(replay({mcl_dir("dataset")}, opts));
  opts.remaps.clear();
  opts.speed = 5;
  REQUIRE(!replay({mcl_dir("dataset")}, opts));
  CHECK(replay_status().speed == 5);
  CHECK(!control(troupe::replay_set_speed{-1}));
}

TEST_CASE_FIXTURE(replay_fixture, "R13: one record at 0.0 goes out exactly "
                                  "once with an identical payload") {
  auto x = make_record(0.0, "UnitTestMessageA");
  REQUIRE(!replay(std::vector<troupe::record>{x}));
  auto st = replay_to_end();
  CHECK(st.state == "finished");
  CHECK(st.published == 1);
  auto got = received<troupe::value>("sink");
  REQUIRE(got.size() == 1);
  CHECK(got[0] == x.payload);
}

TEST_CASE_FIXTURE(replay_fixture, "without a trace attached, payloads reach "
                                  "handlers without a message per record") {
  // The fixture's trace makes the agent copy each delivery into a message;
  // detached, the agent hands its handlers a view into the batch.
  rt().state()->trace.store(nullptr);
  REQUIRE(!replay({mcl_dir("dataset")}));
  CHECK(replay_to_end().state == "finished");
  CHECK(sunk().seen == fixture_labels());
}

TEST_CASE_FIXTURE(replay_fixture, "R16: nothing goes out before the buffer "
                                  "is ready") {
  auto src = troupe::open_logs({mcl_dir("dataset")}, {});
  REQUIRE(src);
  auto counted = std::make_shared<counting_source>(std::move(*src));
  // Ready means 10 records held; read one at a time, the buffer could serve
  // a pull long before that.
  troupe::buffer_options opts;
  opts.max_records = 10;
  opts.slice = 1;
  auto buf = rt().spawn_buffer(counted, opts);
  caf::anon_send(rt().broadcaster(),
                 troupe::replay_load{caf::actor_cast<caf::actor>(buf), {}});
  sched().run_once();
  caf::anon_send(rt().broadcaster(), troupe::replay_start{});
  // One job at a time, noting how much the buffer had read when the first
  // record reached the subscriber.
  std::optional<uint64_t> read_at_first;
  while (!read_at_first && sched().try_run_once())
    if (!sunk().seen.empty())
      read_at_first = counted->records;
  REQUIRE(read_at_first);
  CHECK(*read_at_first >= 10);
  CHECK(sunk().seen == std::vector<std::string>{"A 0.00"});
  CHECK(replay_to_end().state == "finished");
  CHECK(sunk().seen == fixture_labels());
}

TEST_CASE_FIXTURE(replay_fixture, "offsets, until, duration and delay cut "
                                  "and shift the replay") {
  replay_options opts;
  opts.start_offset_ns = 50'000'000;
  opts.until_ns = 300'000'000;
  auto origin = now();
  REQUIRE(!replay({mcl_dir("dataset")}, opts));
  replay_to_end();
  CHECK(sunk().seen
        == std::vector<std::string>{"A 0.05", "A 0.06", "A 0.07", "A 0.08",
                                    "A 0.09", "B 0.10", "B 0.20", "B 0.30"});
  CHECK(offsets(origin).front() == 0);
  sunk().seen.clear();
  sunk().at.clear();
  opts = {};
  opts.duration_ns = 100'000'000;
  opts.delay_ns = 1'000'000'000;
  origin = now();
  REQUIRE(!replay({mcl_dir("dataset")}, opts));
  replay_to_end();
  CHECK(sunk().seen.size() == 11);
  CHECK(offsets(origin).front() == 1'000'000'000);
}

TEST_CASE_FIXTURE(replay_fixture, "topic lists, include / exclude and remaps "
                                  "route records") {
  replay_options opts;
  opts.exclude = "B$";
  REQUIRE(!replay({mcl_dir("dataset")}, opts));
  auto st = replay_to_end();
  CHECK(sunk().seen.size() == 10);
  CHECK(st.filtered == 10);
  sunk().seen.clear();
  clear_trace();
  opts = {};
  opts.topics = {"UnitTestMessageB"};
  opts.remaps = {"UnitTestMessageB:=UnitTestMessageA"};
  REQUIRE(!replay({mcl_dir("dataset")}, opts));
  st = replay_to_end();
  CHECK(st.topics == std::map<std::string, uint64_t>{{"UnitTestMessageA", 10}});
  CHECK(published<troupe::value>("UnitTestMessageA").size() == 10);
}

TEST_CASE_FIXTURE(replay_fixture, "loop replays again until stopped") {
  replay_options opts;
  opts.loop = true;
  REQUIRE(!replay({mcl_dir("dataset")}, opts));
  advance(2500ms);
  CHECK(sunk().seen.size() >= 40);
  CHECK(replay_status().loops >= 2);
  CHECK(control(troupe::replay_stop{}) == true);
  auto n = sunk().seen.size();
  advance(2s);
  CHECK(sunk().seen.size() == n);
}

TEST_CASE_FIXTURE(replay_fixture, "the replay clock is published at its "
                                  "rate") {
  replay_options opts;
  opts.clock_hz = 10;
  opts.clock_topic = "clock";
  // The broadcaster's replay publishes the clock itself (not traced as an
  // agent's publish): a subscriber sees the ticks with their headers.
  std::vector<tick> ticks;
  auto watcher = rt().spawn([&ticks](
                                caf::event_based_actor* self) -> caf::behavior {
    return {[&ticks, self](const troupe::topic_header& hdr, int64_t log_ns) {
      ticks.push_back(tick{hdr.deadline_ns, log_ns, self->clock().now()});
    }};
  });
  REQUIRE(request<uint32_t>(rt().broadcaster(), caf::subscribe_atom::value,
                            std::string{"clock"}, watcher));
  auto origin = now();
  REQUIRE(!replay({mcl_dir("dataset")}, opts));
  replay_to_end();
  auto* entry = rt().state()->topics.find("clock");
  REQUIRE(entry != nullptr);
  CHECK(entry->published() >= 10);
  CHECK(entry->published() <= 12);
  REQUIRE(ticks.size() == entry->published());
  // At 10 Hz on virtual time: one tick every 100 ms from the start, each
  // arriving at its stamp and carrying the log time, which at speed 1
  // equals the time since the start.
  for (size_t i = 0; i < ticks.size(); ++i) {
    CAPTURE(i);
    auto offset = static_cast<int64_t>(i) * 100'000'000;
    CHECK(ticks[i].arrived - origin == std::chrono::nanoseconds{offset});
    CHECK(ticks[i].stamp_ns == ticks[i].arrived.time_since_epoch().count());
    CHECK(ticks[i].log_ns == offset);
  }
}

TEST_CASE_FIXTURE(fixture, "a registered decoder delivers users' types") {
  rt().decoders().add<reading>(
      "UnitTestMessageB", [](const troupe::value& x) -> caf::expected<reading> {
        auto* data = x.find("data");
        if (data == nullptr)
          return troupe::make_error(troupe::errc::bad_input, "no data");
        return reading{std::string{x.string_member("name")}, data->to_double()};
      });
  std::vector<reading> got;
  auto plain = rt().spawn([&got](caf::event_based_actor*) -> caf::behavior {
    return {[&got](const troupe::topic_header&, const reading& x) {
      got.push_back(x);
    }};
  });
  REQUIRE(request<uint32_t>(rt().broadcaster(), caf::subscribe_atom::value,
                            std::string{"UnitTestMessageB"}, plain));
  REQUIRE(!replay({mcl_dir("dataset")}));
  replay_to_end();
  REQUIRE(got.size() == 10);
  CHECK(got.front().name == "UnitTestMessageB");
  CHECK(got.back().data == 1.0);
}

TEST_CASE_FIXTURE(replay_fixture, "a slow subscriber stalls the replay: "
                                  "bounded memory, nothing lost") {
  std::vector<troupe::record> records;
  for (int i = 0; i < 5000; ++i)
    records.push_back(make_record(i * 0.001, "UnitTestMessageA"));
  replay_options opts;
  opts.max_rate = true;
  opts.window = 16;
  troupe::buffer_options buffer;
  buffer.max_records = 100;
  auto src
      = std::shared_ptr<troupe::record_source>{troupe::memory_source(records)};
  auto buf = rt().spawn_buffer(src, buffer);
  REQUIRE(!request<void>(
      rt().broadcaster(),
      troupe::replay_load{caf::actor_cast<caf::actor>(buf), opts}));
  caf::anon_send(rt().broadcaster(), troupe::replay_start{});
  // Run everything except the subscriber: it never gets to acknowledge.
  starve(*this, sink_handle);
  auto st = peek<troupe::replay_status>(*this, rt().broadcaster(),
                                        troupe::replay_query{});
  CHECK(st.published == 16); // the window, and not one record more
  CHECK(st.state == "running");
  auto bst = peek<troupe::buffer_status>(*this, buf, troupe::buffer_query{});
  CHECK(bst.stored <= 100);
  CHECK(bst.peak_stored <= 100);
  // The broadcaster holds at most one pull ahead: memory stays bounded.
  CHECK(bst.records_read <= 16 + 512 + 100);
  // Let it work: everything arrives, in order, once.
  st = replay_to_end();
  CHECK(st.state == "finished");
  CHECK(st.published == 5000);
  CHECK(st.delivered == 5000);
  CHECK(st.dropped == 0);
  REQUIRE(sunk().seen.size() == 5000);
  CHECK(sunk().seen[4999] == "A 5.00");
}

TEST_CASE_FIXTURE(replay_fixture, "drop_when_slow drops and counts instead") {
  std::vector<troupe::record> records;
  for (int i = 0; i < 100; ++i)
    records.push_back(make_record(i * 0.001, "UnitTestMessageA"));
  replay_options opts;
  opts.max_rate = true;
  opts.window = 10;
  opts.drop_when_slow = true;
  auto src
      = std::shared_ptr<troupe::record_source>{troupe::memory_source(records)};
  auto buf = rt().spawn_buffer(src);
  REQUIRE(!request<void>(
      rt().broadcaster(),
      troupe::replay_load{caf::actor_cast<caf::actor>(buf), opts}));
  caf::anon_send(rt().broadcaster(), troupe::replay_start{});
  starve(*this, sink_handle);
  auto st = peek<troupe::replay_status>(*this, rt().broadcaster(),
                                        troupe::replay_query{});
  CHECK(st.published == 100);
  CHECK(st.dropped == 90);
  run();
  CHECK(sunk().seen.size() == 10);
}
