// Uses the installed headers and libraries: an agent answers by name, the
// user fixture drives it on virtual time, and the CLI entry point links.

#include <iostream>
#include <troupe/actors/agent.hpp>
#include <troupe/runtime/cli/cli.hpp>
#include <troupe/runtime/cluster/cluster.hpp>
#include <troupe/runtime/runtime.hpp>
#include <troupe/runtime/testing.hpp>

namespace {

class echo : public troupe::agent {
public:
  using agent::agent;

  int seen = 0;

protected:
  troupe::handler_set handlers() override {
    return handle([this](int32_t x) { seen += x; });
  }
};

} // namespace

int main() {
  troupe::testing::fixture fx;
  auto handle = fx.spawn<echo>("echo");
  if (fx.send_to("echo", int32_t{20}) || fx.send_to("echo", int32_t{22}))
    return 1;
  fx.run();
  if (fx.agent_of<echo>(handle).seen != 42)
    return 1;
  if (troupe::cli::version_line().empty())
    return 1;
  // The cluster library links and refuses an unauthenticated node.
  troupe::cluster_options opts;
  opts.name = "consumer";
  opts.listen = troupe::endpoint{"0.0.0.0", 0};
  if (!troupe::validate(opts))
    return 1;
  std::cout << "consumer: ok" << std::endl;
  return 0;
}
