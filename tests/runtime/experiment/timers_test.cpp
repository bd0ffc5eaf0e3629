#include <thread>
#include <vector>

#include "troupe/runtime/experiment/timers.hpp"

#include <doctest/doctest.h>

using troupe::run_timers;

TEST_CASE("B8: per name total, min, quartiles, median, max and count") {
  run_timers t;
  for (double x : {4.0, 1.0, 3.0, 2.0})
    t.add("reading", x);
  t.add("writing", 0.5);
  auto xs = t.summaries();
  REQUIRE(xs.size() == 2);
  auto& r = xs[0];
  CHECK(r.name == "reading");
  CHECK(r.n == 4);
  CHECK(r.total_s == 10.0);
  CHECK(r.min_s == 1.0);
  CHECK(r.p25_s == doctest::Approx(1.75)); // linear, as numpy
  CHECK(r.median_s == doctest::Approx(2.5));
  CHECK(r.p75_s == doctest::Approx(3.25));
  CHECK(r.max_s == 4.0);
  CHECK(xs[1].n == 1);
  CHECK(xs[1].median_s == 0.5);
}

TEST_CASE("B8: merging appends") {
  run_timers a;
  run_timers b;
  a.add("x", 1);
  b.add("x", 2);
  b.add("y", 3);
  a.merge(b);
  CHECK(a.durations("x") == std::vector<double>{1, 2});
  CHECK(a.durations("y") == std::vector<double>{3});
  CHECK(b.durations("x") == std::vector<double>{2});
}

TEST_CASE("B8: 8 threads x 100 intervals give 800") {
  run_timers t;
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&t] {
      for (int j = 0; j < 100; ++j)
        t.add_since("work", run_timers::clock::now());
    });
  for (auto& th : threads)
    th.join();
  CHECK(t.durations("work").size() == 800);
  CHECK(t.summaries()[0].n == 800);
}

TEST_CASE("B8: the report starts with the wall-clock time") {
  run_timers t;
  t.add("reading", 1.5);
  auto text = t.report();
  CHECK(text.rfind("wall clock: ", 0) == 0);
  CHECK(text.find("reading") != std::string::npos);
}
