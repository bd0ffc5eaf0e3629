#pragma once

// Deterministic actor-level tests for troupe users. A `fixture` runs a
// runtime on CAF's test_coordinator: nothing happens until the test says
// `run()` (process every pending message) or `advance(d)` (move virtual time
// forward, firing timers in order). Works with doctest or any other
// framework: failures are reported as exceptions.
//
// Agents still running when the fixture is destroyed stop then, and their
// `on_shutdown` runs: whatever they reference must outlive the fixture.
//
//   TEST_CASE_FIXTURE(troupe::testing::fixture, "greets back") {
//     auto bob = spawn<greeter>("bob");
//     send_to("bob", hello{"alice"});
//     run();
//     CHECK(received<hello>("bob").size() == 1);
//   }

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "troupe/actors/agent.hpp"
#include "troupe/messages/replay.hpp"
#include "troupe/runtime/config.hpp"
#include "troupe/runtime/log_source.hpp"
#include "troupe/runtime/runtime.hpp"
#include "troupe/runtime/trace.hpp"

#include <caf/actor_cast.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/scoped_actor.hpp>

namespace troupe::testing {

/// A runtime on virtual time plus a trace of everything agents do.
class fixture {
public:
  /// `customize` may register users' message types before the runtime
  /// starts: `fixture{[](troupe::config& c) { c.add_message_types<...>(); }}`.
  template <class F>
  explicit fixture(F customize)
      : cfg_(make_config(std::move(customize))),
        rt_(*cfg_),
        sched_(dynamic_cast<caf::scheduler::test_coordinator&>(
            rt_.system().scheduler())),
        trace_(std::make_unique<trace_log>()) {
    rt_.state()->trace.store(trace_.get(), std::memory_order_release);
    run();
  }

  fixture() : fixture([](config&) {}) {
    // nop
  }

  fixture(const fixture&) = delete;

  fixture& operator=(const fixture&) = delete;

  ~fixture() {
    rt_.shutdown();
    run();
    // Timers that still point at live actors would keep them waiting; fire
    // what is left so every actor sees its exit.
    while (sched_.trigger_timeout())
      run();
    rt_.state()->trace.store(nullptr, std::memory_order_release);
  }

  // -- access ---------------------------------------------------------------

  troupe::runtime& rt() noexcept { return rt_; }

  caf::actor_system& sys() noexcept { return rt_.system(); }

  caf::scheduler::test_coordinator& sched() noexcept { return sched_; }

  /// Virtual now.
  caf::actor_clock::time_point now() const noexcept {
    return sched_.clock().now();
  }

  // -- spawning -------------------------------------------------------------

  /// Spawns and registers an agent, then runs until idle so that its
  /// `work()` has run. Throws if the name is taken.
  template <class T, class... Ts>
  caf::actor spawn(std::string name, Ts&&... xs) {
    auto result = rt_.spawn_agent<T>(name, std::forward<Ts>(xs)...);
    if (!result)
      throw std::runtime_error("spawn '" + name
                               + "' failed: " + to_text(result.error()));
    run();
    return *result;
  }

  /// The agent object behind a handle (safe: all actors run on this thread).
  template <class T>
  T& agent_of(const caf::actor& handle) {
    auto* ptr = dynamic_cast<T*>(caf::actor_cast<caf::abstract_actor*>(handle));
    if (ptr == nullptr)
      throw std::runtime_error("agent_of: handle is not of the requested type");
    return *ptr;
  }

  // -- driving --------------------------------------------------------------

  /// Processes every pending message; timers do not fire. Returns the number
  /// of jobs run.
  size_t run() { return sched_.run(); }

  /// Moves virtual time forward by `d`, firing every timer due in that window
  /// in time order and running until idle after each.
  void advance(caf::timespan d) { advance_to(now() + d); }

  /// Moves virtual time to `t` (see `advance`).
  void advance_to(caf::actor_clock::time_point t) {
    run();
    auto& clock = sched_.clock();
    for (;;) {
      auto& schedule = clock.schedule();
      if (schedule.empty() || schedule.begin()->first > t)
        break;
      auto due = schedule.begin()->first;
      if (due > clock.current_time)
        clock.current_time = due;
      clock.trigger_timeout();
      run();
    }
    if (t > clock.current_time)
      clock.current_time = t;
    run();
  }

  /// Fires the next timer (moving time to it) and runs until idle. Returns
  /// false when no timer is pending.
  bool advance_to_next_timer() {
    run();
    if (!sched_.clock().trigger_timeout())
      return false;
    run();
    return true;
  }

  // -- messaging ------------------------------------------------------------

  template <class... Ts>
  caf::error send_to(const std::string& target, Ts&&... xs) {
    return rt_.send_to(target, std::forward<Ts>(xs)...);
  }

  template <class... Ts>
  caf::error publish(const std::string& topic, Ts&&... xs) {
    return rt_.publish(topic, std::forward<Ts>(xs)...);
  }

  /// Sends a request to any actor, runs until idle and returns the answer:
  /// a value of type `R` or the error. `R = void` for requests whose
  /// answer is empty. An unanswered request is an error as well.
  template <class R, class Handle, class... Ts>
  auto request(const Handle& dest, Ts&&... xs)
      -> std::conditional_t<std::is_void<R>::value, caf::error,
                            caf::expected<R>> {
    caf::scoped_actor self{sys()};
    auto pending = self->request(dest, caf::infinite, std::forward<Ts>(xs)...);
    run();
    if (self->mailbox().empty())
      return make_error(errc::timeout, "the request got no answer");
    if constexpr (std::is_void<R>::value) {
      caf::error result;
      std::move(pending).receive([] {}, [&](caf::error& err) { result = err; });
      return result;
    } else {
      caf::expected<R> result{make_error(errc::timeout, "no answer")};
      std::move(pending).receive([&](R& x) { result = std::move(x); },
                                 [&](caf::error& err) { result = err; });
      return result;
    }
  }

