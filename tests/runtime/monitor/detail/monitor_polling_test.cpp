// Polling on virtual time: when polls run, what their results do to points,
// staleness, and what subscribers and callbacks see.

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "troupe/runtime/monitor/detail/monitor_core.hpp"

#include <doctest/doctest.h>

#include "support/monitor.hpp"

using namespace std::chrono_literals;
using namespace troupe;
using test::every;
using test::monitor_fixture;
using test::update_log;

namespace {

/// A sync poll that records the virtual time of each call.
poll_ptr timed_poll(monitor_fixture& fx, std::vector<int64_t>& calls,
                    caf::actor_clock::time_point start) {
  return poll([&fx, &calls, start] {
    calls.push_back(fx.ms_since(start));
    return static_cast<int64_t>(calls.size());
  });
}

} // namespace

TEST_CASE_FIXTURE(monitor_fixture, "a new point is polled at once, then "
                                   "every dt after the previous poll") {
  auto start = now();
  std::vector<int64_t> calls;
  must_add(make_point("p", every(1s), timed_poll(*this, calls, start)));
  CHECK(calls == std::vector<int64_t>{0});
  CHECK(info("p").value == point_value{1});
  advance(3500ms);
  CHECK(calls == std::vector<int64_t>{0, 1000, 2000, 3000});
}

TEST_CASE_FIXTURE(monitor_fixture, "the next poll is due dt after the "
                                   "previous one completed") {
  auto start = now();
  std::vector<int64_t> calls;
  std::vector<poll_promise> pending;
  must_add(make_point("slow", every(1s), poll_async([&](poll_promise p) {
                        calls.push_back(ms_since(start));
                        pending.push_back(p);
                      })));
  // Each poll takes 300 ms: it completes when the test delivers.
  for (int i = 0; i < 3; ++i) {
    advance(300ms);
    REQUIRE(pending.size() == 1);
    CHECK(pending.back().deliver(i));
    pending.clear();
    run();
    advance_to(start + (i + 1) * 1300ms);
  }
  CHECK(calls == std::vector<int64_t>{0, 1300, 2600, 3900});
}

TEST_CASE_FIXTURE(monitor_fixture, "a one-shot point is polled exactly "
                                   "once") {
  int calls = 0;
  point_options opts;
  opts.once = true;
  must_add(make_point("once", opts, poll([&] { return ++calls; })));
  advance(1h);
  CHECK(calls == 1);
  auto p = info("once");
  CHECK(p.once);
  CHECK(p.updates == 1);
  CHECK(p.value == point_value{1});
  CHECK(!p.stale);
}

TEST_CASE("defaults are libgs': 10 workers, tick 0.5 s, dt 10 s") {
  monitor_config cfg;
  CHECK(cfg.workers == 10);
  CHECK(cfg.tick == caf::timespan{500ms});
  CHECK(cfg.default_dt == caf::timespan{10s});
}

TEST_CASE_FIXTURE(monitor_fixture, "dt 0 polls every tick; no dt means the "
                                   "default 10 s") {
  auto start = now();
  std::vector<int64_t> ticks;
  std::vector<int64_t> defaults;
  must_add(make_point("tick", every(0s), timed_poll(*this, ticks, start)));
  must_add(make_point("default", {}, timed_poll(*this, defaults, start)));
  advance(2s);
  CHECK(ticks == std::vector<int64_t>{0, 500, 1000, 1500, 2000});
  advance(18s);
  CHECK(defaults == std::vector<int64_t>{0, 10000, 20000});
}

namespace {

/// Registers `n` points polled every second, at one instant; each poll
/// records its start time (us since `start`) in `calls[i]`.
void add_many(monitor_fixture& fx, int n,
              std::vector<std::vector<int64_t>>& calls,
              caf::actor_clock::time_point start) {
  calls.resize(n);
  for (int i = 0; i < n; ++i)
    fx.must_add(make_point(
        "p" + std::to_string(i), every(1s), poll([&fx, &calls, start, i] {
          calls[i].push_back(
              std::chrono::duration_cast<std::chrono::microseconds>(fx.now()
                                                                    - start)
                  .count());
          return int64_t{i};
        })));
}

/// How many points had their `round`-th poll at `t` us.
long polls_at(const std::vector<std::vector<int64_t>>& calls, size_t round,
              int64_t t) {
  return std::count_if(calls.begin(), calls.end(), [&](auto& xs) {
    return xs.size() > round && xs[round] == t;
  });
}

} // namespace

