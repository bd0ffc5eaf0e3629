#include "troupe/runtime/monitor/metrics_server.hpp"

#include <atomic>
#include <map>
#include <mutex>
#include <sys/socket.h>
#include <thread>

#include "troupe/messages/errors.hpp"
#include "troupe/runtime/log.hpp"
#include "troupe/runtime/monitor/json.hpp"
#include "troupe/runtime/monitor/prometheus.hpp"
#include "troupe/runtime/monitor/status_page.hpp"

#include <caf/actor_system.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/scoped_actor.hpp>

#include <httplib.h>

namespace troupe {

struct metrics_server::impl {
  caf::actor_system& sys;
  monitor_actor mon;
  metrics_server_options opts;
  httplib::Server server;
  std::thread thread;
  std::atomic<uint16_t> port{0};
  std::atomic<bool> started{false};
  std::atomic<bool> listen_returned{false};
  mutable std::mutex counts_mtx;
  std::map<std::string, uint64_t> counts;

  impl(caf::actor_system& sys, monitor_actor mon, metrics_server_options opts)
      : sys(sys), mon(std::move(mon)), opts(std::move(opts)) {
    // nop
  }

  void count(const std::string& path) {
    std::lock_guard<std::mutex> guard{counts_mtx};
    ++counts[path];
  }

  /// Asks the monitor; runs on a server thread, never in an actor.
  caf::expected<monitor_snapshot> fetch() {
    caf::expected<monitor_snapshot> result{
        make_error(errc::timeout, "the monitor did not answer")};
    try {
      caf::scoped_actor self{sys};
      self->request(mon, opts.request_timeout, caf::get_atom::value,
                    snapshot_atom::value)
          .receive([&](monitor_snapshot& snap) { result = std::move(snap); },
                   [&](caf::error& err) { result = std::move(err); });
    } catch (const std::exception& ex) {
      result = make_error(errc::io_error, ex.what());
    }
    return result;
  }

  void routes() {
    server.Get("/metrics",
               [this](const httplib::Request&, httplib::Response& res) {
                 count("/metrics");
                 auto snap = fetch();
                 if (!snap) {
                   res.status = 503;
                   res.set_content("monitor did not answer: "
                                       + to_text(snap.error()) + "\n",
                                   "text/plain; charset=utf-8");
                   return;
                 }
                 res.set_content(to_prometheus(*snap), prometheus_content_type);
               });
    server.Get("/snapshot.json",
               [this](const httplib::Request&, httplib::Response& res) {
                 count("/snapshot.json");
                 auto snap = fetch();
                 if (!snap) {
                   res.status = 503;
                   nlohmann::json body{{"error", to_text(snap.error())}};
                   res.set_content(body.dump(), "application/json");
                   return;
                 }
                 res.set_header("Cache-Control", "no-store");
                 res.set_content(to_json_text(*snap), "application/json");
               });
    server.Get("/", [this](const httplib::Request&, httplib::Response& res) {
      count("/");
      auto snap = fetch();
      if (!snap) {
        res.status = 503;
        res.set_content(render_status_page_unreachable(to_text(snap.error()),
                                                       opts.page_refresh_ms),
                        "text/html; charset=utf-8");
        return;
      }
      res.set_content(render_status_page(*snap, opts.page_refresh_ms),
                      "text/html; charset=utf-8");
    });
    // httplib's default sets SO_REUSEPORT, which lets a second process
    // listen on the same port and take half the scrapes. Reusing an address
    // in TIME_WAIT is all a restart needs.
    server.set_socket_options([](socket_t sock) {
      int yes = 1;
      setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    });
    auto threads = opts.threads;
    server.new_task_queue = [threads] {
      return new httplib::ThreadPool(threads);
    };
  }
};

metrics_server::metrics_server(caf::actor_system& sys, monitor_actor mon,
                               metrics_server_options opts)
    : impl_(std::make_unique<impl>(sys, std::move(mon), std::move(opts))) {
  impl_->routes();
}

metrics_server::~metrics_server() {
  stop();
}

caf::expected<uint16_t> metrics_server::start() {
  auto& d = *impl_;
  if (d.started)
    return make_error(errc::wrong_state, "the metrics server already runs on "
                                         "port "
                                             + std::to_string(d.port.load()));
  if (dynamic_cast<caf::scheduler::test_coordinator*>(&d.sys.scheduler()))
    return make_error(errc::unsupported,
                      "the metrics server needs CAF's threaded scheduler, "
                      "not the test coordinator");
  auto where = d.opts.host + ":" + std::to_string(d.opts.port);
  int port = d.opts.port;
  if (port == 0) {
    port = d.server.bind_to_any_port(d.opts.host);
    if (port < 0)
      port = 0;
  } else if (!d.server.bind_to_port(d.opts.host, port)) {
    port = 0;
  }
  if (port == 0)
    return make_error(errc::io_error,
                      "metrics server: cannot listen on " + where
                          + " (address in use or not available)");
  d.port = static_cast<uint16_t>(port);
  d.started = true;
  d.listen_returned = false;
  d.thread = std::thread{[&d] {
    if (!d.server.listen_after_bind())
      log::error("metrics server on {}:{} stopped listening", d.opts.host,
                 d.port.load());
    d.listen_returned = true;
  }};
  // httplib's stop() does nothing until the server loop runs: wait for it,
  // so that a stop right after start cannot leave the thread listening.
  while (!d.server.is_running() && !d.listen_returned)
    std::this_thread::sleep_for(std::chrono::milliseconds{1});
  log::info("metrics server: http://{}:{}/ (metrics at /metrics)", d.opts.host,
            d.port.load());
  return d.port.load();
}

void metrics_server::stop() {
  auto& d = *impl_;
  if (!d.started)
    return;
  d.server.stop();
  if (d.thread.joinable())
    d.thread.join();
  d.started = false;
}

bool metrics_server::running() const {
  return impl_->started && impl_->server.is_running();
}

uint16_t metrics_server::port() const {
  return impl_->port;
}

uint64_t metrics_server::requests(const std::string& path) const {
  std::lock_guard<std::mutex> guard{impl_->counts_mtx};
  auto i = impl_->counts.find(path);
  return i != impl_->counts.end() ? i->second : 0;
}

} // namespace troupe
