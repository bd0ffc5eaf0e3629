#pragma once

// Helpers for monitor tests: a fixture with a monitor on virtual time, a
// recording subscriber and a log capture.

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "troupe/actors/monitor.hpp"
#include "troupe/runtime/log.hpp"
#include "troupe/runtime/monitor/poll.hpp"

#include <caf/event_based_actor.hpp>

#include <doctest/doctest.h>

#include "support/fixture.hpp"

namespace test {

/// Collects log lines while alive; restores the previous sink and level.
class log_capture {
public:
  explicit log_capture(troupe::log::level lvl = troupe::log::level::debug)
      : old_level_(troupe::log::current_level()) {
    lines_ = std::make_shared<std::vector<std::string>>();
    auto lines = lines_;
    old_sink_ = troupe::log::set_sink(
        [lines](troupe::log::level, const std::string& text) {
          lines->push_back(text);
        });
    troupe::log::set_level(lvl);
  }

  ~log_capture() {
    troupe::log::set_sink(std::move(old_sink_));
    troupe::log::set_level(old_level_);
  }

  const std::vector<std::string>& lines() const { return *lines_; }

  /// Lines containing `text`.
  size_t count(const std::string& text) const {
    size_t result = 0;
    for (auto& line : *lines_)
      if (line.find(text) != std::string::npos)
        ++result;
    return result;
  }

  void clear() { lines_->clear(); }

private:
  std::shared_ptr<std::vector<std::string>> lines_;
  troupe::log::sink old_sink_;
  troupe::log::level old_level_;
};

/// Options polling every `dt`, optionally under `parent`.
inline troupe::point_options every(caf::timespan dt, std::string parent = {}) {
  troupe::point_options opts;
  opts.dt = dt;
  opts.parent = std::move(parent);
  return opts;
}

/// The test fixture plus a monitor (polls run inline, on virtual time).
struct monitor_fixture : fixture {
  troupe::monitor_actor mon;

  explicit monitor_fixture(troupe::monitor_config cfg = {}) {
    auto hdl = troupe::spawn_monitor(rt(), std::move(cfg));
    REQUIRE(hdl);
    mon = *hdl;
    run();
  }

  caf::error add(troupe::point_spec spec) {
    return request<void>(mon, caf::add_atom::value, std::move(spec));
  }

  /// Adds and requires success.
  void must_add(troupe::point_spec spec) {
    auto err = add(std::move(spec));
    REQUIRE_MESSAGE(!err, troupe::to_text(err));
  }

  troupe::point_info info(const std::string& name) {
    auto result = request<troupe::point_info>(mon, caf::get_atom::value, name);
    REQUIRE_MESSAGE(result, troupe::to_text(result.error()));
    return *result;
  }

  troupe::monitor_snapshot snapshot() {
    auto result = request<troupe::monitor_snapshot>(
        mon, caf::get_atom::value, troupe::snapshot_atom::value);
    REQUIRE(result);
    return *result;
  }

  /// Virtual time since the fixture started, in ms.
  int64_t ms_since(caf::actor_clock::time_point start) const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(now() - start)
        .count();
  }
};

/// Records every `point_update` it receives.
struct update_log {
  std::vector<troupe::point_update> updates;
  size_t batches = 0;

  std::vector<troupe::point_update> of(const std::string& name) const {
    std::vector<troupe::point_update> result;
    for (auto& x : updates)
      if (x.name == name)
        result.push_back(x);
    return result;
  }
};

/// Spawns a plain actor that appends every update to `log` (tests run on one
/// thread, so the reference is safe).
inline caf::actor spawn_recorder(troupe::runtime& rt, update_log& log) {
  return rt.spawn([&log](caf::event_based_actor*) -> caf::behavior {
    return {
        [&log](const std::vector<troupe::point_update>& xs) {
          ++log.batches;
          log.updates.insert(log.updates.end(), xs.begin(), xs.end());
        },
    };
  });
}

} // namespace test
