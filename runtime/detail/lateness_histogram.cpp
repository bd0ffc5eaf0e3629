#include "troupe/runtime/detail/lateness_histogram.hpp"

#include <algorithm>
#include <cmath>

namespace troupe::detail {

size_t lateness_histogram::index_of(uint64_t ns) noexcept {
  if (ns < linear)
    return static_cast<size_t>(ns);
  auto exponent = 63 - __builtin_clzll(ns); // >= 6
  auto sub = (ns >> (exponent - sub_bits)) & ((1u << sub_bits) - 1);
  auto index = linear + static_cast<size_t>(exponent - 6) * 32 + sub;
  return std::min(index, bucket_count - 1);
}

uint64_t lateness_histogram::lower_bound(size_t index) noexcept {
  if (index < linear)
    return index;
  auto exponent = static_cast<int>((index - linear) / 32) + 6;
  auto sub = (index - linear) % 32;
  return (uint64_t{1} << exponent) + (sub << (exponent - sub_bits));
}

void lateness_histogram::add(int64_t ns) noexcept {
  auto value = static_cast<uint64_t>(std::max<int64_t>(ns, 0));
  buckets_[index_of(value)].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  if (ns > late_after_ns)
    late_.fetch_add(1, std::memory_order_relaxed);
  auto prev = max_.load(std::memory_order_relaxed);
  auto x = static_cast<int64_t>(value);
  while (x > prev
         && !max_.compare_exchange_weak(prev, x, std::memory_order_relaxed))
    ; // retry with the updated maximum
}

int64_t lateness_histogram::percentile(double q,
                                       uint64_t total) const noexcept {
  if (total == 0)
    return 0;
  auto rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(total)));
  rank = std::max<uint64_t>(rank, 1);
  uint64_t seen = 0;
  for (size_t i = 0; i < bucket_count; ++i) {
    seen += buckets_[i].load(std::memory_order_relaxed);
    if (seen >= rank) {
      // Middle of the bucket, never above the recorded maximum.
      auto lo = lower_bound(i);
      auto hi = i + 1 < bucket_count ? lower_bound(i + 1) : lo;
      auto mid = static_cast<int64_t>(lo + (hi - lo) / 2);
      return std::min(mid, max_.load(std::memory_order_relaxed));
    }
  }
  return max_.load(std::memory_order_relaxed);
}

lateness_summary lateness_histogram::summary() const noexcept {
  lateness_summary result;
  uint64_t total = 0;
  for (auto& bucket : buckets_)
    total += bucket.load(std::memory_order_relaxed);
  result.count = total;
  result.p50 = percentile(0.50, total);
  result.p90 = percentile(0.90, total);
  result.p99 = percentile(0.99, total);
  result.max = total > 0 ? max_.load(std::memory_order_relaxed) : 0;
  result.late = late_.load(std::memory_order_relaxed);
  return result;
}

void lateness_histogram::clear() noexcept {
  for (auto& bucket : buckets_)
    bucket.store(0, std::memory_order_relaxed);
  count_.store(0, std::memory_order_relaxed);
  late_.store(0, std::memory_order_relaxed);
  max_.store(0, std::memory_order_relaxed);
}

} // namespace troupe::detail
