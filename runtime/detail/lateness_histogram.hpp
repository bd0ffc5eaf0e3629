#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "troupe/messages/replay.hpp"

namespace troupe::detail {

/// A histogram of non-negative nanosecond values with about 1.6% relative
/// resolution (exact below 64 ns): 32 sub-buckets per power of two. Adding
/// is lock-free (relaxed atomics), so the timing thread records into it
/// while the broadcaster reads it.
class lateness_histogram {
public:
  static constexpr int sub_bits = 5;
  static constexpr size_t linear = 64;
  static constexpr size_t bucket_count = linear + (63 - 6) * 32;

  /// Values above this count as late (`lateness_summary::late`).
  static constexpr int64_t late_after_ns = 1'000'000;

  /// Records one value; negative values count as 0.
  void add(int64_t ns) noexcept;

  /// Percentiles and maximum of everything recorded so far.
  lateness_summary summary() const noexcept;

  uint64_t count() const noexcept {
    return count_.load(std::memory_order_relaxed);
  }

  /// Forgets everything (not concurrently with `add`).
  void clear() noexcept;

  /// Index of the bucket holding `ns` (exposed for tests).
  static size_t index_of(uint64_t ns) noexcept;

  /// Lowest value the bucket holds.
  static uint64_t lower_bound(size_t index) noexcept;

private:
  int64_t percentile(double q, uint64_t total) const noexcept;

  std::array<std::atomic<uint64_t>, bucket_count> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> late_{0};
  std::atomic<int64_t> max_{0};
};

} // namespace troupe::detail
