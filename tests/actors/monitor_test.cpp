// The monitor actor: configuration, the critical-alert hook, and its worker
// threads on the real scheduler.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "troupe/actors/monitor.hpp"
#include "troupe/runtime/runtime.hpp"

#include <caf/scoped_actor.hpp>

#include <doctest/doctest.h>

#include "support/monitor.hpp"

using namespace std::chrono_literals;
using namespace troupe;
using test::every;
using test::monitor_fixture;

namespace {

/// A gate that tests open from another thread.
struct gate {
  std::mutex mtx;
  std::condition_variable cv;
  bool open = false;

  void release() {
    std::lock_guard<std::mutex> guard{mtx};
    open = true;
    cv.notify_all();
  }

  void wait() {
    std::unique_lock<std::mutex> guard{mtx};
    cv.wait(guard, [this] { return open; });
  }
};

} // namespace

TEST_CASE("bad monitor configurations are refused with the setting named") {
  auto text = [](monitor_config cfg) {
    return to_text(validate(cfg));
  };
  monitor_config cfg;
  CHECK(!validate(cfg));
  cfg.workers = 0;
  CHECK(text(cfg)
        == "invalid_config: monitor: workers must be between 1 and 1024 "
           "(got 0)");
  cfg = {};
  cfg.tick = 0s;
  CHECK(text(cfg)
        == "invalid_config: monitor: tick must be above 0 and at most 1 h "
           "(got 0 ns)");
  cfg = {};
  cfg.stale_factor = -1;
  CHECK(text(cfg).find("stale factor must be 0 (never stale) or positive")
        != std::string::npos);
  cfg = {};
  cfg.default_dt = -5s;
  CHECK(text(cfg)
        == "invalid_config: monitor: default dt must be between 0 and 365 "
           "days (got -5 s)");
  cfg = {};
  cfg.poll_wave = 0;
  CHECK(text(cfg) == "invalid_config: monitor: poll wave must be at least 1");
  cfg = {};
  cfg.poll_wave_gap = 2s;
  CHECK(text(cfg)
        == "invalid_config: monitor: poll wave gap must be between 0 and 1 s "
           "(got 2 s)");
  test::fixture fx;
  cfg = {};
  cfg.workers = 2000;
  auto mon = spawn_monitor(fx.rt(), cfg);
  REQUIRE(!mon);
  CHECK(code_of(mon.error()) == errc::invalid_config);
}

TEST_CASE_FIXTURE(monitor_fixture, "a Critical alert on a point marked "
                                   "critical goes to the failure handler") {
  test::log_capture logs{log::level::off};
  std::vector<critical_alert> reports;
  auto handler = rt().spawn([&](caf::event_based_actor*) -> caf::behavior {
    return {
        [&](const critical_alert& x) { reports.push_back(x); },
    };
  });
  REQUIRE(
      !request<void>(mon, caf::put_atom::value, critical_atom::value, handler));
  auto value = alert::green(1);
  point_options opts = every(1s);
  opts.critical = true;
  must_add(make_point("pressure", opts, poll([&] { return value; })));
  must_add(make_point("other", every(1s), poll([&] { return value; })));
  value = alert::critical(99);
  advance(1s);
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].point == "pressure");
  CHECK(reports[0].value == point_value{99});
  CHECK(reports[0].time_ns == now().time_since_epoch().count());
  // Staying Critical is one report; leaving and coming back is another.
  advance(2s);
  CHECK(reports.size() == 1);
  value = alert::red(50);
  advance(1s);
  value = alert::critical(101);
  advance(1s);
  CHECK(reports.size() == 2);
}

TEST_CASE("a failed poll of a critical point with a Critical error alert is "
          "reported; without a handler it is logged") {
  test::log_capture logs{log::level::error};
  std::vector<critical_alert> reports;
  monitor_config cfg;
  test::monitor_fixture fx{cfg};
  point_options opts = every(1s);
  opts.critical = true;
  opts.error_alert = alert_level::critical;
  fx.must_add(make_point("valve", opts, poll([]() -> poll_result {
                           return poll_result::failure("valve stuck");
                         })));
  CHECK(logs.count("'valve' is CRITICAL and no failure handler is set") == 1);
  auto handler = fx.rt().spawn([&](caf::event_based_actor*) -> caf::behavior {
    return {[&](const critical_alert& x) {
      reports.push_back(x);
    }};
  });
  REQUIRE(!fx.request<void>(fx.mon, caf::put_atom::value, critical_atom::value,
                            handler));
  fx.must_add(make_point("valve 2", opts, poll([]() -> poll_result {
                           return poll_result::failure("valve stuck");
                         })));
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].point == "valve 2");
  CHECK(reports[0].error == "valve stuck");
}

TEST_CASE("on threads, a blocking poll holds up neither the monitor nor "
          "other polls") {
  // Real scheduler and worker threads: this test fails by hanging.
  config cfg;
  runtime rt{cfg};
  monitor_config mcfg;
  mcfg.workers = 2;
  auto mon = spawn_monitor(rt, mcfg);
  REQUIRE(mon);
  gate blocked;
  std::atomic<bool> blocking_started{false};
  point_options opts = every(10ms);
  caf::scoped_actor self{rt.system()};
  self->request(*mon, caf::infinite, caf::add_atom::value,
                make_point("blocking", opts, poll([&] {
                             blocking_started = true;
                             blocked.wait();
                             return 1;
                           })))
      .receive([] {}, [](caf::error& err) { FAIL(to_text(err)); });
  std::atomic<int> fast{0};
  self->request(*mon, caf::infinite, caf::add_atom::value,
                make_point("fast", opts, poll([&] { return ++fast; })))
      .receive([] {}, [](caf::error& err) { FAIL(to_text(err)); });
  // The fast point keeps updating while the other poll blocks a worker.
  int64_t updates = 0;
  while (updates < 5) {
    self->request(*mon, caf::infinite, caf::get_atom::value,
                  std::string{"fast"})
        .receive([&](const point_info& x) { updates = x.updates; },
                 [](caf::error& err) { FAIL(to_text(err)); });
  }
  CHECK(blocking_started);
  blocked.release();
  int64_t blocking_updates = 0;
  while (blocking_updates < 1) {
    self->request(*mon, caf::infinite, caf::get_atom::value,
                  std::string{"blocking"})
        .receive([&](const point_info& x) { blocking_updates = x.updates; },
                 [](caf::error& err) { FAIL(to_text(err)); });
  }
}

TEST_CASE("a poll that never returns does not hang shutdown") {
  test::log_capture logs{log::level::warning};
  // Shared with the poll: the abandoned worker may outlive this test.
  auto forever = std::make_shared<gate>();
  {
    config cfg;
    runtime rt{cfg};
    monitor_config mcfg;
    mcfg.shutdown_grace = 50ms;
    auto mon = spawn_monitor(rt, mcfg);
    REQUIRE(mon);
    std::atomic<bool> started{false};
    caf::anon_send(*mon, caf::add_atom::value,
                   make_point("hung", every(1s), poll([&started, forever] {
                                started = true;
                                forever->wait();
                                return 0;
                              })));
    while (!started)
      std::this_thread::yield();
  }
  CHECK(logs.count("1 poll worker(s) still busy after 50 ms at exit were "
                   "abandoned (polls in flight: 'hung')")
        == 1);
  // Let the abandoned worker finish.
  forever->release();
}
