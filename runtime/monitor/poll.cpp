#include "troupe/runtime/monitor/poll.hpp"

#include <atomic>

namespace troupe {

// -- results ------------------------------------------------------------------

poll_result::poll_result(const caf::error& err) {
  error_ = err ? to_text(err) : "the poll returned an empty error";
}

poll_result poll_result::failure(std::string text) {
  poll_result result;
  result.error_ = text.empty() ? "the poll failed" : std::move(text);
  return result;
}

std::string describe_current_exception() {
  try {
    throw;
  } catch (const std::exception& ex) {
    return ex.what();
  } catch (...) {
    return "a non-standard exception";
  }
}

// -- promises -----------------------------------------------------------------

namespace detail {

struct promise_state {
  std::shared_ptr<poll_inbox> inbox;
  uint32_t source = 0;
  uint32_t generation = 0;
  std::atomic<bool> done{false};

  bool complete(poll_result x) {
    if (done.exchange(true))
      return false;
    return inbox->push(poll_outcome{source, generation, std::move(x)});
  }

  ~promise_state() {
    if (!done.load())
      inbox->push(poll_outcome{
          source, generation,
          poll_result::failure("the poll ended without delivering a result")});
  }
};

} // namespace detail

bool poll_promise::pending() const noexcept {
  return state_ && !state_->done.load();
}

bool poll_promise::deliver(poll_result x) const {
  return state_ && state_->complete(std::move(x));
}

bool poll_promise::fail(std::string text) const {
  return deliver(poll_result::failure(std::move(text)));
}

bool poll_promise::fail(const caf::error& err) const {
  return deliver(poll_result{err});
}

poll_promise poll_promise::make(std::shared_ptr<detail::poll_inbox> inbox,
                                uint32_t source, uint32_t generation) {
  poll_promise result;
  result.state_ = std::make_shared<detail::promise_state>();
  result.state_->inbox = std::move(inbox);
  result.state_->source = source;
  result.state_->generation = generation;
  return result;
}

// -- poll functions
// ------------------------------------------------------------

poll_function::poll_function(sync_fn f)
    : kind_(kind::sync), sync_(std::move(f)) {
  // nop
}

poll_function::poll_function(async_fn f)
    : kind_(kind::async), async_(std::move(f)) {
  // nop
}

poll_function::poll_function(request_fn f)
    : kind_(kind::request), request_(std::move(f)) {
  // nop
}

poll_result poll_function::call() const {
  try {
    return sync_();
  } catch (...) {
    return poll_result::failure("the poll threw: "
                                + describe_current_exception());
  }
}

void poll_function::start(poll_promise p) const {
  try {
    async_(p);
  } catch (...) {
    p.fail("the poll threw: " + describe_current_exception());
  }
}

void poll_function::start(caf::event_based_actor* self, poll_promise p) const {
  try {
    request_(self, p);
  } catch (...) {
    p.fail("the poll threw: " + describe_current_exception());
  }
}

// -- building registrations ---------------------------------------------------

point_spec make_point(std::string name, point_options options, poll_ptr fn) {
  return point_spec{{std::move(name)}, std::move(options), std::move(fn)};
}

point_spec make_points(std::vector<std::string> names, point_options options,
                       poll_ptr fn) {
  return point_spec{std::move(names), std::move(options), std::move(fn)};
}

point_spec make_family(point_options options, poll_ptr fn) {
  options.family = true;
  return point_spec{{}, std::move(options), std::move(fn)};
}

point_spec make_pushed_point(std::string name, point_options options) {
  return point_spec{{std::move(name)}, std::move(options), nullptr};
}

} // namespace troupe
