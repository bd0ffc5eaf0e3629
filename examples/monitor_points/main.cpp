// A monitor with custom points, watched live.
//
// A boiler's temperature drifts (a random walk with alert thresholds), one
// poll reads the three load averages, a one-shot point records the start, a
// slow poll takes a second without delaying anything else, the main loop
// pushes a heartbeat, and an agent publishes readings so the runtime's own
// points show a topic rate. The live table redraws in place on a terminal
// (appended otherwise); `--metrics-port P` also serves /metrics and a status
// page on 127.0.0.1:P while the example runs.
//
//   monitor_points [--seconds S] [--metrics-port P]

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <tuple>

#include "troupe/actors/agent.hpp"
#include "troupe/actors/monitor.hpp"
#include "troupe/actors/table_view.hpp"
#include "troupe/runtime/monitor/builtin_points.hpp"
#include "troupe/runtime/monitor/json.hpp"
#include "troupe/runtime/monitor/metrics_server.hpp"
#include "troupe/runtime/monitor/poll.hpp"
#include "troupe/runtime/runtime.hpp"

#include <caf/all.hpp>

using namespace std::chrono_literals;
using namespace troupe;

// -- an agent that publishes readings ----------------------------------------

struct boiler_reading {
  double celsius = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, boiler_reading& x) {
  return f(caf::meta::type_name("boiler_reading"), x.celsius);
}

CAF_BEGIN_TYPE_ID_BLOCK(monitor_points, troupe::first_user_type_id)
CAF_ADD_TYPE_ID(monitor_points, (boiler_reading))
CAF_END_TYPE_ID_BLOCK(monitor_points)

/// Publishes a reading every 100 ms on "plant/boiler".
class publisher : public agent {
public:
  publisher(caf::actor_config& cfg, std::string name,
            std::shared_ptr<std::atomic<double>> temperature)
      : agent(cfg, std::move(name)), temperature_(std::move(temperature)) {
    // nop
  }

protected:
  handler_set handlers() override {
    return handle([this](caf::tick_atom) {
      publish("plant/boiler", boiler_reading{temperature_->load()});
      delayed_send(this, 100ms, caf::tick_atom::value);
    });
  }

  void work() override { send(this, caf::tick_atom::value); }

private:
  std::shared_ptr<std::atomic<double>> temperature_;
};

// -- the points ---------------------------------------------------------------

point_options options(std::string parent, caf::timespan dt) {
  point_options opts;
  opts.parent = std::move(parent);
  opts.dt = dt;
  return opts;
}

/// A random walk with alert thresholds, like libgs' cpu_usage example.
point_spec boiler(std::shared_ptr<std::atomic<double>> temperature) {
  auto opts = options("plant", 200ms);
  opts.unit = "celsius";
  opts.help = "Boiler temperature.";
  opts.critical = true; // a Critical reading goes to the failure handler
  auto rng = std::make_shared<std::mt19937>(42);
  return make_point("boiler", opts, poll([temperature, rng] {
                      std::normal_distribution<double> step{0.4, 2.0};
                      auto t = temperature->load() + step(*rng);
                      temperature->store(t);
                      if (t > 95)
                        return alert::critical(t);
                      if (t > 80)
                        return alert::red(t);
                      if (t > 70)
                        return alert::orange(t);
                      return alert::green(t);
                    }));
}

/// One poll, three points.
point_spec load_averages() {
  return make_points({"load 1m", "load 5m", "load 15m"}, options("host", 1s),
                     poll([]() -> poll_result {
                       std::ifstream in{"/proc/loadavg"};
                       double a = 0, b = 0, c = 0;
                       if (!(in >> a >> b >> c))
                         return poll_result::failure(
                             "cannot read /proc/loadavg");
                       return std::make_tuple(a, b, c);
                     }));
}

/// Polled once.
point_spec started_at() {
  auto opts = options("host", 0s);
  opts.once = true;
  auto now
      = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::string text = std::ctime(&now);
  text.pop_back(); // ctime's newline
  return make_point("started", opts, poll([text] { return text; }));
}

