#include <string>

#include "troupe/runtime/experiment/description.hpp"

#include <doctest/doctest.h>

#include "support/experiment.hpp"

using namespace troupe;
using namespace std::chrono_literals;

namespace {

const registry& types() {
  static auto instance = test::experiment_types();
  return *instance;
}

caf::expected<description> parse(const std::string& text) {
  return parse_description(text, "exp.toml", types());
}

/// The one-line error for `text`.
std::string error_of(const std::string& text) {
  auto result = parse(text);
  REQUIRE(!result);
  CHECK(code_of(result.error()) == errc::bad_input);
  auto line = to_text(result.error());
  CHECK(line.find('\n') == std::string::npos);
  return line.substr(line.find(": ") + 2);
}

const char* full = R"(
[experiment]
id = "demo"
duration = "30s"
wait_all_ready = false

[[resource]]
name = "node"
type = "node"

[[resource]]
name = "app"
type = "app"
connect = ["node"]
critical = false
run_time = 2.5
restart = { max = 2, backoff = "500ms", factor = 3 }

[[resource]]
name = "alarm"
type = "agent"
agent = "threshold_alarm"
topic = "temp"
above = 50

[[condition]]
action = "start"
resources = ["app"]
after = ["node"]
state = "started"
delay = "5s"

[[group]]
resources = ["node", "app"]
wait_all_ready = true
)";

} // namespace

TEST_CASE("a full description parses with normalized values") {
  auto d = parse(full);
  REQUIRE(d);
  CHECK(d->exp_id == "demo");
  CHECK(d->duration == caf::timespan{30s});
  CHECK(d->wait_all_ready == false);
  REQUIRE(d->resources.size() == 3);
  auto& app = d->resources[1];
  CHECK(app.line == 11);
  CHECK(app.connect == std::vector<std::string>{"node"});
  CHECK(caf::get<caf::timespan>(app.attrs.find("run_time")->second)
        == caf::timespan{2500ms});
  CHECK(caf::get<bool>(app.attrs.find("critical")->second) == false);
  CHECK(app.restart.max_restarts == 2);
  CHECK(app.restart.backoff == caf::timespan{500ms});
  CHECK(app.restart.factor == 3.0);
  CHECK(caf::get<double>(d->resources[2].attrs.find("above")->second) == 50.0);
  REQUIRE(d->conditions.size() == 1);
  CHECK(d->conditions[0].delay == caf::timespan{5s});
  REQUIRE(d->groups.size() == 1);
}

TEST_CASE("save and load round-trip") {
  auto d = parse(full);
  REQUIRE(d);
  auto text = save_description(*d);
  auto again = parse(text);
  REQUIRE(again);
  CHECK(save_description(*again) == text);
  CHECK(again->exp_id == d->exp_id);
  CHECK(again->duration == d->duration);
  REQUIRE(again->resources.size() == d->resources.size());
  for (size_t i = 0; i < d->resources.size(); ++i) {
    CHECK(again->resources[i].name == d->resources[i].name);
    CHECK(again->resources[i].attrs == d->resources[i].attrs);
    CHECK(again->resources[i].connect == d->resources[i].connect);
  }
  CHECK(again->conditions[0].after == d->conditions[0].after);
  CHECK(again->groups[0].resources == d->groups[0].resources);
}