TEST_CASE_FIXTURE(monitor_fixture, "points falling due together start in "
                                   "waves of poll_wave, poll_wave_gap apart") {
  auto start = now();
  std::vector<std::vector<int64_t>> calls;
  add_many(*this, 2500, calls, start);
  CHECK(polls_at(calls, 0, 0) == 1024);
  advance(999us);
  CHECK(polls_at(calls, 0, 0) == 1024);
  CHECK(polls_at(calls, 0, 999) == 0);
  advance(1us);
  CHECK(polls_at(calls, 0, 1000) == 1024);
  advance(1ms);
  CHECK(polls_at(calls, 0, 2000) == 452);
  // Each next poll counts from its own completion: the waves stay apart.
  advance(1s);
  CHECK(polls_at(calls, 1, 1'000'000) == 1024);
  CHECK(polls_at(calls, 1, 1'001'000) == 1024);
  CHECK(polls_at(calls, 1, 1'002'000) == 452);
  for (auto& xs : calls)
    CHECK(xs.size() == 2);
}

TEST_CASE("a poll wave gap of 0 starts every due poll at once") {
  monitor_config cfg;
  cfg.poll_wave = 10;
  cfg.poll_wave_gap = caf::timespan{0};
  monitor_fixture fx{cfg};
  auto start = fx.now();
  std::vector<std::vector<int64_t>> calls;
  add_many(fx, 50, calls, start);
  CHECK(polls_at(calls, 0, 0) == 50);
  fx.advance(1s);
  CHECK(polls_at(calls, 1, 1'000'000) == 50);
}