/// Takes a second; never delays the 200 ms boiler poll.
point_spec slow_probe() {
  return make_point("slow probe", options("host", 2s), poll([] {
                      std::this_thread::sleep_for(1s);
                      return alert::green("ok");
                    }));
}

// -- main
// -----------------------------------------------------------------------

int main(int argc, char** argv) {
  double seconds = 4;
  int metrics_port = -1;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string arg = argv[i];
    if (arg == "--seconds")
      seconds = std::atof(argv[i + 1]);
    else if (arg == "--metrics-port")
      metrics_port = std::atoi(argv[i + 1]);
  }
  config cfg;
  cfg.add_message_types<caf::id_block::monitor_points>();
  runtime rt{cfg};
  monitor_config mcfg;
  mcfg.tick = 250ms;
  auto mon = spawn_monitor(rt, mcfg);
  if (!mon) {
    std::cerr << to_text(mon.error()) << '\n';
    return 1;
  }
  // The failure manager's place: here it only says what it got.
  auto failures = rt.spawn([](caf::event_based_actor* self) -> caf::behavior {
    return {[self](const critical_alert& x) {
      caf::aout(self) << "failure handler: '" << x.point << "' is CRITICAL ("
                      << to_string(x.value) << ")" << std::endl;
    }};
  });
  caf::anon_send(*mon, caf::put_atom::value, critical_atom::value, failures);
  auto temperature = std::make_shared<std::atomic<double>>(60.0);
  for (auto spec :
       {boiler(temperature), load_averages(), started_at(), slow_probe()})
    caf::anon_send(*mon, caf::add_atom::value, std::move(spec));
  auto beat = options("host", 250ms);
  caf::anon_send(*mon, caf::add_atom::value,
                 make_pushed_point("heartbeat", beat));
  add_runtime_points(rt, *mon);
  if (!rt.spawn_agent<publisher>("publisher", temperature)) {
    std::cerr << "cannot spawn the publisher\n";
    return 1;
  }
  std::unique_ptr<metrics_server> server;
  if (metrics_port >= 0) {
    metrics_server_options opts;
    opts.port = static_cast<uint16_t>(metrics_port);
    server = std::make_unique<metrics_server>(rt.system(), *mon, opts);
    if (auto port = server->start(); !port) {
      std::cerr << to_text(port.error()) << '\n';
      return 1;
    } else {
      std::cout << "status page: http://127.0.0.1:" << *port
                << "/  metrics: http://127.0.0.1:" << *port << "/metrics\n";
    }
  }
  table_view_options view;
  view.period = 500ms;
  if (auto v = spawn_table_view(rt, *mon, view); !v) {
    std::cerr << to_text(v.error()) << '\n';
    return 1;
  }
  auto end = std::chrono::steady_clock::now()
             + std::chrono::duration<double>(seconds);
  int64_t beats = 0;
  while (std::chrono::steady_clock::now() < end) {
    caf::anon_send(*mon, caf::put_atom::value, std::string{"heartbeat"},
                   reading{++beats});
    std::this_thread::sleep_for(250ms);
  }
  caf::scoped_actor self{rt.system()};
  int status = 1;
  self->request(*mon, 2s, caf::get_atom::value, snapshot_atom::value)
      .receive(
          [&](const monitor_snapshot& snap) {
            size_t points = 0;
            for (auto& p : snap.points)
              points += p.is_parent ? 0 : 1;
            auto overall = snap.alert == alert_level::none
                               ? std::string{"NONE"}
                               : alert_label(snap.alert);
            std::cout << "\nmonitor example: " << points
                      << " points, overall alert " << overall
                      << ", JSON snapshot of " << to_json_text(snap).size()
                      << " bytes" << std::endl;
            status = 0;
          },
          [&](caf::error& err) {
            std::cerr << "no snapshot: " << to_text(err) << '\n';
          });
  if (server)
    server->stop();
  return status;
}