TEST_CASE("bad input: one line naming file, line and field") {
  CHECK(error_of("[[resource]]\nname = \"a\"\ntype = \"nope\"\n")
        == "exp.toml:3: resource[0].type: unknown resource type 'nope' "
           "(known: agent, app, broken, channel, interface, node, process, "
           "replay, sim)");
  CHECK(error_of("[[resource]]\nname = \"r\"\ntype = \"replay\"\n")
        == "exp.toml:1: resource[0].paths: missing (required by type "
           "'replay')");
  CHECK(error_of("[[resource]]\nname = \"a\"\ntype = \"sim\"\ncolour = 1\n")
        == "exp.toml:4: resource[0].colour: unknown attribute for type 'sim'");
  CHECK(error_of("[[resource]]\nname = \"a\"\ntype = \"sim\"\n"
                 "critical = \"yes\"\n")
        == "exp.toml:4: resource[0].critical: attribute 'critical' expects a "
           "boolean, got a string");
  CHECK(error_of("[[resource]]\nname = \"a\"\ntype = \"sim\"\n"
                 "deploy_time = \"soon\"\n")
            .rfind("exp.toml:4: resource[0].deploy_time: ", 0)
        == 0);
  CHECK(error_of("[[resource]]\nname = \"p\"\ntype = \"process\"\n")
        == "exp.toml:1: resource[0].command: missing (required by type "
           "'process')");
  CHECK(
      error_of("[[resource]]\nname = \"a\"\ntype = \"agent\"\n"
               "agent = \"nope\"\n")
          .rfind("exp.toml:4: resource[0].agent: unknown agent type 'nope'", 0)
      == 0);
  CHECK(error_of("[[resource]]\nname = \"a\"\ntype = \"sim\"\n\n"
                 "[[resource]]\nname = \"a\"\ntype = \"sim\"\n")
        == "exp.toml:5: resource[1].name: duplicate resource name 'a' (first "
           "at line 1)");
  CHECK(error_of("[[resource]]\nname = \"a\"\ntype = \"sim\"\n\n"
                 "[[condition]]\naction = \"start\"\nresources = [\"a\"]\n"
                 "after = [\"ghost\"]\nstate = \"started\"\n")
        == "exp.toml:5: condition[0].after: no resource named 'ghost'");
  CHECK(error_of("[[resource]]\nname = \"a\"\ntype = \"sim\"\n"
                 "connect = [\"b\"]\n")
        == "exp.toml:1: resource[0].connect: no resource named 'b'");
  CHECK(error_of("[[resource]]\nname = \"a\"\ntype = \"sim\"\n\n"
                 "[[condition]]\naction = \"launch\"\nresources = [\"a\"]\n"
                 "after = [\"a\"]\nstate = \"started\"\n")
        == "exp.toml:6: condition[0].action: 'launch' is not deploy, start "
           "or stop");
  CHECK(error_of("[[resource]]\nname = \"a\"\ntype = \"sim\"\n\n"
                 "[[condition]]\naction = \"start\"\nresources = [\"a\"]\n"
                 "after = [\"a\"]\nstate = \"done\"\n")
        == "exp.toml:9: condition[0].state: 'done' is not a resource state");
  CHECK(error_of("[experiment]\nid = 3\n")
        == "exp.toml:2: experiment.id: expected a string, got an integer");
  CHECK(error_of("[experimnt]\nid = \"x\"\n")
        == "exp.toml:1: top level.experimnt: unknown key");
  auto syntax = error_of("[[resource]\nname = \"a\"\n");
  CHECK(syntax.rfind("exp.toml:1: syntax: ", 0) == 0);
}

TEST_CASE("bad input: a refusal quoting the file stays on one line") {
  // The parser quotes the character it stopped at: here the newline after a
  // cut-off boolean.
  auto text = error_of("[[resource]]\nname = \"a\"\ntype = \"sim\"\n"
                       "critical = fal\n");
  CHECK(text.rfind("exp.toml:4: syntax: ", 0) == 0);
  CHECK(text.find('\n') == std::string::npos);
  CHECK(text.find("\\n") != std::string::npos);
  auto control = error_of("[[resource]]\nname = \"a\x01\"\n");
  CHECK(control.find('\x01') == std::string::npos);
}

