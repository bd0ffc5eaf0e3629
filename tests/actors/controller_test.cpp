// The experiment controller on virtual time: NEPI's own scenarios (N1-N20),
// each stricter where NEPI's polling made it loose.

#include <algorithm>
#include <fstream>
#include <iterator>

#include "troupe/actors/controller.hpp"

#include <doctest/doctest.h>

#include "support/experiment.hpp"
#include "support/replay.hpp"

using namespace troupe;
using test::attrs;
using test::experiment_fixture;
using namespace std::chrono_literals;

namespace {

task_info task_of(experiment_fixture& fx, uint64_t id) {
  auto x = fx.request<task_info>(fx.ctl, get_task{id});
  REQUIRE(x);
  return *x;
}

uint64_t schedule(experiment_fixture& fx, caf::timespan delay,
                  resource_action action, guid_list guids) {
  auto id
      = fx.request<uint64_t>(fx.ctl, schedule_task{delay, action, guids, true});
  REQUIRE(id);
  return *id;
}

} // namespace

TEST_CASE_FIXTURE(experiment_fixture, "N1/N2: a tracked task is NEW, then "
                                      "DONE with its result exactly on time") {
  auto a = add("sim", "a");
  auto now_task = schedule(*this, 0s, resource_action::deploy, {a});
  auto later_task = schedule(*this, 4s, resource_action::start, {a});
  run();
  auto done = task_of(*this, now_task);
  CHECK(done.status == task_status::done);
  CHECK(done.result == "deploy 'a' (guid 1)");
  CHECK(task_of(*this, later_task).status == task_status::new_);
  advance(4s - 1ns);
  CHECK(task_of(*this, later_task).status == task_status::new_);
  advance(1ns);
  auto started = task_of(*this, later_task);
  CHECK(started.status == task_status::done);
  CHECK(now_ms() == 4000);
  CHECK(ms(started.ran_at_ns) == 4000);
  CHECK(state(a) == resource_state::started);
}

TEST_CASE_FIXTURE(experiment_fixture,
                  "N3: a failing task ends ERROR and the controller goes on") {
  auto a = add("sim", "a");
  auto bad = schedule(*this, 1s, resource_action::start, {a});
  advance(1s);
  auto info = task_of(*this, bad);
  CHECK(info.status == task_status::error);
  CHECK(info.result.find("wrong_state") != std::string::npos);
  CHECK(info.result.find("'a'") != std::string::npos);
  // The controller still works.
  auto b = add("sim", "b");
  CHECK(b == 2);
  deploy({b});
  CHECK(state(b) == resource_state::started);
}

TEST_CASE_FIXTURE(experiment_fixture, "N4: tasks run in time order, ties in "
                                      "arrival order; a removed one never "
                                      "runs") {
  std::vector<uint64_t> guids;
  for (auto name : {"a", "b", "c", "d", "e"})
    guids.push_back(add("sim", name));
  auto at2 = schedule(*this, 2s, resource_action::deploy, {guids[0]});
  auto at3 = schedule(*this, 3s, resource_action::deploy, {guids[1]});
  auto now1 = schedule(*this, 0s, resource_action::deploy, {guids[2]});
  auto now2 = schedule(*this, 0s, resource_action::deploy, {guids[3]});
  auto removed = schedule(*this, 1s, resource_action::deploy, {guids[4]});
  CHECK(!request<void>(ctl, cancel_task{removed}));
  advance(10s);
  CHECK(task_of(*this, now1).run_order == 1);
  CHECK(task_of(*this, now2).run_order == 2);
  CHECK(task_of(*this, at2).run_order == 3);
  CHECK(task_of(*this, at3).run_order == 4);
  CHECK(ms(task_of(*this, at2).ran_at_ns) == 2000);
  CHECK(ms(task_of(*this, at3).ran_at_ns) == 3000);
  CHECK(!request<task_info>(ctl, get_task{removed}));
  CHECK(state(guids[4]) == resource_state::new_);
  CHECK(request<void>(ctl, cancel_task{now1})); // already ran
}

