#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "troupe/runtime/monitor/poll.hpp"

#include <doctest/doctest.h>

using namespace troupe;

TEST_CASE("poll results accept values, alerts, tuples and errors") {
  poll_result one{3.5};
  CHECK(one.ok());
  REQUIRE(one.size() == 1);
  CHECK(one.at(0).value == point_value{3.5});
  poll_result many{1, alert::red("two"), 3};
  CHECK(many.size() == 3);
  CHECK(many.at(1).alert == alert_level::red);
  poll_result tuple{std::make_tuple(true, alert::orange(2))};
  CHECK(tuple.size() == 2);
  CHECK(tuple.at(1).alert == alert_level::orange);
  poll_result named{std::vector<named_reading>{{"a", 1, ""}}};
  CHECK(named.is_named());
  CHECK(named.size() == 1);
  poll_result failed{make_error(errc::io_error, "disk gone")};
  CHECK(!failed.ok());
  CHECK(failed.error() == "io_error: disk gone");
  CHECK(poll_result{caf::error{}}.error()
        == "the poll returned an empty "
           "error");
  caf::expected<int> ok{4};
  CHECK(poll_result{ok}.at(0).value == point_value{4});
  caf::expected<int> bad{make_error(errc::timeout, "late")};
  CHECK(poll_result{bad}.error() == "timeout: late");
}

TEST_CASE("poll functions turn exceptions into failed results") {
  auto fn = poll([]() -> int { throw std::runtime_error("boom"); });
  CHECK(fn->type() == poll_function::kind::sync);
  CHECK(fn->call().error() == "the poll threw: boom");
  auto weird = poll([]() -> int { throw 42; });
  CHECK(weird->call().error() == "the poll threw: a non-standard exception");
}

TEST_CASE("a promise counts its first result only, and a dropped one "
          "fails") {
  std::vector<detail::poll_outcome> got;
  size_t wakeups = 0;
  auto inbox = std::make_shared<detail::poll_inbox>([&] { ++wakeups; });
  {
    auto p = poll_promise::make(inbox, 7, 1);
    CHECK(p.pending());
    CHECK(p.deliver(5));
    CHECK(!p.deliver(6));
    CHECK(!p.fail("late"));
    CHECK(!p.pending());
  }
  { auto dropped = poll_promise::make(inbox, 8, 1); }
  inbox->take(got);
  REQUIRE(got.size() == 2);
  CHECK(got[0].source == 7);
  CHECK(got[0].result.at(0).value == point_value{5});
  CHECK(got[1].source == 8);
  CHECK(got[1].result.error()
        == "the poll ended without delivering a "
           "result");
  CHECK(wakeups == 1);
  // Once the monitor is gone, deliveries are refused.
  inbox->close();
  CHECK(!poll_promise::make(inbox, 9, 1).deliver(1));
}
