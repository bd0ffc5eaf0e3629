#include <algorithm>
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

TEST_CASE("entries added at the time of the last one share its bucket, "
          "also after buckets were taken") {
  calendar<int> cal;
  caf::actor_clock::time_point t0{};
  cal.add(t0 + 1s, 1);
  cal.add(t0 + 1s, 2);
  cal.add(t0 + 3s, 3);
  cal.add(t0 + 1s, 4);
  std::vector<int> due;
  cal.take_due(t0 + 1s, due);
  CHECK(due == std::vector<int>{1, 2, 4});
  cal.add(t0 + 3s, 5);
  cal.add(t0 + 2s, 6);
  due.clear();
  cal.take_due(t0 + 2s, due);
  CHECK(due == std::vector<int>{6});
  cal.add(t0 + 2s, 7);
  due.clear();
  cal.take_due(t0 + 3s, due);
  CHECK(due == std::vector<int>{7, 3, 5});
  CHECK(cal.empty());
  cal.add(t0 + 4s, 8);
  cal.clear();
  cal.add(t0 + 4s, 9);
  CHECK(cal.size() == 1);
}

TEST_CASE("a limited take leaves the rest due") {
  calendar<int> cal;
  caf::actor_clock::time_point t0{};
  cal.add(t0 + 1s, 1);
  cal.add(t0 + 1s, 2);
  cal.add(t0 + 1s, 3);
  cal.add(t0 + 2s, 4);
  std::vector<int> due;
  cal.take_due(t0 + 5s, due, 2);
  CHECK(due.size() == 2);
  CHECK(cal.size() == 2);
  CHECK(cal.next() == t0 + 1s);
  cal.take_due(t0 + 5s, due, 0);
  CHECK(due.size() == 2);
  cal.take_due(t0 + 5s, due, 2);
  CHECK(due.size() == 4);
  std::sort(due.begin(), due.begin() + 3);
  CHECK(due == std::vector<int>{1, 2, 3, 4});
  CHECK(cal.empty());
  cal.add(t0 + 1s, 5);
  cal.add(t0 + 1s, 6);
  due.clear();
  cal.take_due(t0 + 1s, due, 1);
  cal.add(t0 + 1s, 7);
  cal.take_due(t0 + 1s, due);
  std::sort(due.begin(), due.end());
  CHECK(due == std::vector<int>{5, 6, 7});
}
