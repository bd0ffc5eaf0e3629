#include <chrono>
#include <map>
#include <set>

#include "troupe/actors/compute_worker.hpp"
#include "troupe/actors/worker_pool.hpp"
#include "troupe/runtime/cluster/catalog.hpp"

#include <caf/scoped_actor.hpp>

#include <doctest/doctest.h>

#include "support/cluster_agents.hpp"
#include "support/fixture.hpp"

using namespace std::chrono_literals;

namespace {

/// Answers `(compute_atom, int32_t x)` with `10 * x` after `10 - x`
/// seconds of virtual time: later inputs finish first.
class slow : public troupe::agent {
public:
  using agent::agent;

protected:
  troupe::handler_set handlers() override {
    return handle(
        [this](troupe::compute_atom,
               const caf::message& input) -> caf::result<troupe::work_output> {
          auto x = input.get_as<int32_t>(0);
          auto rp = make_response_promise();
          pending_.emplace(x, rp);
          delayed_send(this, std::chrono::seconds{10 - x},
                       caf::tick_atom::value, x);
          return rp;
        },
        [](troupe::read_atom, const caf::message& descriptor) {
          return troupe::work_output{descriptor};
        },
        [this](caf::tick_atom, int32_t x) {
          auto i = pending_.find(x);
          if (i != pending_.end()) {
            i->second.deliver(troupe::work_output{caf::make_message(10 * x)});
            pending_.erase(i);
          }
        });
  }

private:
  std::multimap<int32_t, caf::response_promise> pending_;
};

/// Reads item `(x, s)` in `s` seconds of virtual time, then computes at
/// once, answering `(10 * x, virtual time of the compute in ns)`: shows when
/// each item entered the compute stage.
class staggered : public troupe::agent {
public:
  using agent::agent;

protected:
  troupe::handler_set handlers() override {
    return handle(
        [this](troupe::read_atom,
               const caf::message& item) -> caf::result<troupe::work_output> {
          auto x = item.get_as<int32_t>(0);
          auto rp = make_response_promise();
          pending_.emplace(x, rp);
          delayed_send(this, std::chrono::seconds{item.get_as<int32_t>(1)},
                       caf::tick_atom::value, x);
          return rp;
        },
        [this](caf::tick_atom, int32_t x) {
          auto i = pending_.find(x);
          if (i != pending_.end()) {
            i->second.deliver(troupe::work_output{caf::make_message(x)});
            pending_.erase(i);
          }
        },
        [this](troupe::compute_atom, const caf::message& input) {
          auto at
              = static_cast<int64_t>(clock().now().time_since_epoch().count());
          return troupe::work_output{
              caf::make_message(10 * input.get_as<int32_t>(0), at)};
        });
  }

private:
  std::multimap<int32_t, caf::response_promise> pending_;
};

/// Answers every input with its own actor ID: shows who computed what.
class whoami : public troupe::compute_worker {
public:
  using compute_worker::compute_worker;

protected:
  caf::expected<caf::message> compute(const caf::message&) override {
    return caf::make_message(static_cast<uint64_t>(id()));
  }
};

/// Dies on its first input without answering.
class mortal : public troupe::agent {
public:
  using agent::agent;

protected:
  troupe::handler_set handlers() override {
    return handle(
        [this](troupe::compute_atom,
               const caf::message&) -> caf::result<troupe::work_output> {
          auto rp = make_response_promise();
          quit(troupe::make_error(troupe::errc::handler_failed, "crashed"));
          return rp;
        },
        [](troupe::read_atom, const caf::message& x) {
          return troupe::work_output{x};
        });
  }
};

/// Records pool results in arrival order.
class result_sink : public troupe::agent {
public:
  using agent::agent;

  std::vector<uint64_t> indices;

protected:
  troupe::handler_set handlers() override {
    return handle(
        [this](const troupe::pool_result& x) { indices.push_back(x.index); });
  }
};

struct pool_fixture : test::fixture {
  pool_fixture() {
    agents.add_agent<test::square_worker>("square")
        .add_agent<slow>("slow")
        .add_agent<staggered>("staggered")
        .add_agent<whoami>("whoami")
        .add_agent<mortal>("mortal");
  }

  troupe::worker_pool_actor make_pool(troupe::concurrency_style style,
                                      std::string type) {
    troupe::pool_spec spec;
    spec.style = std::move(style);
    spec.worker_type = std::move(type);
    spec.agents = &agents;
    spec.detached = false;
    spec.cpu_count = 4;
    auto pool = troupe::spawn_worker_pool(rt(), std::move(spec));
    if (!pool)
      throw std::runtime_error(troupe::to_text(pool.error()));
    run();
    return *pool;
  }