TEST_CASE("bad input: conditions that wait for each other in a cycle") {
  const char* two = R"(
[[resource]]
name = "a"
type = "sim"
[[resource]]
name = "b"
type = "sim"
[[condition]]
action = "start"
resources = ["a"]
after = ["b"]
state = "started"
[[condition]]
action = "start"
resources = ["b"]
after = ["a"]
state = "started"
)";
  auto err = error_of(two);
  CHECK(err.find("exp.toml:") == 0);
  CHECK(err.find("condition[") != std::string::npos);
  CHECK(err.find("cycle") != std::string::npos);
  // Deploy after READY of each other: a cycle too.
  std::string deploy_cycle = two;
  for (auto pos = deploy_cycle.find("\"start\""); pos != std::string::npos;
       pos = deploy_cycle.find("\"start\"", pos))
    deploy_cycle.replace(pos, 7, "\"deploy\"");
  for (auto pos = deploy_cycle.find("\"started\""); pos != std::string::npos;
       pos = deploy_cycle.find("\"started\"", pos))
    deploy_cycle.replace(pos, 9, "\"ready\"");
  CHECK(error_of(deploy_cycle).find("cycle") != std::string::npos);
}

TEST_CASE("no false cycles: starts chained inside one ready group") {
  // B starts after A started, both wait for all READY: fine.
  auto d = parse(R"(
[[resource]]
name = "a"
type = "sim"
[[resource]]
name = "b"
type = "sim"
[[condition]]
action = "start"
resources = ["b"]
after = ["a"]
state = "started"
[[condition]]
action = "stop"
resources = ["a"]
after = ["b"]
state = "stopped"
[[condition]]
action = "deploy"
resources = ["b"]
after = ["a"]
state = "ready"
)");
  CHECK(d);
  // A start waits for B's start, B's start needs every deploy, and A's
  // deploy waits for A... no: a start after its own stop can never hold.
  CHECK(error_of(R"(
[[resource]]
name = "a"
type = "sim"
[[condition]]
action = "start"
resources = ["a"]
after = ["a"]
state = "stopped"
)")
            .find("cycle")
        != std::string::npos);
}

TEST_CASE_FIXTURE(test::experiment_fixture,
                  "N21: a saved 13-resource description runs again") {
  std::string text = "[experiment]\nid = \"thirteen\"\n";
  text += "[[resource]]\nname = \"node\"\ntype = \"node\"\n";
  for (int i = 0; i < 12; ++i)
    text += "[[resource]]\nname = \"app" + std::to_string(i)
            + "\"\ntype = \"app\"\nrun_time = \"1s\"\nconnect = [\"node\"]\n";
  auto d = parse(text);
  REQUIRE(d);
  auto saved = save_description(*d);
  auto run_it = [this](const description& x) {
    auto guids = register_description(*this, ctl, x);
    REQUIRE(guids);
    CHECK(!deploy_description(*this, ctl, x, *guids));
    advance(2s);
    auto all = request<resource_list>(ctl, list_resources{});
    REQUIRE(all);
    return all->resources.size();
  };
  CHECK(run_it(*d) == 13);
  auto done = later(shutdown_experiment{});
  REQUIRE(done->has_value());
  auto loaded = parse(saved);
  REQUIRE(loaded);
  test::experiment_fixture second;
  auto guids = register_description(second, second.ctl, *loaded);
  REQUIRE(guids);
  CHECK(guids->size() == 13);
  CHECK(!deploy_description(second, second.ctl, *loaded, *guids));
  second.advance(2s);
  auto all = second.request<resource_list>(second.ctl, list_resources{});
  REQUIRE(all);
  CHECK(all->resources.size() == 13);
  for (auto& r : all->resources)
    CHECK(r.state
          == (r.type == "node" ? resource_state::started
                               : resource_state::stopped));
}

// -- nodes and placement ------------------------------------------------------

namespace {

const char* placed = R"([[node]]
name = "n1"
address = "127.0.0.1:4242"
secret_file = "cluster.key"

[[node]]
name = "n2"
address = "edge.example:5000"
secret_file = "cluster.key"

[[resource]]
name = "sensor"
type = "process"
command = "true"
node = "n1"

[[resource]]
name = "here"
type = "process"
command = "true"
)";

} // namespace

