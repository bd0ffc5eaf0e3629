#pragma once

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include <caf/actor_clock.hpp>

namespace troupe::detail {

/// Entries due at points in time, bucketed by exact time. The monitor's polls
/// finish in bursts that it processes at one instant, so most entries share a
/// bucket: adding is a vector append and taking the due ones is a walk over a
/// few buckets, however many points there are. Entries are never removed
/// early; owners skip entries that no longer apply when they come due.
template <class T>
class calendar {
public:
  using time_point = caf::actor_clock::time_point;

  void add(time_point t, T x) {
    // Entries of one burst share their time: skip the map lookup for them.
    if (last_ == buckets_.end() || last_->first != t)
      last_ = buckets_.try_emplace(t).first;
    last_->second.push_back(std::move(x));
  }

  /// The earliest time with an entry.
  std::optional<time_point> next() const {
    if (buckets_.empty())
      return std::nullopt;
    return buckets_.begin()->first;
  }

  /// Appends the entries due at or before `now` to `out`, earliest bucket
  /// first, at most `limit` of them; the rest stay due.
  void take_due(time_point now, std::vector<T>& out,
                size_t limit = std::numeric_limits<size_t>::max()) {
    while (limit > 0 && !buckets_.empty() && buckets_.begin()->first <= now) {
      auto& xs = buckets_.begin()->second;
      // A partly taken bucket gives up its last entries: no shifting.
      auto n = std::min(limit, xs.size());
      out.insert(out.end(), std::make_move_iterator(xs.end() - n),
                 std::make_move_iterator(xs.end()));
      xs.resize(xs.size() - n);
      limit -= n;
      if (!xs.empty())
        return;
      if (last_ == buckets_.begin())
        last_ = buckets_.end();
      buckets_.erase(buckets_.begin());
    }
  }

  void clear() {
    buckets_.clear();
    last_ = buckets_.end();
  }

  bool empty() const noexcept { return buckets_.empty(); }

  /// Total number of entries (for tests).
  size_t size() const {
    size_t result = 0;
    for (auto& kvp : buckets_)
      result += kvp.second.size();
    return result;
  }

private:
  using map_type = std::map<time_point, std::vector<T>>;

  map_type buckets_;
  /// The bucket of the last `add`.
  typename map_type::iterator last_ = buckets_.end();
};

} // namespace troupe::detail