TEST_CASE_FIXTURE(experiment_fixture,
                  "N5: every type has critical and hard_release") {
  auto d = add("agent", "stats",
               attrs({{"agent", caf::config_value{"topic_stats"}}}));
  auto p = add("process", "p", attrs({{"command", caf::config_value{"true"}}}));
  auto critical = request<caf::config_value>(ctl, get_attribute{p, "critical"});
  REQUIRE(critical);
  CHECK(caf::get<bool>(*critical) == true);
  auto hard = request<caf::config_value>(ctl, get_attribute{p, "hard_release"});
  REQUIRE(hard);
  CHECK(caf::get<bool>(*hard) == false);
  // process adds command, cwd and stop_timeout.
  CHECK(info(p).attrs.size() == 5);
  CHECK(info(d).attrs.count("critical") == 1);
  CHECK(!request<caf::config_value>(ctl, get_attribute{p, "nope"}));
  CHECK(request<void>(ctl, set_attribute{p, "critical", caf::config_value{1}}));
  CHECK(!request<void>(ctl,
                       set_attribute{p, "critical", caf::config_value{false}}));
  CHECK(info(p).critical == false);
}

TEST_CASE_FIXTURE(experiment_fixture,
                  "N6: unregistering guids from conditions keeps the rest") {
  std::vector<uint64_t> g(12);
  for (size_t i = 1; i < g.size(); ++i)
    g[i] = add("sim", "r" + std::to_string(i));
  condition(resource_action::start, {g[11]}, {g[1], g[3], g[5], g[7]},
            resource_state::started);
  condition(resource_action::start, {g[11]}, {g[10], g[8]},
            resource_state::started, 10s);
  CHECK(!request<void>(ctl, remove_condition{resource_action::start,
                                             {g[11]},
                                             {g[1], g[2], g[3], g[4], g[6]}}));
  auto conds = request<condition_list>(
      ctl, get_conditions{g[11], resource_action::start});
  REQUIRE(conds);
  REQUIRE(conds->conditions.size() == 2);
  CHECK(conds->conditions[0].after == guid_list{g[5], g[7]});
  CHECK(conds->conditions[1].after == guid_list{g[10], g[8]});
  CHECK(conds->conditions[1].delay == caf::timespan{10s});
}

TEST_CASE_FIXTURE(experiment_fixture,
                  "N7: deploy order of node, interface, channel and app") {
  auto channel = add("channel", "chan",
                     attrs({{"deploy_time", caf::config_value{"1s"}}}));
  std::vector<uint64_t> nodes, ifaces, apps;
  for (int i = 0; i < 2; ++i) {
    auto n = std::to_string(i);
    nodes.push_back(add("node", "node" + n,
                        attrs({{"deploy_time", caf::config_value{"500ms"}}})));
    ifaces.push_back(add("interface", "iface" + n,
                         attrs({{"deploy_time", caf::config_value{"2s"}}})));
    apps.push_back(add("app", "app" + n,
                       attrs({{"deploy_time", caf::config_value{"500ms"}}})));
    connect(nodes[i], ifaces[i]);
    connect(ifaces[i], channel);
    connect(apps[i], nodes[i]);
  }
  auto done = later(wait_for{resource_state::started, {apps[0], apps[1]}});
  deploy();
  advance(10s);
  REQUIRE(done->has_value());
  CHECK(!**done);
  using rs = resource_state;
  for (int i = 0; i < 2; ++i) {
    CAPTURE(i);
    CHECK(at(nodes[i], rs::ready) < at(apps[i], rs::ready));
    CHECK(at(ifaces[i], rs::ready) < at(nodes[i], rs::ready));
    CHECK(at(nodes[i], rs::provisioned) < at(ifaces[i], rs::ready));
    CHECK(at(channel, rs::ready) < at(ifaces[i], rs::ready));
  }
  // Exactly: channel 1 s, interfaces 2 s after it, nodes and apps 0.5 s
  // after what they wait for.
  CHECK(at(nodes[0], rs::provisioned) == 0);
  CHECK(at(channel, rs::ready) == 1000);
  CHECK(at(ifaces[0], rs::ready) == 3000);
  CHECK(at(nodes[0], rs::ready) == 3500);
  CHECK(at(apps[0], rs::ready) == 4000);
}