TEST_CASE("nodes and placement parse") {
  auto desc = parse(placed);
  REQUIRE(desc);
  REQUIRE(desc->nodes.size() == 2);
  CHECK(desc->nodes[0].name == "n1");
  CHECK(desc->nodes[0].address == "127.0.0.1:4242");
  CHECK(desc->nodes[0].secret_file == "cluster.key");
  CHECK(desc->nodes[0].line == 1);
  CHECK(desc->nodes[1].address == "edge.example:5000");
  REQUIRE(desc->resources.size() == 2);
  CHECK(desc->resources[0].node == "n1");
  CHECK(desc->resources[0].node_line == 15);
  CHECK(desc->resources[1].node.empty());
  // `node` is the placement, not an attribute of the type.
  CHECK(desc->resources[0].attrs.count("node") == 0);
}

TEST_CASE("nodes and placement survive save and load") {
  auto desc = parse(placed);
  REQUIRE(desc);
  auto again = parse(save_description(*desc));
  REQUIRE(again);
  REQUIRE(again->nodes.size() == 2);
  CHECK(again->nodes[1].name == "n2");
  CHECK(again->nodes[1].address == "edge.example:5000");
  CHECK(again->nodes[1].secret_file == "cluster.key");
  CHECK(again->resources[0].node == "n1");
  CHECK(again->resources[1].node.empty());
}

TEST_CASE("bad placement: one line naming file, line and field") {
  std::string unknown = placed;
  unknown.replace(unknown.find("node = \"n1\""), 11, "node = \"n9\"");
  CHECK(error_of(unknown)
        == "exp.toml:15: resource[0].node: no node named 'n9' (listed: n1, "
           "n2)");
  CHECK(error_of("[[resource]]\nname = \"a\"\ntype = \"process\"\n"
                 "command = \"true\"\nnode = \"n1\"\n")
        == "exp.toml:5: resource[0].node: no node named 'n1' (listed: none; "
           "add a [[node]] table)");
  CHECK(error_of("[[resource]]\nname = \"a\"\ntype = \"process\"\n"
                 "command = \"true\"\nnode = 3\n")
        == "exp.toml:5: resource[0].node: expected a string, got an integer");
  CHECK(error_of("[[node]]\nname = \"n1\"\n")
        == "exp.toml:1: node[0].address: missing");
  CHECK(error_of("[[node]]\naddress = \"h:1\"\n")
        == "exp.toml:1: node[0].name: missing");
  CHECK(error_of("[[node]]\nname = \"n1\"\naddress = \"nowhere\"\n")
        == "exp.toml:3: node[0].address: 'nowhere' is not HOST:PORT");
  CHECK(error_of("[[node]]\nname = \"n1\"\naddress = \"h:70000\"\n")
        == "exp.toml:3: node[0].address: 'h:70000' is not HOST:PORT");
  CHECK(error_of("[[node]]\nname = \"n1\"\naddress = \"h:1\"\nport = 2\n")
        == "exp.toml:4: node[0].port: unknown key");
  CHECK(error_of("[[node]]\nname = \"n1\"\naddress = \"h:1\"\n"
                 "tls_cert = \"c.pem\"\n")
        == "exp.toml:1: node[0].tls_cert: TLS needs all of tls_cert, tls_key "
           "and tls_ca");
  CHECK(error_of("[[node]]\nname = \"n1\"\naddress = \"h:1\"\n"
                 "[[node]]\nname = \"n1\"\naddress = \"h:2\"\n")
        == "exp.toml:4: node[1].name: duplicate node name 'n1' (first at "
           "line 1)");
  CHECK(error_of("[[node]]\nname = \"n1\"\naddress = \"h:1\"\n"
                 "secret_file = \"a\"\n"
                 "[[node]]\nname = \"n2\"\naddress = \"h:2\"\n")
        == "exp.toml:5: node[1].secret_file: every node must use the same "
           "secret_file (the controller holds one secret)");
}
