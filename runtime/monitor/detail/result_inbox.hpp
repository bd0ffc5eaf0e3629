#pragma once

#include <functional>
#include <mutex>
#include <utility>
#include <vector>

namespace troupe::detail {

/// Many producers (poll workers, promises) hand results to one consumer (the
/// monitor). A producer that finds the inbox empty calls `notify` once, so
/// the consumer gets one wake-up per burst instead of one message per
/// result, and no result is ever left without a pending wake-up.
///
/// Uses no CAF: its tests run under ThreadSanitizer.
template <class T>
class result_inbox {
public:
  using notify_fn = std::function<void()>;

  explicit result_inbox(notify_fn notify) : notify_(std::move(notify)) {
    // nop
  }

  result_inbox(const result_inbox&) = delete;

  result_inbox& operator=(const result_inbox&) = delete;

  /// Appends `x`; false (and `x` dropped) once closed. Calls `notify`
  /// outside the lock when the inbox was empty.
  bool push(T x) {
    bool was_empty = false;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      if (closed_)
        return false;
      was_empty = items_.empty();
      items_.push_back(std::move(x));
    }
    if (was_empty)
      notify_();
    return true;
  }

  /// Moves everything waiting into `out`, which must be empty; swapping
  /// buffers lets both sides reuse their capacity.
  void take(std::vector<T>& out) {
    std::lock_guard<std::mutex> guard{mtx_};
    out.swap(items_);
  }

  /// Drops what is waiting; later pushes are refused and notify nobody.
  void close() {
    std::lock_guard<std::mutex> guard{mtx_};
    closed_ = true;
    items_.clear();
  }

  bool closed() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return closed_;
  }

private:
  mutable std::mutex mtx_;
  std::vector<T> items_;
  bool closed_ = false;
  notify_fn notify_;
};

} // namespace troupe::detail