TEST_CASE_FIXTURE(experiment_fixture, "N8: a node and 1000 apps that run and "
                                      "stop 0.5 s later all finish") {
  auto node = add("node", "node");
  guid_list apps;
  for (int i = 0; i < 1000; ++i) {
    auto app = add("app", "app" + std::to_string(i));
    connect(app, node);
    // Each app starts 0-3 s after the node started...
    condition(resource_action::start, {app}, {node}, resource_state::started,
              caf::timespan{std::chrono::milliseconds{(i * 37) % 3001}});
    // ... and stops 0.5 s after it started.
    condition(resource_action::stop, {app}, {app}, resource_state::started,
              500ms);
    apps.push_back(app);
  }
  deploy();
  auto done = later(wait_for{resource_state::stopped, apps});
  advance(5s);
  REQUIRE(done->has_value());
  CHECK(!**done);
  CHECK(state(node) == resource_state::started);
  auto all = request<resource_list>(ctl, list_resources{});
  REQUIRE(all);
  size_t stopped = 0;
  for (auto& r : all->resources)
    if (r.type == "app" && r.state == resource_state::stopped)
      ++stopped;
  CHECK(stopped == 1000);
  auto last = info(apps[999]);
  auto ran = last.times_ns[static_cast<size_t>(resource_state::stopped)]
             - last.times_ns[static_cast<size_t>(resource_state::started)];
  CHECK(ran == caf::timespan{500ms}.count());
}

TEST_CASE_FIXTURE(experiment_fixture,
                  "N9: a critical deploy failure aborts and waits return") {
  auto bad
      = add("sim", "bad", attrs({{"fail_at", caf::config_value{"deploy"}}}));
  auto good = add("sim", "good");
  auto done = later(wait_for{resource_state::stopped, {bad, good}});
  auto deployed = later(wait_for{resource_state::ready, {good}});
  deploy();
  REQUIRE(done->has_value());
  REQUIRE(**done);
  CHECK(code_of(**done) == errc::aborted);
  CHECK(to_text(**done).find("bad") != std::string::npos);
  auto summary = failures();
  CHECK(summary.level == failure_level::rm_failure);
  CHECK(at(bad, resource_state::failed) >= 0);
  CHECK(info(bad).error == "deploy failed on purpose");
  // The controller released everything.
  CHECK(state(bad) == resource_state::released);
  CHECK(state(good) == resource_state::released);
  REQUIRE(deployed->has_value());
  auto report = request<experiment_report>(ctl, get_report{});
  REQUIRE(report);
  CHECK(report->state == "aborted");
  // Waits after the abort return at once.
  auto after = later(wait_for{resource_state::started, {good}});
  REQUIRE(after->has_value());
  CHECK(code_of(**after) == errc::aborted);
}

TEST_CASE_FIXTURE(experiment_fixture, "N10: a non-critical failure leaves the "
                                      "others running, level OK") {
  auto bad = add("sim", "bad",
                 attrs({{"fail_at", caf::config_value{"deploy"}},
                        {"critical", caf::config_value{false}}}));
  guid_list all{bad};
  for (int i = 0; i < 10; ++i)
    all.push_back(add("sim", "app" + std::to_string(i),
                      attrs({{"run_time", caf::config_value{"1s"}}})));
  auto done = later(wait_for{resource_state::stopped, all});
  deploy();
  advance(2s);
  REQUIRE(done->has_value());
  CHECK(!**done);
  CHECK(state(bad) == resource_state::failed);
  for (size_t i = 1; i < all.size(); ++i)
    CHECK(state(all[i]) == resource_state::stopped);
  auto summary = failures();
  CHECK(summary.level == failure_level::ok);
  REQUIRE(summary.records.size() == 1);
  CHECK(summary.records[0].decision.action == failure_action::ignore);
  CHECK(summary.records[0].report.origin.name == "bad");
}

TEST_CASE_FIXTURE(experiment_fixture,
                  "N11: start B exactly 5 s after A STARTED") {
  auto a = add("sim", "a", attrs({{"deploy_time", caf::config_value{"1s"}}}));
  auto b = add("sim", "b");
  condition(resource_action::start, {b}, {a}, resource_state::started, 5s);
  deploy({}, false);
  advance(10s);
  CHECK(at(a, resource_state::started) == 1000);
  CHECK(at(b, resource_state::started) == 6000);
}

