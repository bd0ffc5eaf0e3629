// Registration, lookups, the tree, pushed points, removal, start and stop.

#include <chrono>
#include <string>
#include <vector>

#include "troupe/runtime/monitor/detail/monitor_core.hpp"

#include <doctest/doctest.h>

#include "support/monitor.hpp"

using namespace std::chrono_literals;
using namespace troupe;
using test::every;
using test::monitor_fixture;

namespace {

poll_ptr constant(int value) {
  return poll([value] { return value; });
}

std::vector<std::string> names_of(const monitor_snapshot& snap) {
  std::vector<std::string> result;
  for (auto& p : snap.points)
    result.push_back(std::string(p.depth, '.') + p.name);
  return result;
}

} // namespace

TEST_CASE_FIXTURE(monitor_fixture, "a duplicate name is refused") {
  test::log_capture logs{log::level::off};
  must_add(make_point("p", every(1s), constant(1)));
  auto err = add(make_point("p", every(1s), constant(2)));
  CHECK(code_of(err) == errc::duplicate_name);
  CHECK(to_text(err)
        == "duplicate_name: a point or parent named 'p' already exists");
  // Nothing of a refused registration is created, and the first point keeps
  // its poll.
  err = add(make_points({"q", "p"}, every(1s), constant(3)));
  CHECK(code_of(err) == errc::duplicate_name);
  CHECK(code_of(request<point_info>(mon, caf::get_atom::value, std::string{"q"})
                    .error())
        == errc::not_found);
  CHECK(info("p").value == point_value{1});
  err = add(make_points({"r", "r"}, every(1s), constant(3)));
  CHECK(to_text(err) == "duplicate_name: add point 'r': 'r' is listed twice");
  // Parent names are taken, too.
  must_add(make_point("child", every(1s, "group"), constant(1)));
  CHECK(code_of(add(make_point("group", every(1s), constant(1))))
        == errc::duplicate_name);
}

TEST_CASE_FIXTURE(monitor_fixture, "bad registrations get a one-line error "
                                   "naming what is wrong") {
  test::log_capture logs{log::level::off};
  auto text = [this](point_spec spec) {
    return to_text(add(std::move(spec)));
  };
  CHECK(text(make_point("p", every(-1s), constant(1)))
        == "invalid_argument: add point 'p': dt must be between 0 and 365 "
           "days (got -1 s)");
  CHECK(text(make_point("p", every(24h * 366), constant(1)))
        == "invalid_argument: add point 'p': dt must be between 0 and 365 "
           "days (got 8784 h)");
  CHECK(text(make_point("", every(1s), constant(1)))
        == "invalid_argument: point name is empty");
  CHECK(text(make_point("a\nb", every(1s), constant(1)))
        == "invalid_argument: point name has a control character at "
           "position 1");
  CHECK(text(make_points({}, every(1s), constant(1)))
        == "invalid_argument: add registration: no point names");
  CHECK(text(make_point("p", every(1s, "p"), constant(1)))
        == "invalid_argument: add point 'p': 'p' cannot be its own parent");
  point_options opts = every(1s);
  opts.stale_after = -1s;
  CHECK(text(make_point("p", opts, constant(1)))
        == "invalid_argument: add point 'p': stale_after must not be "
           "negative (got -1 s)");
  opts = every(1s);
  opts.unit = "Hz";
  CHECK(text(make_point("p", opts, constant(1)))
        == "invalid_argument: add point 'p': unit 'Hz' must be lower-case "
           "letters, digits and '_'");
  opts = every(1s);
  opts.once = true;
  CHECK(text(make_pushed_point("p", opts))
        == "invalid_argument: add point 'p': a pushed point cannot be "
           "one-shot");
  CHECK(text(make_family(every(1s), constant(1)))
        == "invalid_argument: add family under '': a family needs a parent");
  must_add(make_point("leaf", every(1s), constant(1)));
  CHECK(text(make_point("p", every(1s, "leaf"), constant(1)))
        == "invalid_argument: add point 'p': parent 'leaf' is a point");
  CHECK(snapshot().points.size() == 1);
}

TEST_CASE_FIXTURE(monitor_fixture, "parents are created on first use, nest, "
                                   "and list depth-first alphabetically") {
  REQUIRE(!request<void>(mon, caf::add_atom::value, std::string{"child"},
                         std::string{"parent"}));
  REQUIRE(!request<void>(mon, caf::add_atom::value, std::string{"grandchild"},
                         std::string{"child"}));
  // Idempotent with the same parent, refused with another.
  REQUIRE(!request<void>(mon, caf::add_atom::value, std::string{"child"},
                         std::string{"parent"}));
  auto err = request<void>(mon, caf::add_atom::value, std::string{"child"},
                           std::string{});
  CHECK(to_text(err)
        == "invalid_argument: parent 'child' already exists under 'parent'");
  must_add(make_point("zeta", every(1s), constant(1)));
  must_add(make_point("alpha", every(1s), constant(1)));
  must_add(make_point("time", every(1s, "grandchild"), constant(1)));
  must_add(make_point("cpu", every(1s, "parent"), constant(1)));
  must_add(make_points({"b", "a"}, every(1s, "child"),
                       poll([] { return std::make_tuple(1, 2); })));
  CHECK(names_of(snapshot())
        == std::vector<std::string>{"alpha", "parent", ".child", "..a", "..b",
                                    "..grandchild", "...time", ".cpu", "zeta"});
  auto p = info("time");
  CHECK(p.parent == "grandchild");
  CHECK(p.depth == 3);
  CHECK(info("grandchild").is_parent);
  CHECK(info("grandchild").parent == "child");
}

