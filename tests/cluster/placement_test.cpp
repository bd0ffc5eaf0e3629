// Resources placed on real `troupe node` processes (started by the ctest
// fixture in tests/cluster/nodes.sh): deployed there, reported here, and
// FAILED when their node is killed. The bound of 2 s is the requirement;
// every wait is generous.

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sys/wait.h>
#include <thread>

#include "troupe/actors/controller.hpp"
#include "troupe/runtime/cluster/cluster.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support/cluster_fixture.hpp"
#include "support/process.hpp"

using namespace std::chrono_literals;
using namespace troupe;

namespace {

constexpr auto patience = 30s;

constexpr auto loss_bound = 2s;

/// An experiment whose controller places resources through `ctl`'s node.
struct placed_experiment {
  explicit placed_experiment(test::controller& ctl) : ctl(ctl) {
    experiment_options opts;
    opts.cluster = ctl.node().handle();
    handles = spawn_experiment(ctl.rt(), opts);
  }

  caf::expected<uint64_t> add(const std::string& name, const std::string& node,
                              const std::string& command, bool critical) {
    attributes attrs;
    attrs.emplace("command", caf::config_value{command});
    attrs.emplace("critical", caf::config_value{critical});
    return ctl.ask<uint64_t>(handles.controller, patience,
                             add_resource{"process", name, attrs, {}, node});
  }

  caf::error deploy(guid_list guids) {
    auto id = ctl.ask<uint64_t>(handles.controller, patience,
                                deploy_resources{std::move(guids), true, 0});
    return id ? caf::none : id.error();
  }

  /// Waits until every resource in `guids` reached `state`.
  caf::error wait(guid_list guids, resource_state state) {
    caf::scoped_actor self{ctl.rt().system()};
    caf::error result = make_error(errc::timeout, "no answer");
    self->request(handles.controller, patience, wait_for{state, guids, 0})
        .receive([&] { result = caf::none; },
                 [&](caf::error& err) { result = std::move(err); });
    return result;
  }

  resource_info info(uint64_t guid) {
    auto x = ctl.ask<resource_info>(handles.controller, patience,
                                    get_resource{guid});
    REQUIRE(x);
    return *x;
  }

  experiment_report report() {
    auto x = ctl.ask<experiment_report>(handles.controller, patience,
                                        get_report{});
    REQUIRE(x);
    return *x;
  }

  void shutdown() {
    caf::scoped_actor self{ctl.rt().system()};
    self->request(handles.controller, patience, shutdown_experiment{})
        .receive([] {}, [](caf::error&) {});
  }

  test::controller& ctl;
  experiment_handles handles;
};

int64_t now_ns() {
  // The actor clock is the steady clock.
  return std::chrono::steady_clock::now().time_since_epoch().count();
}

int64_t time_of(const resource_info& x, resource_state s) {
  return x.times_ns[static_cast<size_t>(s)];
}

/// Runs `args` to its end; returns its exit status (-1: did not exit).
int run_to_end(std::vector<std::string> args, const std::string& out,
               const std::string& err) {
  auto pid = test::start_process(std::move(args), out, err);
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
    return -1;
  return WEXITSTATUS(status);
}

std::string fresh_dir(const std::string& name) {
  auto dir = test::cluster_dir() + "/" + name;
  std::string cmd = "rm -rf '" + dir + "' && mkdir -p '" + dir + "'";
  REQUIRE(std::system(cmd.c_str()) == 0);
  return dir;
}

/// The `[[node]]` table of an experiment file for the test node `name`.
std::string node_table(const std::string& name) {
  return "[[node]]\nname = \"" + name + "\"\naddress = \""
         + to_string(test::node_address(name)) + "\"\nsecret_file = \""
         + test::secret_file() + "\"\n\n";
}

/// kill -9 of a fixture node; it is no longer the fixture's to stop.
bool kill_node(const std::string& name) {
  auto pid_file = test::cluster_dir() + "/" + name + ".pid";
  auto pid = test::read_pid(pid_file);
  if (pid <= 0 || ::kill(pid, SIGKILL) != 0)
    return false;
  std::remove(pid_file.c_str());
  return true;
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out{path, std::ios::trunc};
  out << text;
}

} // namespace

