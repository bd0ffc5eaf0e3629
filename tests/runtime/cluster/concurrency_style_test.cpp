#include "troupe/messages/errors.hpp"
#include "troupe/runtime/cluster/concurrency_style.hpp"

#include <doctest/doctest.h>

using namespace std::chrono_literals;

namespace {

std::string refusal(const troupe::concurrency_style& style, size_t cpus = 4) {
  auto err = troupe::validate(style, cpus);
  if (!err)
    return "";
  CHECK(troupe::code_of(err) == troupe::errc::invalid_config);
  return troupe::to_text(err);
}

troupe::concurrency_style style(size_t read, size_t compute,
                                troupe::worker_kind kind,
                                bool workers_read = false) {
  troupe::concurrency_style result;
  result.read_workers = read;
  result.compute_workers = compute;
  result.kind = kind;
  result.workers_read = workers_read;
  return result;
}

} // namespace

TEST_CASE("the defaults: no workers and RIOS' timeouts") {
  troupe::concurrency_style x;
  CHECK(x.read_workers == 0);
  CHECK(x.compute_workers == 0);
  CHECK(x.kind == troupe::worker_kind::none);
  CHECK(x.read_insert_timeout == caf::timespan{10s});
  CHECK(x.read_pop_timeout == caf::timespan{10s});
  CHECK(x.compute_insert_timeout == caf::timespan{10s});
  CHECK(x.compute_pop_timeout == caf::timespan{20s});
  CHECK(x.barrier_timeout == caf::timespan{600s});
  CHECK(refusal(x).empty());
  x.compute_pop_timeout = std::nullopt; // "never" is allowed
  CHECK(refusal(x).empty());
  CHECK(troupe::to_string(x.compute_pop_timeout) == "never");
}

TEST_CASE("invalid combinations are refused with a reason") {
  using troupe::worker_kind;
  CHECK(refusal(style(1, 2, worker_kind::none)).find("no worker kind")
        != std::string::npos);
  CHECK(refusal(style(1, 0, worker_kind::threads)).find("zero compute workers")
        != std::string::npos);
  CHECK(refusal(style(0, 2, worker_kind::threads, true))
            .find("cannot do their own reading")
        != std::string::npos);
  CHECK(refusal(style(1, 8, worker_kind::threads), 2).find("2 CPUs")
        != std::string::npos);
  CHECK(refusal(style(0, 2, worker_kind::threads))
            .find("at least one read worker")
        != std::string::npos);
  auto on_nodes = style(1, 2, worker_kind::nodes);
  CHECK(refusal(on_nodes).find("at least one node") != std::string::npos);
  on_nodes.nodes = {"n1"};
  CHECK(refusal(on_nodes).empty());
  auto stray = style(1, 2, worker_kind::threads);
  stray.nodes = {"n1"};
  CHECK(refusal(stray).find("not 'nodes'") != std::string::npos);
  auto zero = style(1, 2, worker_kind::threads);
  zero.compute_pop_timeout = 0s;
  CHECK(refusal(zero).find("compute_pop_timeout") != std::string::npos);
}

TEST_CASE("valid styles describe themselves") {
  auto x = style(1, 2, troupe::worker_kind::threads);
  CHECK(refusal(x).empty());
  CHECK(troupe::to_string(x) == "2 thread compute workers, 1 read worker");
  auto kind = troupe::parse_worker_kind("nodes");
  REQUIRE(kind);
  CHECK(*kind == troupe::worker_kind::nodes);
  CHECK_FALSE(troupe::parse_worker_kind("batch"));
}
