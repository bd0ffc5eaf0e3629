#include <thread>
#include <vector>

#include "troupe/runtime/detail/lateness_histogram.hpp"

#include <doctest/doctest.h>

using troupe::detail::lateness_histogram;

TEST_CASE("buckets are exact below 64 ns and within 1/32 above") {
  for (uint64_t x :
       std::vector<uint64_t>{0, 1, 63, 64, 100, 1000, 123456, 10000000000ull}) {
    auto i = lateness_histogram::index_of(x);
    auto lo = lateness_histogram::lower_bound(i);
    CHECK(lo <= x);
    CHECK(x - lo <= std::max<uint64_t>(lo / 32, 0));
  }
}

TEST_CASE("percentiles of a known distribution") {
  lateness_histogram h;
  for (int i = 1; i <= 1000; ++i)
    h.add(i * 1000); // 1 .. 1000 us
  auto s = h.summary();
  CHECK(s.count == 1000);
  CHECK(s.p50 == doctest::Approx(500'000).epsilon(0.03));
  CHECK(s.p99 == doctest::Approx(990'000).epsilon(0.03));
  CHECK(s.max == 1'000'000);
  h.add(-5); // early counts as on time
  CHECK(h.summary().count == 1001);
  h.clear();
  CHECK(h.summary().count == 0);
}

TEST_CASE("concurrent adds lose nothing") {
  lateness_histogram h;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&h, t] {
      for (int i = 0; i < 10000; ++i)
        h.add(t * 1000 + i);
    });
  for (auto& t : threads)
    t.join();
  auto s = h.summary();
  CHECK(s.count == 40000);
  CHECK(s.max == 3000 + 9999);
}
