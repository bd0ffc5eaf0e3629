#pragma once

// Poll functions of monitor points. A poll returns one reading per point it
// feeds (a value, optionally with an alert), or an error. Three kinds:
//
// - `poll(f)`: `f()` runs on a worker of the monitor's pool and may block;
// - `poll_async(f)`: `f(promise)` starts the work and returns; whoever
//   finishes it calls `promise.deliver(result)`, from any thread;
// - `poll_request(dest, timeout, convert, xs...)`: the monitor sends
//   `xs...` to an actor and converts the reply; nothing blocks.

#include <cstdint>
#include <exception>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "troupe/messages/errors.hpp"
#include "troupe/messages/monitor.hpp"
#include "troupe/runtime/monitor/detail/result_inbox.hpp"

#include <caf/actor_cast.hpp>
#include <caf/detail/type_traits.hpp>
#include <caf/error.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/expected.hpp>

namespace troupe {

// -- results ------------------------------------------------------------------

/// What one poll produced: one reading per point, named readings for a
/// family, or an error text. A single reading is stored inline: most polls
/// feed one point, and the monitor may run a hundred thousand a second.
class poll_result {
public:
  /// No readings (a family with no members, or a count mismatch for others).
  poll_result() = default;

  /// One plain value (no alert).
  template <class T, class = std::enable_if_t<
                         std::is_constructible<point_value, T>::value
                         && !std::is_same<std::decay_t<T>, poll_result>::value>>
  poll_result(T&& x) : first_(std::forward<T>(x)), count_(1) {
    // nop
  }

  poll_result(reading x) : first_(std::move(x)), count_(1) {
    // nop
  }

  poll_result(std::initializer_list<reading> xs) {
    for (auto& x : xs)
      add(x);
  }

  poll_result(std::vector<reading> xs) {
    for (auto& x : xs)
      add(std::move(x));
  }

  /// Readings of a family, by point name.
  poll_result(std::vector<named_reading> xs)
      : named_(std::move(xs)), is_named_(true) {
    // nop
  }

  /// One reading per tuple element, in order (libgs' tuples).
  template <class... Ts>
  poll_result(const std::tuple<Ts...>& xs) {
    std::apply([this](const auto&... x) { (add(reading(x)), ...); }, xs);
  }

  /// The error's text (an empty error counts as one, too).
  poll_result(const caf::error& err);

  /// The value, or the error.
  template <class T>
  poll_result(caf::expected<T> x)
      : poll_result(x ? poll_result(std::move(*x)) : poll_result(x.error())) {
    // nop
  }

  /// A failed poll with a one-line reason.
  static poll_result failure(std::string text);

  bool ok() const noexcept { return error_.empty(); }

  const std::string& error() const noexcept { return error_; }

  bool is_named() const noexcept { return is_named_; }

  /// Number of readings (named or not).
  size_t size() const noexcept { return is_named_ ? named_.size() : count_; }

  /// Reading `i` of an unnamed result (`i < size()`).
  reading& at(size_t i) noexcept { return i == 0 ? first_ : more_[i - 1]; }

  const reading& at(size_t i) const noexcept {
    return i == 0 ? first_ : more_[i - 1];
  }

  const std::vector<named_reading>& named() const noexcept { return named_; }

  std::vector<named_reading>& named() noexcept { return named_; }

private:
  void add(reading x) {
    if (count_++ == 0)
      first_ = std::move(x);
    else
      more_.push_back(std::move(x));
  }

  reading first_;
  std::vector<reading> more_;
  size_t count_ = 0;
  std::vector<named_reading> named_;
  bool is_named_ = false;
  std::string error_;
};

/// Converts whatever a poll function returns into a `poll_result`.
template <class T>
poll_result to_poll_result(T&& x) {
  return poll_result(std::forward<T>(x));
}

/// Text of the exception in flight: "what()" or a generic text.
std::string describe_current_exception();

namespace detail {

/// A poll's result on its way from a worker or promise to the monitor.
struct poll_outcome {
  uint32_t source = 0;
  uint32_t generation = 0;
  poll_result result;
};

using poll_inbox = result_inbox<poll_outcome>;

struct promise_state;

} // namespace detail

// -- promises -----------------------------------------------------------------

/// Completes an asynchronous poll, from any thread. The first `deliver` or
/// `fail` counts; later ones return false. A promise dropped without either
/// fails the poll ("ended without delivering a result"), so a forgotten
/// promise shows up as an error rather than a silently stuck point.
class poll_promise {
public:
  poll_promise() = default;

