#include <chrono>
#include <vector>

#include "troupe/runtime/monitor/detail/calendar.hpp"

#include <doctest/doctest.h>

using namespace std::chrono_literals;
using troupe::detail::calendar;

TEST_CASE("a calendar hands out entries when due, earliest first") {
  calendar<int> cal;
  caf::actor_clock::time_point t0{};
  CHECK(!cal.next());
  cal.add(t0 + 2s, 3);
  cal.add(t0 + 1s, 1);
  cal.add(t0 + 1s, 2);
  CHECK(cal.next() == t0 + 1s);
  CHECK(cal.size() == 3);
  std::vector<int> due;
  cal.take_due(t0 + 999ms, due);
  CHECK(due.empty());
  cal.take_due(t0 + 1s, due);
  CHECK(due == std::vector<int>{1, 2});
  CHECK(cal.next() == t0 + 2s);
  cal.take_due(t0 + 5s, due);
  CHECK(due == std::vector<int>{1, 2, 3});
  CHECK(cal.empty());
}