TEST_CASE_FIXTURE(experiment_fixture, "N12: start B when A STOPPED") {
  auto a = add("sim", "a", attrs({{"run_time", caf::config_value{"3s"}}}));
  auto b = add("sim", "b");
  condition(resource_action::start, {b}, {a}, resource_state::stopped);
  deploy();
  advance(2s);
  CHECK(state(b) == resource_state::ready);
  advance(2s);
  CHECK(state(b) == resource_state::started);
  CHECK(at(a, resource_state::stopped) == 3000);
  CHECK(at(b, resource_state::started) == 3000);
  CHECK(at(b, resource_state::ready) == 0);
}

TEST_CASE_FIXTURE(experiment_fixture, "N13: waiting on a FAILED resource") {
  SUBCASE("critical: the waiting resource fails, naming it") {
    auto server = add("sim", "server",
                      attrs({{"fail_at", caf::config_value{"start"}}}));
    auto client = add("sim", "client");
    condition(resource_action::start, {client}, {server},
              resource_state::started, 1s);
    auto done = later(wait_for{resource_state::started, {client}});
    deploy({server, client});
    advance(2s);
    auto c = info(client);
    CHECK(c.times_ns[static_cast<size_t>(resource_state::started)] < 0);
    REQUIRE(done->has_value());
    CHECK(to_text(**done).find("server") != std::string::npos);
    CHECK(failures().level == failure_level::rm_failure);
  }
  SUBCASE("critical: a hook waiting for it fails with its name") {
    auto node
        = add("sim", "node", attrs({{"fail_at", caf::config_value{"deploy"}}}));
    auto app = add("app", "app");
    connect(app, node);
    auto w = later(wait_for{resource_state::ready, {node}});
    deploy({node, app});
    auto a = info(app);
    CHECK(a.times_ns[static_cast<size_t>(resource_state::failed)] >= 0);
    CHECK(a.error.find("node") != std::string::npos);
    REQUIRE(w->has_value());
    CHECK(**w);
  }
  SUBCASE("not critical: the condition counts as met") {
    auto server = add("sim", "server",
                      attrs({{"fail_at", caf::config_value{"start"}},
                             {"critical", caf::config_value{false}}}));
    auto client = add("sim", "client");
    condition(resource_action::start, {client}, {server},
              resource_state::started, 1s);
    deploy({server, client});
    advance(2s);
    CHECK(state(server) == resource_state::failed);
    CHECK(state(client) == resource_state::started);
    CHECK(at(client, resource_state::started) == 1000);
    CHECK(failures().level == failure_level::ok);
  }
}

TEST_CASE_FIXTURE(experiment_fixture,
                  "N14: wait-all-ready holds every start until the last "
                  "READY") {
  guid_list all;
  for (int i = 0; i < 5; ++i)
    all.push_back(add(
        "sim", "r" + std::to_string(i),
        attrs({{"deploy_time", caf::config_value{std::to_string(i) + "s"}}})));
  SUBCASE("with") {
    deploy(all, true);
    advance(10s);
    int64_t latest_ready = 0;
    int64_t earliest_start = 1 << 30;
    for (auto g : all) {
      latest_ready = std::max(latest_ready, at(g, resource_state::ready));
      earliest_start = std::min(earliest_start, at(g, resource_state::started));
    }
    CHECK(latest_ready == 4000);
    CHECK(earliest_start >= latest_ready);
  }
  SUBCASE("without") {
    deploy(all, false);
    advance(10s);
    for (int i = 0; i < 5; ++i)
      CHECK(at(all[i], resource_state::started) == i * 1000);
  }
}

