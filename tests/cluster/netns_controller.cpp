// The controller of the network-namespace test (cluster/netns.sh): three
// nodes, each in a namespace of its own with its own address, pass the same
// remote send and topic checks as the loopback tests.
//
//   netns_controller SECRET_FILE NAME=HOST:PORT NAME=HOST:PORT ...
//
// Exit status 0 when every check passed; 1 with a line per failure.

#include <chrono>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "troupe/runtime/cluster/cluster.hpp"

#include "support/cluster_fixture.hpp"

using namespace std::chrono_literals;

namespace {

constexpr auto patience = 30s;

int failures = 0;

void expect(bool ok, const std::string& what) {
  std::printf("%s: %s\n", ok ? "ok" : "FAILED", what.c_str());
  if (!ok)
    ++failures;
}

void run(const std::string& secret_file,
         const std::map<std::string, troupe::endpoint>& nodes) {
  auto opts = test::controller_options("netns-controller");
  auto secret = troupe::read_secret_file(secret_file);
  if (!secret)
    throw std::runtime_error(troupe::to_text(secret.error()));
  opts.secret = *secret;
  test::controller ctl{opts};
  test::inbox home{ctl.rt(), "netns-home"};
  for (auto& [name, address] : nodes) {
    auto joined = ctl.node().connect(address);
    expect(joined && *joined == name,
           "connect to " + name + " at " + troupe::to_string(address)
               + (joined ? "" : ": " + troupe::to_text(joined.error())));
    if (!joined)
      return;
  }
  // Remote send_to: an echo on every node answers us by name.
  int32_t seq = 0;
  for (auto& [name, address] : nodes) {
    auto echo = "netns-echo-" + name;
    auto spawned = ctl.node().spawn_on(name, {"echo", echo, {}, false});
    expect(static_cast<bool>(spawned), "spawn an echo agent on " + name);
    expect(static_cast<bool>(
               ctl.node().await_name_on(name, "netns-home", patience)),
           name + " knows this controller's inbox");
    ctl.rt().send_to(echo, test::probe{"netns-home", ++seq});
    auto replies = home.receive<test::echo_reply>(1, patience);
    expect(replies.size() == 1 && replies[0].from == echo
               && replies[0].seq == seq,
           "send_to an agent on " + name + " and get its answer by name");
  }
  // Node to node: the first node's echo probes the last node's echo, which
  // answers here.
  auto first = nodes.begin()->first;
  auto last = nodes.rbegin()->first;
  expect(static_cast<bool>(
             ctl.node().await_name_on(first, "netns-echo-" + last, patience)),
         first + " knows the agents of " + last);
  auto relayed = ctl.ask_void(
      ctl.rt().lookup("netns-echo-" + first), patience,
      test::relay_order{"netns-echo-" + last, {"netns-home", 100}});
  auto replies = home.receive<test::echo_reply>(1, patience);
  expect(!relayed && replies.size() == 1
             && replies[0].from == "netns-echo-" + last,
         "an agent on " + first + " reaches an agent on " + last + " by name");
  // Topics: the first node publishes, every other node records.
  constexpr int64_t n = 20000;
  for (auto& [name, address] : nodes) {
    if (name == first)
      continue;
    auto rec = ctl.node().spawn_on(name, {"recorder",
                                          "netns-rec-" + name,
                                          {{"topic", "netns-t"},
                                           {"expect", std::to_string(n)},
                                           {"notify", "netns-home"}},
                                          false});
    expect(static_cast<bool>(rec), "spawn a recorder on " + name);
    expect(!ctl.node().await_subscriber_at(first, name, "netns-t", patience),
           first + " forwards the topic to " + name);
  }
  auto pub = ctl.node().spawn_on(first, {"publisher", "netns-pub", {}, false});
  expect(static_cast<bool>(pub), "spawn a publisher on " + first);
  if (!pub)
    return;
  auto published
      = ctl.ask<int64_t>(*pub, patience, test::publish_order{"netns-t", n});
  expect(published && *published == n, "publish on " + first);
  auto done = home.receive<test::recording>(nodes.size() - 1, patience);
  expect(done.size() == nodes.size() - 1,
         "every other node received the whole stream");
  for (auto& x : done)
    expect(x.count == n && x.in_order,
           "a stream arrived complete and in order (" + std::to_string(x.count)
               + " of " + std::to_string(n) + ")");
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: netns_controller SECRET_FILE NAME=HOST:PORT "
                         "...\n");
    return 2;
  }
  std::map<std::string, troupe::endpoint> nodes;
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    auto eq = arg.find('=');
    auto address = troupe::parse_endpoint(arg.substr(eq + 1), "node");
    if (eq == std::string::npos || !address) {
      std::fprintf(stderr, "netns_controller: bad node argument '%s'\n",
                   argv[i]);
      return 2;
    }
    nodes[arg.substr(0, eq)] = *address;
  }
  try {
    run(argv[1], nodes);
  } catch (const std::exception& ex) {
    expect(false, ex.what());
  }
  return failures == 0 ? 0 : 1;
}