TEST_CASE_FIXTURE(monitor_fixture, "a lookup gives name, value, alert, "
                                   "parent and age; unknown names are an "
                                   "error") {
  std::vector<poll_promise> pending;
  point_options opts = every(1s, "group");
  opts.help = "Temperature of the box";
  opts.unit = "celsius";
  must_add(make_point(
      "temp", opts, poll_async([&](poll_promise p) { pending.push_back(p); })));
  auto p = info("temp");
  CHECK(p.name == "temp");
  CHECK(p.parent == "group");
  CHECK(p.updates == 0); // never polled: no age
  CHECK(p.value.empty());
  CHECK(p.help == "Temperature of the box");
  CHECK(p.unit == "celsius");
  CHECK(p.dt_ns == caf::timespan{1s}.count());
  advance(250ms);
  pending.front().deliver(alert::orange(21.5));
  run();
  advance(750ms);
  p = info("temp");
  CHECK(p.value == point_value{21.5});
  CHECK(p.alert == alert_level::orange);
  CHECK(p.updates == 1);
  CHECK(snapshot().now_ns - p.time_ns == caf::timespan{750ms}.count());
  auto missing
      = request<point_info>(mon, caf::get_atom::value, std::string{"nope"});
  REQUIRE(!missing);
  CHECK(to_text(missing.error())
        == "not_found: no point or parent named 'nope'");
}

TEST_CASE_FIXTURE(monitor_fixture, "start twice does nothing the second "
                                   "time; stop ends polling") {
  int calls = 0;
  must_add(make_point("p", every(1s), poll([&] { return ++calls; })));
  CHECK(snapshot().running);
  CHECK(request<bool>(mon, start_atom::value) == false);
  advance(2s);
  CHECK(calls == 3);
  CHECK(request<bool>(mon, stop_atom::value) == true);
  CHECK(request<bool>(mon, stop_atom::value) == false);
  CHECK(!snapshot().running);
  advance(1h);
  CHECK(calls == 3);
  // Nothing went STALE while the monitor did not look.
  CHECK(!info("p").stale);
  CHECK(request<bool>(mon, start_atom::value) == true);
  CHECK(calls == 4); // overdue: polled at once
  advance(1s);
  CHECK(calls == 5);
}

TEST_CASE("a monitor spawned stopped polls nothing until started") {
  monitor_config cfg;
  cfg.start = false;
  monitor_fixture fx{cfg};
  int calls = 0;
  fx.must_add(make_point("p", every(1s), poll([&] { return ++calls; })));
  fx.advance(5s);
  CHECK(calls == 0);
  CHECK(!fx.snapshot().running);
  CHECK(fx.request<bool>(fx.mon, start_atom::value) == true);
  CHECK(calls == 1);
  CHECK(fx.snapshot().running);
}

TEST_CASE_FIXTURE(monitor_fixture, "pushed points take values by message") {
  point_options opts = every(1s, "replay");
  must_add(make_pushed_point("lateness", opts));
  must_add(make_point("polled", opts, constant(1)));
  REQUIRE(!request<void>(mon, caf::put_atom::value, std::string{"lateness"},
                         alert::orange(0.02)));
  CHECK(info("lateness").value == point_value{0.02});
  CHECK(info("lateness").pushed);
  CHECK(info("replay").alert == alert_level::orange);
  auto err = request<void>(mon, caf::put_atom::value, std::string{"polled"},
                           reading{2});
  CHECK(to_text(err)
        == "wrong_state: point 'polled' is polled; it takes no pushed values");
  err = request<void>(mon, caf::put_atom::value, std::string{"replay"},
                      reading{2});
  CHECK(code_of(err) == errc::wrong_state);
  err = request<void>(
      mon, caf::put_atom::value,
      std::vector<named_reading>{{"nope", 1, ""}, {"lateness", 0.5, ""}});
  CHECK(code_of(err) == errc::not_found);
  CHECK(info("lateness").value == point_value{0.5});
  // Pushed points go STALE when nothing arrives for 3 x dt.
  advance(3s);
  CHECK(info("lateness").stale);
}

TEST_CASE_FIXTURE(monitor_fixture, "removing a point removes the points fed "
                                   "by the same poll") {
  std::vector<poll_promise> pending;
  must_add(make_points({"a", "b"}, every(1s, "g"),
                       poll_async([&](auto p) { pending.push_back(p); })));
  must_add(make_point("c", every(1s, "g"), constant(1)));
  auto removed = request<std::vector<std::string>>(mon, caf::delete_atom::value,
                                                   std::string{"b"});
  REQUIRE(removed);
  CHECK(*removed == std::vector<std::string>{"a", "b"});
  // The answer of the removed poll lands nowhere.
  pending.front().deliver(poll_result{1, 2});
  run();
  CHECK(snapshot().points.size() == 2);
  // A parent goes only when empty.
  auto err = request<std::vector<std::string>>(mon, caf::delete_atom::value,
                                               std::string{"g"});
  CHECK(to_text(err.error())
        == "wrong_state: parent 'g' still has 1 member(s)");
  REQUIRE(request<std::vector<std::string>>(mon, caf::delete_atom::value,
                                            std::string{"c"}));
  REQUIRE(request<std::vector<std::string>>(mon, caf::delete_atom::value,
                                            std::string{"g"}));
  CHECK(snapshot().points.empty());
  // Names are free again.
  must_add(make_point("a", every(1s), constant(5)));
  CHECK(info("a").value == point_value{5});
}