TEST_CASE_FIXTURE(experiment_fixture,
                  "deploy groups wait for their own members only") {
  troupe::guid_list r;
  for (int i = 0; i < 4; ++i)
    r.push_back(add(
        "sim", "r" + std::to_string(i),
        attrs({{"deploy_time", caf::config_value{std::to_string(i) + "s"}}})));
  deploy({r[0], r[1]}, true);
  deploy({r[2], r[3]}, true);
  advance(10s);
  // Each group starts at its own latest READY: 1 s and 3 s.
  CHECK(at(r[0], resource_state::started) == 1000);
  CHECK(at(r[1], resource_state::started) == 1000);
  CHECK(at(r[2], resource_state::started) == 3000);
  CHECK(at(r[3], resource_state::started) == 3000);
}

TEST_CASE_FIXTURE(experiment_fixture,
                  "N15: a STOP condition stops 2 s after STARTED") {
  auto a = add("sim", "a", attrs({{"deploy_time", caf::config_value{"1s"}}}));
  condition(resource_action::stop, {a}, {a}, resource_state::started, 2s);
  deploy();
  advance(5s);
  CHECK(at(a, resource_state::started) == 1000);
  CHECK(at(a, resource_state::stopped) == 3000);
}

TEST_CASE_FIXTURE(experiment_fixture, "N16: shutdown drops pending tasks and "
                                      "releases everything") {
  auto ok = add("sim", "ok");
  auto bad = add("sim", "bad",
                 attrs({{"fail_at", caf::config_value{"start"}},
                        {"critical", caf::config_value{false}}}));
  deploy();
  CHECK(state(bad) == resource_state::failed);
  auto pending = schedule(*this, 100s, resource_action::stop, {ok});
  auto done = later(shutdown_experiment{});
  REQUIRE(done->has_value());
  CHECK(!**done);
  CHECK(state(ok) == resource_state::released);
  CHECK(state(bad) == resource_state::released);
  CHECK(!request<task_info>(ctl, get_task{pending}));
  advance(200s);
  CHECK(state(ok) == resource_state::released);
  // A state change after RELEASED is ignored.
  anon_send(ctl,
            resource_update{
                ok, resource_state::started, std::vector<int64_t>(8, 0), {}});
  run();
  CHECK(state(ok) == resource_state::released);
}

TEST_CASE_FIXTURE(experiment_fixture,
                  "N16: a failed controller says so on shutdown") {
  auto a = add("sim", "a");
  CHECK(!request<uint64_t>(ctl, add_resource{"broken", "b", {}, {}, {}}));
  CHECK(failures().level == failure_level::ec_failure);
  auto done = later(shutdown_experiment{});
  REQUIRE(done->has_value());
  REQUIRE(**done);
  CHECK(to_text(**done).find("controller failed") != std::string::npos);
  CHECK(state(a) == resource_state::released);
  auto report = request<experiment_report>(ctl, get_report{});
  REQUIRE(report);
  CHECK(report->state == "failed");
  // Waiting for RELEASED returns early when the controller failed.
  auto w = later(wait_for{resource_state::released, {a}});
  REQUIRE(w->has_value());
  CHECK(code_of(**w) == errc::aborted);
}

TEST_CASE_FIXTURE(experiment_fixture,
                  "N17: a node is released after everything connected to it") {
  auto node = add("node", "node");
  guid_list apps;
  for (int i = 0; i < 3; ++i) {
    apps.push_back(
        add("app", "app" + std::to_string(i),
            attrs({{"release_time",
                    caf::config_value{std::to_string(i + 1) + "s"}}})));
    connect(apps.back(), node);
  }
  deploy();
  auto done = later(shutdown_experiment{});
  advance(5s);
  REQUIRE(done->has_value());
  for (auto app : apps)
    CHECK(at(node, resource_state::released)
          >= at(app, resource_state::released));
  CHECK(at(node, resource_state::released) == 3000);
}

TEST_CASE_FIXTURE(experiment_fixture,
                  "N18: hard_release resources leave the registry") {
  auto keep = add("sim", "keep");
  auto gone
      = add("sim", "gone", attrs({{"hard_release", caf::config_value{true}}}));
  deploy();
  auto done = later(shutdown_experiment{});
  REQUIRE(done->has_value());
  CHECK(state(keep) == resource_state::released);
  CHECK(!request<resource_info>(ctl, get_resource{gone}));
  auto all = request<resource_list>(ctl, list_resources{});
  REQUIRE(all);
  CHECK(all->resources.size() == 1);
}