  // -- replay ---------------------------------------------------------------

  /// Replays `source` into the runtime's topics on virtual time: loads the
  /// broadcaster with a buffer over it and starts it. Nothing is published
  /// until the test runs or advances time; every record is then published
  /// exactly at its scheduled virtual time. Subscribed agents receive
  /// `troupe::value` payloads (or their registered decoders' types).
  caf::error replay(std::shared_ptr<record_source> source,
                    replay_options opts = {}, buffer_options buffer = {}) {
    auto buf = rt_.spawn_buffer(std::move(source), buffer);
    if (auto err = request<void>(
            rt_.broadcaster(),
            replay_load{caf::actor_cast<caf::actor>(buf), std::move(opts)}))
      return err;
    auto started = request<bool>(rt_.broadcaster(), replay_start{});
    return started ? caf::none : started.error();
  }

  /// Replays the logs at `paths` (files or directories).
  caf::error replay(const std::vector<std::string>& paths,
                    replay_options opts = {}, read_options read = {}) {
    auto source = open_logs(paths, read);
    if (!source)
      return source.error();
    return replay(std::shared_ptr<record_source>{std::move(*source)},
                  std::move(opts));
  }

  /// Replays records held in memory (sorted by time first).
  caf::error replay(std::vector<record> records, replay_options opts = {}) {
    return replay(
        std::shared_ptr<record_source>{memory_source(std::move(records))},
        std::move(opts));
  }

  /// Sends a replay control (`replay_pause{}`, `replay_seek{t}`, ...) to the
  /// broadcaster and returns whether it acted.
  template <class Control>
  caf::expected<bool> control(Control msg) {
    return request<bool>(rt_.broadcaster(), std::move(msg));
  }

  /// The replay's state and statistics.
  troupe::replay_status replay_status() {
    auto result
        = request<troupe::replay_status>(rt_.broadcaster(), replay_query{});
    if (!result)
      throw std::runtime_error("replay_status: " + to_text(result.error()));
    return *result;
  }

  /// Fires timers in order until the replay has ended (finished, stopped
  /// or failed), at most `limit` of virtual time; returns its status.
  troupe::replay_status replay_to_end(caf::timespan limit
                                      = std::chrono::hours{24}) {
    auto deadline = now() + limit;
    for (;;) {
      run(); // the answer must see everything already sent
      auto st = replay_status();
      if (st.state == "finished" || st.state == "stopped"
          || st.state == "failed" || st.state == "idle")
        return st;
      auto& schedule = sched_.clock().schedule();
      if (schedule.empty() || schedule.begin()->first > deadline)
        return st;
      advance_to(schedule.begin()->first);
    }
  }

  // -- observation ----------------------------------------------------------

  /// Everything recorded so far, in order.
  std::vector<trace_entry> trace() const { return trace_->entries(); }

  /// Forgets the recorded trace.
  void clear_trace() { trace_->clear(); }

  /// Events of one agent ("" = sent or published from outside any agent).
  std::vector<trace_entry> events_of(const std::string& agent,
                                     trace_kind kind) const {
    std::vector<trace_entry> result;
    for (auto& entry : trace_->entries())
      if (entry.agent == agent && entry.kind == kind)
        result.push_back(entry);
    return result;
  }

  /// Payloads of type `T` that reached a handler of `agent`, directly or
  /// through a topic, in order.
  template <class T>
  std::vector<T> received(const std::string& agent) const {
    std::vector<T> result;
    for (auto& entry : trace_->entries())
      if (entry.agent == agent
          && (entry.kind == trace_kind::received
              || entry.kind == trace_kind::delivered)
          && entry.content.match_elements<T>())
        result.push_back(entry.content.get_as<T>(0));
    return result;
  }

  /// Virtual times at which anything was published on `topic`, in order.
  std::vector<caf::actor_clock::time_point>
  publish_times(const std::string& topic) const {
    std::vector<caf::actor_clock::time_point> result;
    for (auto& entry : trace_->entries())
      if (entry.kind == trace_kind::published && entry.peer == topic)
        result.push_back(entry.at);
    return result;
  }

  /// Payloads of type `T` published on `topic` by anyone, in order.
  template <class T>
  std::vector<T> published(const std::string& topic) const {
    std::vector<T> result;
    for (auto& entry : trace_->entries())
      if (entry.kind == trace_kind::published && entry.peer == topic
          && entry.content.match_elements<T>())
        result.push_back(entry.content.get_as<T>(0));
    return result;
  }

  /// How often `agent` dropped a message for lack of a handler.
  size_t unexpected_count(const std::string& agent) const {
    return events_of(agent, trace_kind::unexpected).size();
  }

private:
  template <class F>
  static std::unique_ptr<config> make_config(F customize) {
    auto result = std::make_unique<config>();
    result->use_test_scheduler();
    customize(*result);
    return result;
  }

  std::unique_ptr<config> cfg_;
  troupe::runtime rt_;
  caf::scheduler::test_coordinator& sched_;
  std::unique_ptr<trace_log> trace_;
};

} // namespace troupe::testing
