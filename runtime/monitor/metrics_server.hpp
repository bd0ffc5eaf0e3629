#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "troupe/actors/monitor.hpp"

#include <caf/expected.hpp>
#include <caf/fwd.hpp>
#include <caf/timespan.hpp>

namespace troupe {

/// Where and how the metrics endpoint listens.
struct metrics_server_options {
  /// Loopback by default: the endpoint has no authentication.
  std::string host = "127.0.0.1";
  /// 0 picks a free port (see `metrics_server::port`).
  uint16_t port = 0;
  /// How long a request waits for the monitor's snapshot.
  caf::timespan request_timeout = std::chrono::seconds{2};
  /// How often the status page refreshes itself.
  int page_refresh_ms = 2000;
  /// Threads answering requests.
  size_t threads = 2;
};

/// The monitor over HTTP: `/metrics` (Prometheus text format), `/` (a status
/// page with the tree in alert colours that refreshes itself) and
/// `/snapshot.json` (what the page reads). Each request asks the monitor
/// for a fresh snapshot; a monitor that does not answer in time gets a 503
/// saying so, never stale data. Needs CAF's threaded scheduler.
class metrics_server {
public:
  metrics_server(caf::actor_system& sys, monitor_actor mon,
                 metrics_server_options opts = {});

  metrics_server(const metrics_server&) = delete;

  metrics_server& operator=(const metrics_server&) = delete;

  /// Stops the server if it runs.
  ~metrics_server();

  /// Binds and starts listening; returns the port. Errors: `io_error`
  /// naming host and port, `wrong_state` when already started,
  /// `unsupported` under CAF's test coordinator.
  caf::expected<uint16_t> start();

  /// Stops listening and waits for the server thread. Idempotent.
  void stop();

  bool running() const;

  /// The bound port (0 before `start`).
  uint16_t port() const;

  /// Requests answered on `path` so far.
  uint64_t requests(const std::string& path) const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace troupe