TEST_CASE("a resource placed on a node runs there and reports here") {
  test::controller ctl{test::controller_options("ctl-place")};
  REQUIRE(ctl.node().connect(test::node_address("placed")));
  placed_experiment exp{ctl};
  auto dir = fresh_dir("place-api");
  // The command runs on the node: its side effect proves where.
  auto remote = exp.add("remote-touch", "placed",
                        "echo $PPID > '" + dir + "/ran-by'", true);
  REQUIRE_MESSAGE(remote, to_text(remote.error()));
  auto local = exp.add("local-true", "", "true", true);
  REQUIRE(local);
  REQUIRE_FALSE(exp.deploy({*remote, *local}));
  REQUIRE_FALSE(exp.wait({*remote, *local}, resource_state::stopped));
  auto x = exp.info(*remote);
  CHECK(x.state == resource_state::stopped);
  CHECK(x.node == "placed");
  CHECK(time_of(x, resource_state::started) >= 0);
  CHECK(time_of(x, resource_state::stopped) >= 0);
  CHECK(exp.info(*local).node.empty());
  // The shell's parent is the node process, not this one.
  auto ran_by = std::atoi(test::read_file(dir + "/ran-by").c_str());
  CHECK(ran_by == test::read_pid(test::cluster_dir() + "/placed.pid"));
  // Traces of a placed resource are read through the controller.
  auto traces = ctl.ask<std::vector<std::string>>(
      exp.handles.controller, patience, list_traces{*remote});
  REQUIRE(traces);
  auto report = exp.report();
  CHECK(report.state == "finished");
  REQUIRE(report.resources.size() == 2);
  CHECK(report.resources[0].node == "placed");
  exp.shutdown();
  CHECK(exp.info(*remote).state == resource_state::released);
}

TEST_CASE("placing on a node that is not connected is refused") {
  test::controller ctl{test::controller_options("ctl-place-none")};
  placed_experiment exp{ctl};
  auto guid = exp.add("nowhere", "no-such-node", "true", true);
  REQUIRE_FALSE(guid);
  CHECK(code_of(guid.error()) == errc::not_found);
  CHECK(to_text(guid.error()).find("no-such-node") != std::string::npos);
  // The name is free again.
  CHECK(exp.add("nowhere", "", "true", true));
  exp.shutdown();
}

TEST_CASE("kill -9 of a node: its critical resource FAILED within 2 s and "
          "the experiment aborts") {
  test::controller ctl{test::controller_options("ctl-doomed")};
  REQUIRE(ctl.node().connect(test::node_address("doomed")));
  placed_experiment exp{ctl};
  auto victim = exp.add("doomed-sleep", "doomed", "sleep 20", true);
  REQUIRE_MESSAGE(victim, to_text(victim.error()));
  auto bystander = exp.add("local-sleep", "", "sleep 20", false);
  REQUIRE(bystander);
  REQUIRE_FALSE(exp.deploy({*victim, *bystander}));
  REQUIRE_FALSE(exp.wait({*victim}, resource_state::started));
  auto killed_ns = now_ns();
  REQUIRE(kill_node("doomed"));
  // The wait for the end fails: a critical resource FAILED.
  auto ended = exp.wait({*victim, *bystander}, resource_state::stopped);
  CHECK(code_of(ended) == errc::aborted);
  auto x = exp.info(*victim);
  CHECK(x.state == resource_state::failed);
  CHECK(x.error.find("node_lost") != std::string::npos);
  CHECK(x.error.find("'doomed'") != std::string::npos);
  auto took = std::chrono::nanoseconds{time_of(x, resource_state::failed)
                                       - killed_ns};
  MESSAGE("resource on a killed node FAILED after "
          << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
          << " ms");
  CHECK(took < loss_bound);
  auto report = exp.report();
  CHECK(report.state == "aborted");
  CHECK(report.level == failure_level::rm_failure);
  REQUIRE_FALSE(report.failures.empty());
  auto& first = report.failures.front();
  CHECK(first.report.origin.node == "doomed");
  CHECK(first.report.origin.name == "doomed-sleep");
  CHECK(first.report.code == "node_lost");
  CHECK(first.decision.action == failure_action::abort);
  exp.shutdown();
}