  static std::vector<caf::message> numbers(std::vector<int32_t> xs) {
    std::vector<caf::message> result;
    for (auto x : xs)
      result.push_back(caf::make_message(x));
    return result;
  }

  /// Sends a run, drives virtual time for `horizon`, returns the answer.
  caf::expected<std::vector<caf::message>>
  run_pool(const troupe::worker_pool_actor& pool,
           std::vector<caf::message> items, caf::timespan horizon = 30s) {
    caf::scoped_actor self{sys()};
    auto pending = self->request(pool, caf::infinite, troupe::run_atom::value,
                                 std::move(items));
    advance(horizon);
    caf::expected<std::vector<caf::message>> result{
        troupe::make_error(troupe::errc::timeout, "no answer")};
    if (self->mailbox().empty())
      return result;
    std::move(pending).receive(
        [&](std::vector<caf::message>& xs) { result = std::move(xs); },
        [&](caf::error& err) { result = std::move(err); });
    return result;
  }

  static troupe::concurrency_style threads(size_t compute, size_t read = 1) {
    troupe::concurrency_style style;
    style.kind = troupe::worker_kind::threads;
    style.compute_workers = compute;
    style.read_workers = read;
    return style;
  }

  troupe::catalog agents;
};

std::vector<int32_t> values(const std::vector<caf::message>& xs) {
  std::vector<int32_t> result;
  for (auto& x : xs)
    result.push_back(x.get_as<int32_t>(0));
  return result;
}

} // namespace

TEST_CASE_FIXTURE(pool_fixture, "results come back in input order although "
                                "workers finish out of order") {
  auto pool = make_pool(threads(2), "slow");
  auto result = run_pool(pool, numbers({1, 2, 3, 4, 5, 6}));
  REQUIRE_MESSAGE(result, troupe::to_text(result.error()));
  CHECK(values(*result) == std::vector<int32_t>{10, 20, 30, 40, 50, 60});
}

TEST_CASE_FIXTURE(pool_fixture, "a sink receives results in input order") {
  auto pool = make_pool(threads(2), "slow");
  auto sink = spawn<result_sink>("pool-sink");
  caf::scoped_actor self{sys()};
  auto pending = self->request(pool, caf::infinite, troupe::run_atom::value,
                               numbers({3, 1, 4, 1, 5}), sink);
  advance(30s);
  uint64_t count = 0;
  std::move(pending).receive(
      [&](uint64_t n) { count = n; },
      [&](caf::error& err) { FAIL(troupe::to_text(err)); });
  CHECK(count == 5);
  CHECK(agent_of<result_sink>(sink).indices
        == std::vector<uint64_t>{0, 1, 2, 3, 4});
}

TEST_CASE_FIXTURE(pool_fixture, "reads enter the compute stage in the order "
                                "they complete, results leave in input order") {
  auto pool = make_pool(threads(2, 2), "staggered");
  // Item 0 takes 3 s to read, item 1 1 s, item 2 2 s.
  std::vector<caf::message> items{caf::make_message(int32_t{1}, int32_t{3}),
                                  caf::make_message(int32_t{2}, int32_t{1}),
                                  caf::make_message(int32_t{3}, int32_t{2})};
  auto result = run_pool(pool, items);
  REQUIRE_MESSAGE(result,
                  (result ? std::string{} : troupe::to_text(result.error())));
  REQUIRE(result->size() == 3);
  std::vector<int32_t> outputs;
  std::vector<int64_t> computed_at;
  for (auto& x : *result) {
    outputs.push_back(x.get_as<int32_t>(0));
    computed_at.push_back(x.get_as<int64_t>(1));
  }
  CHECK(outputs == std::vector<int32_t>{10, 20, 30});
  // Item 1 did not wait for item 0's read, nor item 2 for item 0's.
  CHECK(computed_at[1] < computed_at[2]);
  CHECK(computed_at[2] < computed_at[0]);
  CHECK(computed_at[0] - computed_at[1]
        == std::chrono::nanoseconds{2s}.count());
  // A sink gets them in input order all the same.
  auto sink = spawn<result_sink>("staggered-sink");
  caf::scoped_actor self{sys()};
  auto pending = self->request(pool, caf::infinite, troupe::run_atom::value,
                               items, sink);
  advance(30s);
  uint64_t count = 0;
  std::move(pending).receive(
      [&](uint64_t n) { count = n; },
      [&](caf::error& err) { FAIL(troupe::to_text(err)); });
  CHECK(count == 3);
  CHECK(agent_of<result_sink>(sink).indices == std::vector<uint64_t>{0, 1, 2});
}

