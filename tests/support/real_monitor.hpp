#pragma once

// A monitor on CAF's threaded scheduler, for tests of the HTTP endpoint and
// the browser page. Points are pushed, so their values are known exactly.

#include <string>
#include <utility>

#include "troupe/actors/monitor.hpp"
#include "troupe/runtime/runtime.hpp"

#include <caf/scoped_actor.hpp>

#include <doctest/doctest.h>

namespace test {

struct real_monitor {
  troupe::config cfg;
  troupe::runtime rt{cfg};
  troupe::monitor_actor mon;

  real_monitor() {
    auto hdl = troupe::spawn_monitor(rt);
    REQUIRE(hdl);
    mon = *hdl;
  }

  /// Sends a request with an empty answer and waits for it (from a test
  /// thread, no actor).
  template <class... Ts>
  caf::error call(Ts&&... xs) {
    caf::error result;
    caf::scoped_actor self{rt.system()};
    self->request(mon, caf::infinite, std::forward<Ts>(xs)...)
        .receive([] {}, [&](caf::error& err) { result = err; });
    return result;
  }

  void push(const std::string& name, troupe::reading value,
            const std::string& parent = {}) {
    troupe::point_options opts;
    opts.parent = parent;
    opts.dt = std::chrono::hours{1};
    // Registering again is refused as a duplicate: ignore that.
    call(caf::add_atom::value, troupe::make_pushed_point(name, opts));
    auto err = call(caf::put_atom::value, name, std::move(value));
    REQUIRE_MESSAGE(!err, troupe::to_text(err));
  }
};

} // namespace test