TEST_CASE("troupe run places resources on the nodes the file lists") {
  auto dir = fresh_dir("place-run");
  auto file = dir + "/exp.toml";
  write_text(file, node_table("placed")
                       + "[[resource]]\nname = \"there\"\ntype = \"process\"\n"
                         "command = \"true\"\nnode = \"placed\"\n\n"
                         "[[resource]]\nname = \"here\"\ntype = \"process\"\n"
                         "command = \"true\"\n");
  auto rc = run_to_end({TROUPE_TEST_NODE, "run", file, "--report",
                        dir + "/report.json", "--run-dir", dir + "/runs"},
                       dir + "/out", dir + "/err");
  INFO(test::read_file(dir + "/out") << test::read_file(dir + "/err"));
  CHECK(rc == 0);
  auto report = nlohmann::json::parse(test::read_file(dir + "/report.json"));
  CHECK(report["state"] == "finished");
  REQUIRE(report["resources"].size() == 2);
  CHECK(report["resources"][0]["node"] == "placed");
  CHECK(report["resources"][0]["state"] == "RELEASED");
  CHECK(report["resources"][0]["times"]["stopped"].is_number());
  CHECK(report["resources"][1]["node"] == "local");
}

TEST_CASE("troupe run: an unknown node is refused before anything runs") {
  auto dir = fresh_dir("place-unknown");
  auto file = dir + "/exp.toml";
  write_text(file, node_table("placed")
                       + "[[resource]]\nname = \"x\"\n"
                         "type = \"process\"\ncommand = \"echo go > '"
                       + dir + "/ran'\"\nnode = \"elsewhere\"\n");
  auto rc
      = run_to_end({TROUPE_TEST_NODE, "run", file, "--run-dir", dir + "/runs"},
                   dir + "/out", dir + "/err");
  CHECK(rc == 2);
  CHECK(test::read_file(dir + "/err")
        == file
               + ":10: resource[0].node: no node named 'elsewhere' (listed: "
                 "placed)\n");
  CHECK(test::read_file(dir + "/ran").empty());
}

TEST_CASE("troupe run: kill -9 of a node aborts the experiment with exit 1") {
  auto dir = fresh_dir("place-kill");
  auto file = dir + "/exp.toml";
  write_text(file, node_table("doomed2")
                       + "[[resource]]\nname = \"victim\"\n"
                         "type = \"process\"\ncommand = \"echo go > '"
                       + dir + "/started'; sleep 20\"\nnode = \"doomed2\"\n");
  auto run
      = test::start_process({TROUPE_TEST_NODE, "run", file, "--report",
                             dir + "/report.json", "--run-dir", dir + "/runs"},
                            dir + "/out", dir + "/err");
  // Kill the node once the resource runs there.
  auto waited = 0ms;
  while (test::read_file(dir + "/started").empty() && waited < patience) {
    std::this_thread::sleep_for(50ms);
    waited += 50ms;
  }
  REQUIRE_MESSAGE(waited < patience, "the placed resource never started");
  REQUIRE(kill_node("doomed2"));
  int status = 0;
  REQUIRE(::waitpid(run, &status, 0) == run);
  INFO(test::read_file(dir + "/out") << test::read_file(dir + "/err"));
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 1);
  auto report = nlohmann::json::parse(test::read_file(dir + "/report.json"));
  CHECK(report["state"] == "aborted");
  auto& victim = report["resources"][0];
  CHECK(victim["node"] == "doomed2");
  CHECK(victim["error"].get<std::string>().find("doomed2")
        != std::string::npos);
  // From STARTED to FAILED: at most the detection bound plus the time the
  // test took to notice the start and kill the node.
  auto started = victim["times"]["started"].get<double>();
  auto failed = victim["times"]["failed"].get<double>();
  MESSAGE("STARTED -> FAILED on a killed node: " << (failed - started) << " s");
  CHECK(failed > started);
  REQUIRE_FALSE(report["failures"].empty());
  CHECK(report["failures"][0]["origin"]["node"] == "doomed2");
  CHECK(report["failures"][0]["code"] == "node_lost");
  CHECK(report["failures"][0]["decision"] == "abort");
}
