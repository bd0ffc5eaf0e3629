// `troupe node` with the test agents: the stock CLI in a binary that
// registered the test message and agent types, as users' own binaries do.

#include "troupe/runtime/cli/cli.hpp"
#include "troupe/runtime/cluster/catalog.hpp"

#include "support/cluster_agents.hpp"

int main(int argc, char** argv) {
  test::register_cluster_test_types(troupe::catalog::global());
  return troupe::cli::main(argc, argv);
}