TEST_CASE_FIXTURE(experiment_fixture,
                  "N19: wrong-state actions are refused and change nothing") {
  auto a = add("sim", "a");
  auto refused = [&](resource_action x) {
    auto err = request<void>(ctl, resource_command{x, a});
    return code_of(err) == errc::wrong_state;
  };
  CHECK(refused(resource_action::start));
  CHECK(refused(resource_action::stop));
  CHECK(state(a) == resource_state::new_);
  CHECK(!request<void>(ctl, resource_command{resource_action::deploy, a}));
  CHECK(state(a) == resource_state::ready);
  CHECK(refused(resource_action::deploy));
  CHECK(refused(resource_action::stop));
  CHECK(state(a) == resource_state::ready);
  CHECK(!request<void>(ctl, resource_command{resource_action::start, a}));
  CHECK(refused(resource_action::start));
  CHECK(!request<void>(ctl, resource_command{resource_action::stop, a}));
  CHECK(state(a) == resource_state::stopped);
  CHECK(!request<void>(ctl, resource_command{resource_action::start, a}));
  CHECK(!request<void>(ctl, resource_command{resource_action::release, a}));
  CHECK(refused(resource_action::release));
  CHECK(refused(resource_action::start));
  CHECK(state(a) == resource_state::released);
  auto times = info(a).times_ns;
  CHECK(times[static_cast<size_t>(resource_state::failed)] == -1);
}

TEST_CASE_FIXTURE(experiment_fixture, "N20: what each wait waits for") {
  auto a = add("sim", "a",
               attrs({{"deploy_time", caf::config_value{"1s"}},
                      {"run_time", caf::config_value{"2s"}}}));
  auto deployed = later(wait_for{resource_state::ready, {a}});
  auto started = later(wait_for{resource_state::started, {a}});
  auto finished = later(wait_for{resource_state::stopped, {a}});
  auto released = later(wait_for{resource_state::released, {a}});
  deploy();
  advance(999ms);
  CHECK(!deployed->has_value());
  advance(1ms);
  CHECK(deployed->has_value());
  CHECK(started->has_value()); // started right after READY
  CHECK(!finished->has_value());
  advance(2s);
  CHECK(finished->has_value());
  CHECK(!released->has_value());
  CHECK(!request<void>(ctl, resource_command{resource_action::release, a}));
  CHECK(released->has_value());
  // Already reached: answered at once; unknown guids are refused.
  CHECK(!request<void>(ctl, wait_for{resource_state::started, {a}, 0}));
  CHECK(code_of(request<void>(ctl, wait_for{resource_state::ready, {42}, 0}))
        == errc::not_found);
}

TEST_CASE_FIXTURE(experiment_fixture,
                  "restart policy: restarts within its bound, then fails") {
  restart_policy policy{2, 1s, 2.0};
  SUBCASE("recovers within the bound") {
    auto a = add("sim", "a", attrs({{"fail_starts", caf::config_value{2}}}),
                 policy);
    deploy();
    CHECK(state(a) == resource_state::failed);
    advance(999ms);
    CHECK(state(a) == resource_state::failed);
    advance(1ms); // first restart after 1 s: fails again
    CHECK(state(a) == resource_state::failed);
    advance(2s); // second after 2 s more: starts
    CHECK(state(a) == resource_state::started);
    CHECK(info(a).restarts == 2);
    CHECK(at(a, resource_state::started) == 3000);
    CHECK(failures().level == failure_level::ok);
  }
  SUBCASE("gives up after the bound") {
    auto a = add("sim", "a", attrs({{"fail_starts", caf::config_value{5}}}),
                 policy);
    auto done = later(wait_for{resource_state::stopped, {a}});
    deploy();
    advance(10s);
    auto summary = failures();
    REQUIRE(summary.records.size() == 3);
    CHECK(summary.records[0].decision.action == failure_action::restart);
    CHECK(summary.records[0].decision.delay == caf::timespan{1s});
    CHECK(summary.records[1].decision.action == failure_action::restart);
    CHECK(summary.records[1].decision.delay == caf::timespan{2s});
    CHECK(summary.records[2].decision.action == failure_action::abort);
    CHECK(summary.level == failure_level::rm_failure);
    REQUIRE(done->has_value());
    CHECK(code_of(**done) == errc::aborted);
    CHECK(info(a).restarts == 2);
  }
}