TEST_CASE("a small poll wave spreads even a few points") {
  monitor_config cfg;
  cfg.poll_wave = 2;
  cfg.poll_wave_gap = 10ms;
  monitor_fixture fx{cfg};
  auto start = fx.now();
  std::vector<std::vector<int64_t>> calls;
  add_many(fx, 5, calls, start);
  fx.advance(25ms);
  CHECK(polls_at(calls, 0, 0) == 2);
  CHECK(polls_at(calls, 0, 10'000) == 2);
  CHECK(polls_at(calls, 0, 20'000) == 1);
}

TEST_CASE_FIXTURE(monitor_fixture, "a slow poll does not delay a fast one; "
                                   "one call in flight per point") {
  auto start = now();
  std::vector<int64_t> fast;
  int slow_calls = 0;
  std::vector<poll_promise> slow;
  must_add(make_point("fast", every(100ms), timed_poll(*this, fast, start)));
  must_add(make_point("slow", every(100ms), poll_async([&](poll_promise p) {
                        ++slow_calls;
                        slow.push_back(p);
                      })));
  // The slow poll takes 3 s.
  advance(3s);
  REQUIRE(fast.size() == 31);
  for (size_t i = 0; i < fast.size(); ++i)
    CHECK(fast[i] == static_cast<int64_t>(i) * 100);
  CHECK(slow_calls == 1);
  CHECK(info("slow").updates == 0);
  REQUIRE(slow.size() == 1);
  slow.front().deliver(alert::green(7));
  run();
  CHECK(info("slow").value == point_value{7});
  CHECK(info("slow").alert == alert_level::green);
  advance(100ms);
  CHECK(slow_calls == 2);
}

TEST_CASE_FIXTURE(monitor_fixture, "one poll feeds several points, one "
                                   "value each") {
  must_add(make_points({"a", "b", "c"}, every(1s), poll([] {
                         return std::make_tuple(1, alert::red(2.5), "three");
                       })));
  CHECK(info("a").value == point_value{1});
  CHECK(info("a").alert == alert_level::none);
  CHECK(info("b").value == point_value{2.5});
  CHECK(info("b").alert == alert_level::red);
  CHECK(info("c").value == point_value{"three"});
}

TEST_CASE_FIXTURE(monitor_fixture, "a poll returning the wrong count is an "
                                   "error naming both counts") {
  test::log_capture logs{log::level::warning};
  point_options opts = every(1s);
  opts.error_alert = alert_level::orange;
  must_add(make_points({"a", "b", "c"}, opts, poll([] {
                         return std::vector<reading>{1, 2};
                       })));
  for (auto name : {"a", "b", "c"}) {
    auto p = info(name);
    CHECK(p.error == "expected 3 value(s), got 2 value(s)");
    CHECK(p.alert == alert_level::orange);
    CHECK(p.value.empty());
    CHECK(p.failures == 1);
  }
  CHECK(logs.count("poll of 'a', 'b', 'c' failed: expected 3 value(s), "
                   "got 2 value(s)")
        == 1);
  // The same failure again is not logged again.
  advance(1s);
  CHECK(logs.count("expected 3 value(s)") == 1);
  CHECK(info("a").failures == 2);
}

TEST_CASE_FIXTURE(monitor_fixture, "a throwing poll sets the error and the "
                                   "alert on all its points") {
  test::log_capture logs{log::level::off};
  update_log seen;
  auto rec = test::spawn_recorder(rt(), seen);
  REQUIRE(!request<void>(mon, caf::subscribe_atom::value, std::string{}, rec));
  std::vector<point_update> called;
  update_callback cb{"", "keeper", [&](const point_update& x) {
                       called.push_back(x);
                     }};
  REQUIRE(request<uint64_t>(mon, caf::add_atom::value, cb));
  point_options opts = every(1s);
  opts.error_alert = alert_level::critical;
  bool fail = true;
  must_add(make_points({"x", "y"}, opts, poll([&]() -> poll_result {
                         if (fail)
                           throw std::runtime_error("sensor unplugged");
                         return {1, 2};
                       })));
  for (auto name : {"x", "y"}) {
    auto p = info(name);
    CHECK(p.error == "the poll threw: sensor unplugged");
    CHECK(p.alert == alert_level::critical);
  }
  REQUIRE(seen.updates.size() == 2);
  CHECK(seen.updates[0].error == "the poll threw: sensor unplugged");
  // Callbacks get the error too, once per point, with the error's alert.
  REQUIRE(called.size() == 2);
  for (size_t i = 0; i < called.size(); ++i) {
    CAPTURE(i);
    CHECK(called[i].name == (i == 0 ? "x" : "y"));
    CHECK(called[i].error == "the poll threw: sensor unplugged");
    CHECK(called[i].alert == alert_level::critical);
  }
  // The monitor keeps polling; once the poll works, the error clears.
  fail = false;
  advance(1s);
  REQUIRE(called.size() == 4);
  CHECK(called[2].error.empty());
  CHECK(called[2].value == point_value{1});
  CHECK(info("x").error.empty());
  CHECK(info("x").alert == alert_level::none);
  CHECK(info("y").value == point_value{2});
}

TEST_CASE_FIXTURE(monitor_fixture, "a promise dropped without a result "
                                   "fails the poll") {
  test::log_capture logs{log::level::off};
  must_add(make_point("p", every(1s), poll_async([](poll_promise) {})));
  CHECK(info("p").error == "the poll ended without delivering a result");
  CHECK(info("p").alert == alert_level::red);
}

TEST_CASE_FIXTURE(monitor_fixture, "a silent point goes STALE and back") {
  test::log_capture logs{log::level::warning};
  std::vector<poll_promise> pending;
  point_options opts = every(1s);
  opts.parent = "group";
  must_add(make_point("quiet", opts, poll_async([&](poll_promise p) {
                        pending.push_back(p);
                      })));
  REQUIRE(pending.size() == 1);
  pending.front().deliver(alert::green(1));
  pending.clear();
  run();
  auto updated = now();
  // Polled again 1 s later, but that poll never returns: after 3 x dt
  // without an update the point is STALE.
  advance(2999ms);
  CHECK(!info("quiet").stale);
  advance(1ms);
  CHECK(now() - updated == caf::timespan{3s});
  auto p = info("quiet");
  CHECK(p.stale);
  CHECK(p.alert == alert_level::green);
  CHECK(info("group").alert == alert_level::red);
  CHECK(snapshot().alert == alert_level::red);
  CHECK(logs.count("'quiet' is STALE: no update for 3 s") == 1);
  REQUIRE(pending.size() == 1);
  pending.front().deliver(alert::green(2));
  run();
  CHECK(!info("quiet").stale);
  CHECK(info("group").alert == alert_level::green);
}

namespace {

/// A monitor whose points turn STALE after twice their dt.
struct quick_stale_fixture : monitor_fixture {
  static monitor_config config() {
    monitor_config cfg;
    cfg.stale_factor = 2.0;
    return cfg;
  }

  quick_stale_fixture() : monitor_fixture(config()) {
    // nop
  }
};

/// A point whose first poll delivers and whose later polls never return
/// (their promises are kept in `held`, undelivered).
point_spec silent_after_first(const std::string& name, point_options opts,
                              std::vector<poll_promise>& held) {
  auto polls = std::make_shared<int>(0);
  return make_point(name, opts, poll_async([polls, &held](poll_promise p) {
                      if ((*polls)++ == 0)
                        p.deliver(alert::green(1));
                      else
                        held.push_back(p);
                    }));
}

} // namespace

TEST_CASE_FIXTURE(quick_stale_fixture, "the stale factor and a point's own "
                                       "stale_after set when it goes STALE") {
  test::log_capture logs{log::level::off};
  std::vector<poll_promise> held;
  must_add(silent_after_first("factor", every(1s), held));
  auto own = every(1s);
  own.stale_after = caf::timespan{5s};
  must_add(silent_after_first("own", own, held));
  auto never = every(1s);
  never.stale_after = caf::timespan{0};
  must_add(silent_after_first("never", never, held));
  run();
  advance(1999ms);
  CHECK(!info("factor").stale);
  advance(1ms); // 2 x dt
  CHECK(info("factor").stale);
  CHECK(!info("own").stale);
  advance(2999ms);
  CHECK(!info("own").stale);
  advance(1ms); // its own 5 s
  CHECK(info("own").stale);
  advance(1h);
  CHECK(!info("never").stale);
  for (auto& p : held)
    p.deliver(alert::green(2));
  run();
  CHECK(!info("factor").stale);
}

TEST_CASE_FIXTURE(monitor_fixture, "subscribers see every update once") {
  update_log all;
  update_log sub;
  auto rec_all = test::spawn_recorder(rt(), all);
  auto rec_sub = test::spawn_recorder(rt(), sub);
  point_options in_group = every(1s);
  in_group.parent = "group";
  int n = 0;
  must_add(make_points({"a", "b"}, in_group, poll([&] {
                         ++n;
                         return std::make_tuple(n, -n);
                       })));
  must_add(make_point("c", every(500ms), poll([&] { return n; })));
  REQUIRE(
      !request<void>(mon, caf::subscribe_atom::value, std::string{}, rec_all));
  REQUIRE(!request<void>(mon, caf::subscribe_atom::value, std::string{"group"},
                         rec_sub));
  // Subscribing twice changes nothing.
  REQUIRE(!request<void>(mon, caf::subscribe_atom::value, std::string{"group"},
                         rec_sub));
  advance(3s);
  // Polls of a/b at 1, 2, 3 s; of c at 0.5 ... 3 s.
  CHECK(all.of("a").size() == 3);
  CHECK(all.of("b").size() == 3);
  CHECK(all.of("c").size() == 6);
  CHECK(sub.of("a").size() == 3);
  CHECK(sub.of("c").empty());
  std::vector<point_value> values;
  for (auto& x : sub.of("a"))
    values.emplace_back(x.value);
  CHECK(values == std::vector<point_value>{2, 3, 4});
  REQUIRE(!request<void>(mon, caf::unsubscribe_atom::value, rec_sub));
  advance(1s);
  CHECK(sub.of("a").size() == 3);
  CHECK(all.of("a").size() == 4);
  // A subscriber that exits is dropped.
  caf::anon_send_exit(rec_all, caf::exit_reason::user_shutdown);
  run();
  auto err = request<void>(mon, caf::unsubscribe_atom::value, rec_all);
  CHECK(code_of(err) == errc::not_found);
}

TEST_CASE_FIXTURE(monitor_fixture, "updates travel in batches of at most "
                                   "256, in order") {
  update_log seen;
  auto rec = test::spawn_recorder(rt(), seen);
  REQUIRE(!request<void>(mon, caf::subscribe_atom::value, std::string{}, rec));
  std::vector<named_reading> members;
  for (int i = 0; i < 600; ++i)
    members.push_back({"m" + std::to_string(1000 + i), i, ""});
  point_options opts = every(1s);
  opts.parent = "many";
  must_add(make_family(opts, poll([&] { return members; })));
  REQUIRE(seen.updates.size() == 600);
  CHECK(seen.batches == 3);
  for (int i = 0; i < 600; ++i)
    CHECK(seen.updates[i].value == point_value{i});
}

TEST_CASE_FIXTURE(monitor_fixture, "callbacks run once per point per poll; "
                                   "a failing callback never stops polling") {
  test::log_capture logs{log::level::error};
  std::vector<std::string> seen;
  update_callback good{"", "good", [&](const point_update& x) {
                         seen.push_back(x.name);
                       }};
  update_callback bad{"", "bad", [](const point_update&) {
                        throw std::runtime_error("disk full");
                      }};
  auto id = request<uint64_t>(mon, caf::add_atom::value, good);
  REQUIRE(id);
  REQUIRE(request<uint64_t>(mon, caf::add_atom::value, bad));
  int calls = 0;
  must_add(make_points({"a", "b"}, every(1s), poll([&] {
                         ++calls;
                         return std::make_tuple(calls, calls);
                       })));
  advance(2s);
  CHECK(calls == 3);
  CHECK(seen == std::vector<std::string>{"a", "b", "a", "b", "a", "b"});
  CHECK(logs.count("callback 'bad' failed on 'a': disk full (1 failure(s) "
                   "so far)")
        == 1);
  // The same failure is logged once, however often it repeats.
  CHECK(logs.count("callback 'bad'") == 1);
  REQUIRE(!request<void>(mon, caf::delete_atom::value, *id));
  advance(1s);
  CHECK(calls == 4);
  CHECK(seen.size() == 6);
}

TEST_CASE_FIXTURE(monitor_fixture, "a Red child makes parent and grandparent "
                                   "Red; clearing it clears them") {
  REQUIRE(!request<void>(mon, caf::add_atom::value, std::string{"parent"},
                         std::string{"grandparent"}));
  auto value = alert::green(1.0);
  point_options opts = every(1s);
  opts.parent = "parent";
  must_add(make_point("child", opts, poll([&] { return value; })));
  must_add(make_point("sibling", opts, poll([] { return alert::orange(2); })));
  CHECK(info("parent").alert == alert_level::orange);
  CHECK(info("grandparent").alert == alert_level::orange);
  value = alert::red(9.0);
  advance(1s);
  CHECK(info("child").alert == alert_level::red);
  CHECK(info("parent").alert == alert_level::red);
  CHECK(info("grandparent").alert == alert_level::red);
  CHECK(snapshot().alert == alert_level::red);
  value = alert::green(1.0);
  advance(1s);
  CHECK(info("parent").alert == alert_level::orange);
  CHECK(info("grandparent").alert == alert_level::orange);
}

TEST_CASE_FIXTURE(monitor_fixture, "alert changes are logged at the "
                                   "threshold; value changes when asked") {
  test::log_capture logs{log::level::info};
  auto value = alert::green(1);
  point_options opts = every(1s);
  must_add(make_point("quiet", opts, poll([&] { return value; })));
  opts.log_values = true;
  must_add(make_point("chatty", opts, poll([&] { return value; })));
  CHECK(logs.count("value of 'chatty': "
                   " -> 1")
        == 1);
  CHECK(logs.count("value of 'quiet'") == 0);
  value = alert::orange(1);
  advance(1s);
  CHECK(logs.count("alert of") == 0);
  CHECK(logs.count("value of 'chatty'") == 1);
  value = alert::red(2);
  advance(1s);
  CHECK(logs.count("alert of 'quiet': ORANGE -> RED") == 1);
  CHECK(logs.count("value of 'chatty': 1 -> 2") == 1);
  value = alert::green(2);
  advance(1s);
  CHECK(logs.count("alert of 'quiet': RED -> GREEN") == 1);
  // Straight from below the threshold to it is logged as well.
  value = alert::red(3);
  advance(1s);
  CHECK(logs.count("alert of 'quiet': GREEN -> RED") == 1);
  CHECK(logs.count("alert of 'chatty': GREEN -> RED") == 1);
}

TEST_CASE_FIXTURE(monitor_fixture, "a family follows the names its poll "
                                   "reports") {
  std::vector<named_reading> members{{"f/a", 1, ""}, {"f/b", 2, ""}};
  point_options opts = every(1s);
  opts.parent = "f";
  must_add(make_family(opts, poll([&] { return members; })));
  CHECK(info("f/a").value == point_value{1});
  CHECK(info("f/a").parent == "f");
  members = {{"f/b", 3, ""}, {"f/c", alert::red(4), ""}, {"f/d", 0, "down"}};
  advance(1s);
  CHECK(
      code_of(request<point_info>(mon, caf::get_atom::value, std::string{"f/a"})
                  .error())
      == errc::not_found);
  CHECK(info("f/b").value == point_value{3});
  CHECK(info("f/c").alert == alert_level::red);
  CHECK(info("f/d").error == "down");
  CHECK(info("f/d").alert == alert_level::red);
  CHECK(info("f").alert == alert_level::red);
}

TEST_CASE_FIXTURE(monitor_fixture, "an empty family goes with its parent") {
  int calls = 0;
  std::vector<named_reading> members;
  point_options opts = every(1s);
  opts.parent = "f";
  must_add(make_family(opts, poll([&] {
                         ++calls;
                         return members;
                       })));
  CHECK(calls == 1);
  REQUIRE(request<std::vector<std::string>>(mon, caf::delete_atom::value,
                                            std::string{"f"}));
  members = {{"f/a", 1, ""}};
  advance(2s);
  CHECK(calls == 1);
  CHECK(snapshot().points.empty());
}

TEST_CASE_FIXTURE(monitor_fixture, "polls that ask actors") {
  test::log_capture logs{log::level::off};
  auto answer = rt().spawn([](caf::event_based_actor*) -> caf::behavior {
    return {
        [](caf::get_atom, int32_t x) { return x * 2; },
    };
  });
  point_options opts = every(1s);
  must_add(
      make_point("doubled", opts,
                 poll_request(
                     answer, 500ms, [](int32_t x) { return alert::orange(x); },
                     caf::get_atom::value, int32_t{21})));
  CHECK(info("doubled").value == point_value{42});
  CHECK(info("doubled").alert == alert_level::orange);
  // An actor that never answers: the poll fails after its timeout.
  auto mute = rt().spawn([](caf::event_based_actor* self) -> caf::behavior {
    return {
        [self](caf::get_atom, int32_t) -> caf::result<int32_t> {
          return self->make_response_promise<int32_t>();
        },
    };
  });
  must_add(make_point("mute", opts,
                      poll_request(
                          mute, 500ms, [](int32_t x) { return x; },
                          caf::get_atom::value, int32_t{1})));
  CHECK(info("mute").updates == 0);
  advance(500ms);
  CHECK(info("mute").updates == 1);
  CHECK(!info("mute").error.empty());
}