  /// Whether this promise still waits for its result.
  bool pending() const noexcept;

  bool deliver(poll_result x) const;

  bool fail(std::string text) const;

  bool fail(const caf::error& err) const;

  /// Creates a promise that hands its result to `inbox`.
  static poll_promise make(std::shared_ptr<detail::poll_inbox> inbox,
                           uint32_t source, uint32_t generation);

private:
  std::shared_ptr<detail::promise_state> state_;
};

// -- poll functions
// ------------------------------------------------------------

/// A type-erased poll (see the three kinds at the top of this header).
class poll_function {
public:
  enum class kind : uint8_t { sync, async, request };

  using sync_fn = std::function<poll_result()>;

  using async_fn = std::function<void(poll_promise)>;

  /// Runs in the monitor's context: may send requests, must not block.
  using request_fn = std::function<void(caf::event_based_actor*, poll_promise)>;

  explicit poll_function(sync_fn f);

  explicit poll_function(async_fn f);

  explicit poll_function(request_fn f);

  kind type() const noexcept { return kind_; }

  /// Runs a sync poll; an exception becomes a failed result.
  poll_result call() const;

  /// Starts an async poll; an exception fails the promise.
  void start(poll_promise p) const;

  /// Starts a request poll in the monitor's context; an exception fails the
  /// promise.
  void start(caf::event_based_actor* self, poll_promise p) const;

private:
  kind kind_;
  sync_fn sync_;
  async_fn async_;
  request_fn request_;
};

using poll_ptr = std::shared_ptr<const poll_function>;

/// A poll that runs `f()` on a worker. `f` returns anything `poll_result`
/// accepts: a value, `alert::red(x)`, a tuple, `caf::expected<T>`, ...
template <class F>
poll_ptr poll(F f) {
  return std::make_shared<const poll_function>(
      poll_function::sync_fn{[f{std::move(f)}]() mutable -> poll_result {
        return to_poll_result(f());
      }});
}

/// A poll that starts with `f(promise)` on a worker and completes whenever
/// the promise is delivered.
template <class F>
poll_ptr poll_async(F f) {
  return std::make_shared<const poll_function>(
      poll_function::async_fn{std::move(f)});
}

namespace detail {

template <class F, class Args>
struct reply_adapter;

/// Calls the user's converter with the reply's elements and completes the
/// promise; has the converter's exact signature so that CAF can match the
/// reply against it.
template <class F, class... Args>
struct reply_adapter<F, caf::detail::type_list<Args...>> {
  F convert;
  poll_promise promise;

  void operator()(Args... xs) {
    try {
      promise.deliver(to_poll_result(convert(std::forward<Args>(xs)...)));
    } catch (...) {
      promise.fail("converting the reply threw: "
                   + describe_current_exception());
    }
  }
};

} // namespace detail

/// A poll that sends `xs...` to `dest` and converts the reply with
/// `convert`, whose arguments are the reply's types. No reply within
/// `timeout`, or an error reply, fails the poll.
template <class Handle, class F, class... Ts>
poll_ptr poll_request(Handle dest, caf::timespan timeout, F convert, Ts... xs) {
  using args = typename caf::detail::get_callable_trait<F>::arg_types;
  auto target = caf::actor_cast<caf::actor>(dest);
  return std::make_shared<const poll_function>(poll_function::request_fn{
      [=](caf::event_based_actor* self, poll_promise p) {
        if (!target) {
          p.fail("no actor to ask");
          return;
        }
        self->request(target, timeout, xs...)
            .then(detail::reply_adapter<F, args>{convert, p},
                  [p](caf::error& err) { p.fail(err); });
      }});
}

/// A poll run in the monitor's context with full control over its requests
/// (e.g. asking several actors and combining the answers).
template <class F>
poll_ptr poll_in_monitor(F f) {
  return std::make_shared<const poll_function>(
      poll_function::request_fn{std::move(f)});
}

// -- building registrations ---------------------------------------------------

/// One point fed by `fn`.
point_spec make_point(std::string name, point_options options, poll_ptr fn);

/// Several points fed by one poll; it must return one reading per name, in
/// this order.
point_spec make_points(std::vector<std::string> names, point_options options,
                       poll_ptr fn);

/// A family: points under `options.parent` created and removed as `fn`'s
/// named readings come and go.
point_spec make_family(point_options options, poll_ptr fn);

/// A point fed by `(put_atom, name, reading)` messages; `options.dt` is how
/// often values are expected (for staleness).
point_spec make_pushed_point(std::string name, point_options options);

} // namespace troupe