TEST_CASE_FIXTURE(pool_fixture, "work is spread over the pool") {
  auto pool = make_pool(threads(3), "whoami");
  auto result = run_pool(pool, numbers({1, 2, 3, 4, 5, 6, 7, 8, 9}));
  REQUIRE(result);
  std::set<uint64_t> workers;
  for (auto& x : *result)
    workers.insert(x.get_as<uint64_t>(0));
  CHECK(workers.size() == 3);
}

TEST_CASE_FIXTURE(pool_fixture, "a worker's error comes home with its "
                                "origin") {
  auto pool = make_pool(threads(2), "square");
  auto result = run_pool(pool, numbers({1, 13, 2}));
  REQUIRE_FALSE(result);
  CHECK(troupe::code_of(result.error()) == troupe::errc::worker_failed);
  auto text = troupe::to_text(result.error());
  CHECK(text.find("Error in compute worker 1") != std::string::npos);
  CHECK(text.find("13 is an unlucky number") != std::string::npos);
  // The pool keeps working for the next run.
  auto next = run_pool(pool, numbers({2, 3}));
  REQUIRE(next);
  CHECK(values(*next) == std::vector<int32_t>{4, 9});
}

TEST_CASE_FIXTURE(pool_fixture, "a slow worker fails the run naming the "
                                "setting to raise") {
  auto style = threads(1);
  style.compute_pop_timeout = 2s;
  auto pool = make_pool(style, "slow");
  auto result = run_pool(pool, numbers({5}));
  REQUIRE_FALSE(result);
  CHECK(troupe::to_text(result.error())
            .find("raise compute_pop_timeout (now 2 s)")
        != std::string::npos);
}

TEST_CASE_FIXTURE(pool_fixture, "a full compute buffer times out naming the "
                                "setting to raise") {
  auto style = threads(1);
  style.compute_pop_timeout = std::nullopt; // never
  style.compute_insert_timeout = 1s;
  auto pool = make_pool(style, "slow");
  // Two fit in the buffer of one worker; the third waits longer than 1 s.
  auto result = run_pool(pool, numbers({1, 2, 3}));
  REQUIRE_FALSE(result);
  CHECK(troupe::code_of(result.error()) == troupe::errc::timeout);
  CHECK(troupe::to_text(result.error())
            .find("raise compute_insert_timeout (now 1 s)")
        != std::string::npos);
}

TEST_CASE_FIXTURE(pool_fixture, "without compute workers items are computed "
                                "one by one") {
  auto pool = make_pool(troupe::concurrency_style{}, "square");
  auto result = run_pool(pool, numbers({2, 3, 4}));
  REQUIRE(result);
  CHECK(values(*result) == std::vector<int32_t>{4, 9, 16});
}

TEST_CASE_FIXTURE(pool_fixture, "a worker that dies breaks the pool with its "
                                "origin") {
  auto pool = make_pool(threads(1), "mortal");
  auto first = run_pool(pool, numbers({1}));
  REQUIRE_FALSE(first);
  CHECK(troupe::to_text(first.error()).find("Error in compute worker 0")
        != std::string::npos);
  auto second = run_pool(pool, numbers({1}));
  REQUIRE_FALSE(second);
  CHECK(troupe::to_text(second.error()).find("the worker exited")
        != std::string::npos);
}

TEST_CASE("invalid pools are refused with the reason") {
  test::fixture fx;
  troupe::pool_spec spec;
  spec.worker_type = "square";
  spec.style.compute_workers = 2; // no kind
  auto pool = troupe::spawn_worker_pool(fx.rt(), spec);
  REQUIRE_FALSE(pool);
  CHECK(troupe::to_text(pool.error()).find("no worker kind")
        != std::string::npos);
  spec.style.kind = troupe::worker_kind::nodes;
  spec.style.read_workers = 1;
  spec.style.nodes = {"n1"};
  pool = troupe::spawn_worker_pool(fx.rt(), spec);
  REQUIRE_FALSE(pool);
  CHECK(troupe::to_text(pool.error()).find("cluster node")
        != std::string::npos);
}