TEST_CASE_FIXTURE(experiment_fixture, "N22: traces") {
  auto a = add("sim", "a",
               attrs({{"trace", caf::config_value{"0123456789abcdef"}}}));
  deploy();
  auto all = request<trace_data>(ctl, read_trace{a, "log", trace_query::all});
  REQUIRE(all);
  CHECK(all->text == "0123456789abcdef");
  auto size = request<trace_data>(ctl, read_trace{a, "log", trace_query::size});
  REQUIRE(size);
  CHECK(size->size == 16);
  auto block = request<trace_data>(
      ctl, read_trace{a, "log", trace_query::stream, 5, 1});
  REQUIRE(block);
  CHECK(block->text == "56789");
  auto names = request<std::vector<std::string>>(ctl, list_traces{a});
  REQUIRE(names);
  CHECK(*names == std::vector<std::string>{"log"});
  CHECK(code_of(request<trace_data>(ctl, read_trace{a, "nope"}).error())
        == errc::not_found);
  // Without a trace folder the trace lives in memory only: no path.
  auto path = request<trace_data>(ctl, read_trace{a, "log", trace_query::path});
  REQUIRE(path);
  CHECK(path->text.empty());
  CHECK(path->size == 16);
}

TEST_CASE("N22: a trace's path names the file in the trace folder that "
          "holds its content") {
  test::temp_dir dir;
  experiment_options opts;
  opts.trace_dir = dir.path();
  experiment_fixture fx{opts};
  auto a = fx.add("sim", "a",
                  attrs({{"trace", caf::config_value{"0123456789abcdef"}}}));
  fx.deploy();
  auto path
      = fx.request<trace_data>(fx.ctl, read_trace{a, "log", trace_query::path});
  REQUIRE(path);
  CHECK(path->text == dir.file("a.log"));
  CHECK(path->size == 16);
  // The query flushes, so the file holds everything written so far.
  std::ifstream in{path->text, std::ios::binary};
  REQUIRE(in);
  std::string content{std::istreambuf_iterator<char>{in}, {}};
  CHECK(content == "0123456789abcdef");
}

TEST_CASE_FIXTURE(experiment_fixture, "registering refuses bad input") {
  CHECK(
      code_of(
          request<uint64_t>(ctl, add_resource{"nope", "x", {}, {}, {}}).error())
      == errc::not_found);
  CHECK(code_of(request<uint64_t>(ctl, add_resource{"replay", "x", {}, {}, {}})
                    .error())
        == errc::invalid_config); // `paths` is required
  CHECK(code_of(
            request<uint64_t>(
                ctl, add_resource{"sim",
                                  "x",
                                  attrs({{"colour", caf::config_value{"red"}}}),
                                  {},
                                  {}})
                .error())
        == errc::invalid_config);
  add("sim", "x");
  CHECK(
      code_of(
          request<uint64_t>(ctl, add_resource{"sim", "x", {}, {}, {}}).error())
      == errc::duplicate_name);
}

TEST_CASE_FIXTURE(experiment_fixture,
                  "the report has identity, times and timers") {
  auto a = add("sim", "a",
               attrs({{"deploy_time", caf::config_value{"1s"}},
                      {"run_time", caf::config_value{"2s"}}}));
  deploy();
  advance(5s);
  auto report = request<experiment_report>(ctl, get_report{});
  REQUIRE(report);
  CHECK(report->exp_id.rfind("exp-", 0) == 0);
  CHECK(report->exp_id.size() == 20);
  CHECK(!report->run_id.empty());
  CHECK(report->state == "finished");
  REQUIRE(report->resources.size() == 1);
  CHECK(report->resources[0].guid == a);
  auto timer = std::find_if(report->timers.begin(), report->timers.end(),
                            [](auto& t) { return t.name == "run"; });
  REQUIRE(timer != report->timers.end());
  CHECK(timer->n == 1);
  CHECK(timer->total_s == doctest::Approx(2.0));
}
