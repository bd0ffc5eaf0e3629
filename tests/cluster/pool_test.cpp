// Worker pools with compute workers on real nodes.

#include <chrono>

#include "troupe/actors/worker_pool.hpp"
#include "troupe/runtime/cluster/cluster.hpp"

#include <doctest/doctest.h>

#include "support/cluster_fixture.hpp"

using namespace std::chrono_literals;

namespace {

constexpr auto patience = 30s;

std::vector<caf::message> numbers(int32_t first, int32_t last) {
  std::vector<caf::message> result;
  for (auto i = first; i <= last; ++i)
    result.push_back(caf::make_message(i));
  return result;
}

} // namespace

TEST_CASE("a pool of node workers returns results in input order and errors "
          "with their origin") {
  test::controller ctl{test::controller_options("ctl-pool")};
  REQUIRE(ctl.node().connect(test::node_address("n1")));
  REQUIRE(ctl.node().connect(test::node_address("n2")));
  troupe::pool_spec spec;
  spec.style.kind = troupe::worker_kind::nodes;
  spec.style.compute_workers = 4;
  spec.style.read_workers = 1;
  spec.style.nodes = {"n1", "n2"};
  spec.worker_type = "square";
  spec.agents = &ctl.agents();
  spec.node = ctl.node().handle();
  auto pool = troupe::spawn_worker_pool(ctl.rt(), spec);
  REQUIRE_MESSAGE(pool, troupe::to_text(pool.error()));
  auto squares = ctl.ask<std::vector<caf::message>>(
      *pool, patience, troupe::run_atom::value, numbers(1, 12));
  REQUIRE_MESSAGE(squares, troupe::to_text(squares.error()));
  REQUIRE(squares->size() == 12);
  for (int32_t i = 0; i < 12; ++i)
    CHECK((*squares)[i].get_as<int32_t>(0) == (i + 1) * (i + 1));
  // 13 fails on whichever node got it; the error says which worker, where.
  auto failed = ctl.ask<std::vector<caf::message>>(
      *pool, patience, troupe::run_atom::value, numbers(10, 16));
  REQUIRE_FALSE(failed);
  auto text = troupe::to_text(failed.error());
  CHECK(troupe::code_of(failed.error()) == troupe::errc::worker_failed);
  CHECK(text.find("Error in compute worker ") != std::string::npos);
  CHECK((text.find("on node 'n1'") != std::string::npos
         || text.find("on node 'n2'") != std::string::npos));
  CHECK(text.find("13 is an unlucky number") != std::string::npos);
}
