// `troupe run` end to end on the real scheduler, with local processes.

#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <unistd.h>

#include "troupe/runtime/cli/cli.hpp"
#include "troupe/runtime/experiment/run.hpp"
#include "troupe/runtime/monitor/poll.hpp"

#include <caf/send.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace troupe;
namespace fs = std::filesystem;

namespace {

struct run_dir {
  fs::path root;

  run_dir() {
    auto base = fs::temp_directory_path()
                / ("troupe-run-test-" + std::to_string(::getpid()));
    root = base / std::to_string(counter()++);
    fs::create_directories(root);
  }

  ~run_dir() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }

  static int& counter() {
    static int n = 0;
    return n;
  }

  std::string file(const std::string& name, const std::string& text) {
    auto path = root / name;
    std::ofstream{path} << text;
    return path.string();
  }

  int run(const std::string& path, std::string* out = nullptr,
          std::string* err = nullptr) {
    return run_with({}, path, out, err);
  }

  int run_with(run_options opts, const std::string& path,
               std::string* out = nullptr, std::string* err = nullptr) {
    std::ostringstream o;
    std::ostringstream e;
    opts.run_dir = (root / "runs").string();
    opts.report_path = (root / "report.json").string();
    auto rc = run_experiment_file(path, opts, types, o, e);
    if (out)
      *out = o.str();
    if (err)
      *err = e.str();
    return rc;
  }

  std::shared_ptr<const registry> types;

  nlohmann::json report() {
    std::ifstream in{root / "report.json"};
    return nlohmann::json::parse(in);
  }
};

} // namespace

TEST_CASE("a finished experiment exits 0 and writes its run folder") {
  run_dir dir;
  auto path = dir.file("ok.toml", R"(
[experiment]
id = "chain"
[[resource]]
name = "first"
type = "process"
command = "echo one"
[[resource]]
name = "second"
type = "process"
command = "echo two"
[[resource]]
name = "flaky"
type = "process"
command = "exit 4"
critical = false
[[condition]]
action = "start"
resources = ["second"]
after = ["first"]
state = "stopped"
)");
  std::string out;
  CHECK(dir.run(path, &out) == 0);
  auto j = dir.report();
  CHECK(j["exp_id"] == "chain");
  CHECK(j["state"] == "finished");
  CHECK(j["failure_level"] == "OK");
  REQUIRE(j["resources"].size() == 3);
  CHECK(j["resources"][0]["state"] == "RELEASED");
  CHECK(j["resources"][2]["error"] == "process exited with status 4");
  CHECK(j["resources"][2]["times"]["failed"].is_number());
  CHECK(j["resources"][2]["times"]["stopped"].is_null());
  CHECK(j["resources"][1]["times"]["started"].get<double>()
        >= j["resources"][0]["times"]["stopped"].get<double>());
  auto folder = dir.root / "runs" / "chain" / j["run_id"].get<std::string>();
  CHECK(fs::exists(folder / "experiment.toml"));
  CHECK(fs::exists(folder / "report.json"));
  std::ifstream trace{folder / "traces" / "second.stdout"};
  std::string line;
  std::getline(trace, line);
  CHECK(line == "two");
  CHECK(out.find(folder.string()) != std::string::npos);
}

TEST_CASE("an aborted experiment exits 1") {
  run_dir dir;
  auto path = dir.file("abort.toml", R"(
[[resource]]
name = "bad"
type = "process"
command = "exit 2"
[[resource]]
name = "long"
type = "process"
command = "sleep 60"
)");
  CHECK(dir.run(path) == 1);
  auto j = dir.report();
  CHECK(j["state"] == "aborted");
  CHECK(j["failure_level"] == "RM_FAILURE");
  CHECK(j["reason"].get<std::string>().find("bad") != std::string::npos);
  CHECK(j["resources"][1]["state"] == "RELEASED");
}

TEST_CASE("a duration stops what still runs") {
  run_dir dir;
  auto path = dir.file("dur.toml", R"(
[experiment]
duration = "200ms"
[[resource]]
name = "long"
type = "process"
command = "sleep 60"
)");
  CHECK(dir.run(path) == 0);
  auto j = dir.report();
  CHECK(j["state"] == "finished");
  CHECK(j["resources"][0]["times"]["stopped"].is_number());
}

TEST_CASE("a replay of the shipped logs feeds the experiment's agents") {
  run_dir dir;
  auto path = dir.file("replay.toml", R"(
[experiment]
id = "replay"
duration = "60s"
[[resource]]
name = "logs"
type = "replay"
paths = [")" + std::string{TROUPE_TEST_DATA_DIR}
                                          + R"(/mcl/dataset"]
speed = 10.0
[[resource]]
name = "alarm"
type = "agent"
agent = "threshold_alarm"
topic = "UnitTestMessageB"
field = "data"
above = 0.55
critical = false
[[resource]]
name = "rates"
type = "agent"
agent = "topic_stats"
interval = "10ms"
[[condition]]
action = "start"
resources = ["logs"]
after = ["alarm", "rates"]
state = "started"
delay = "200ms"
[[condition]]
action = "stop"
resources = ["alarm", "rates"]
after = ["logs"]
state = "stopped"
)");
  CHECK(dir.run(path) == 0);
  auto j = dir.report();
  CHECK(j["state"] == "finished");
  CHECK(j["failure_level"] == "OK");
  REQUIRE(j["resources"].size() == 3);
  auto& logs = j["resources"][0];
  CHECK(logs["type"] == "replay");
  CHECK(logs["error"].is_null());
  CHECK(logs["times"]["stopped"].is_number());
  // The agents stopped because the replay did.
  CHECK(j["resources"][1]["times"]["stopped"].get<double>()
        >= logs["times"]["stopped"].get<double>());
  // The alarm saw the replayed records (B 0.6 and on are above 0.55): one
  // alarm, recorded by the failure manager, not critical.
  REQUIRE(j["failures"].size() == 1);
  CHECK(j["failures"][0]["origin"]["agent"] == "alarm");
  CHECK(j["failures"][0]["text"].get<std::string>().find("UnitTestMessageB")
        != std::string::npos);
  CHECK(j["failures"][0]["decision"] == "ignore");
}

TEST_CASE("a missing log fails the replay resource, naming it") {
  run_dir dir;
  auto path = dir.file("missing.toml", R"(
[[resource]]
name = "logs"
type = "replay"
paths = ["/no/such/folder/x.log"]
)");
  CHECK(dir.run(path) == 1);
  auto j = dir.report();
  CHECK(j["state"] == "aborted");
  CHECK(j["resources"][0]["error"].get<std::string>().find(
            "/no/such/folder/x.log")
        != std::string::npos);
}

namespace {

/// The monitor point `name` in a report, or null.
nlohmann::json point_of(const nlohmann::json& report, const std::string& name) {
  for (auto& p : report["monitor"]["points"])
    if (p["name"] == name)
      return p;
  return nullptr;
}

const char* one_process = R"(
[[resource]]
name = "echo"
type = "process"
command = "echo hi"
)";

} // namespace

TEST_CASE("the report embeds the monitor's snapshot") {
  run_dir dir;
  auto path = dir.file("ok.toml", one_process);
  CHECK(dir.run(path) == 0);
  auto j = dir.report();
  REQUIRE(j.contains("monitor"));
  CHECK(j["monitor"]["running"] == true);
  CHECK(j["monitor"]["points"].is_array());
  CHECK(point_of(j, "runtime")["kind"] == "parent");
  CHECK(point_of(j, "experiment/resources")["kind"] == "parent");
  auto echo = point_of(j, "experiment/resources/echo");
  REQUIRE(echo.is_object());
  CHECK(echo["value"].is_string());
}

TEST_CASE("a critical monitor alert aborts the run through the failure "
          "manager") {
  run_dir dir;
  auto path = dir.file("long.toml", R"(
[experiment]
duration = "60s"
[[resource]]
name = "long"
type = "process"
command = "sleep 60"
)");
  run_options opts;
  opts.add_points = [](runtime&, const monitor_actor& mon) {
    point_options po;
    po.dt = std::chrono::milliseconds{50};
    po.critical = true;
    caf::anon_send(mon, caf::add_atom::value,
                   make_point("plant/boiler", po,
                              poll([] { return alert::critical(120.0); })));
  };
  CHECK(dir.run_with(opts, path) == 1);
  auto j = dir.report();
  CHECK(j["state"] == "aborted");
  CHECK(j["failure_level"] == "RM_FAILURE");
  REQUIRE(!j["failures"].empty());
  CHECK(j["failures"][0]["origin"]["kind"] == "monitor");
  CHECK(j["failures"][0]["origin"]["name"] == "plant/boiler");
  CHECK(j["failures"][0]["decision"] == "abort");
  // The alert may come before the resource is even registered (the first
  // poll is at once): then there is none to release, and still exit 1.
  for (auto& r : j["resources"])
    CHECK(r["state"] == "RELEASED");
}

TEST_CASE("--metrics-port 0 serves the monitor on a free port") {
  run_dir dir;
  auto path = dir.file("ok.toml", one_process);
  run_options opts;
  opts.metrics_port = 0;
  std::string out;
  CHECK(dir.run_with(opts, path, &out) == 0);
  auto at = out.find("troupe run: metrics on http://127.0.0.1:");
  REQUIRE(at != std::string::npos);
  auto port = std::stoi(out.substr(at + 40));
  CHECK(port > 0);
  CHECK(port < 65536);
}

TEST_CASE("--monitor table draws the table on stdout") {
  run_dir dir;
  auto path = dir.file("ok.toml", one_process);
  run_options opts;
  opts.monitor_view = "table";
  auto captured = (dir.root / "stdout.txt").string();
  std::fflush(stdout);
  std::cout.flush();
  auto saved = ::dup(STDOUT_FILENO);
  auto fd = ::open(captured.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  REQUIRE(fd >= 0);
  ::dup2(fd, STDOUT_FILENO);
  ::close(fd);
  auto rc = dir.run_with(opts, path);
  std::cout.flush();
  std::fflush(stdout);
  ::dup2(saved, STDOUT_FILENO);
  ::close(saved);
  CHECK(rc == 0);
  std::ifstream in{captured};
  std::string text{std::istreambuf_iterator<char>{in}, {}};
  CHECK(text.find("experiment") != std::string::npos);
  CHECK(text.find("runtime") != std::string::npos);
}

TEST_CASE("bad monitor options exit 2 before anything runs") {
  run_dir dir;
  auto path = dir.file("ok.toml", one_process);
  run_options opts;
  opts.monitor_view = "graph";
  std::string err;
  CHECK(dir.run_with(opts, path, nullptr, &err) == 2);
  CHECK(err == "troupe run: --monitor: expected table or off, got 'graph'\n");
  CHECK(!fs::exists(dir.root / "runs"));
}

TEST_CASE("a bad file exits 2 with one line, nothing deployed") {
  run_dir dir;
  auto path = dir.file("bad.toml", "[[resource]]\nname = \"r\"\n"
                                   "type = \"replay\"\n");
  std::string out;
  std::string err;
  CHECK(dir.run(path, &out, &err) == 2);
  CHECK(err
        == path
               + ":1: resource[0].paths: missing (required by type "
                 "'replay')\n");
  CHECK(out.empty());
  CHECK(!fs::exists(dir.root / "runs"));
  CHECK(dir.run((dir.root / "missing.toml").string(), &out, &err) == 2);
  CHECK(err.find("cannot be read") != std::string::npos);
}

TEST_CASE("troupe run through the CLI entry point") {
  run_dir dir;
  auto path = dir.file("ok.toml", "[[resource]]\nname = \"t\"\n"
                                  "type = \"process\"\ncommand = \"true\"\n");
  std::vector<std::string> args{"troupe", "run", path, "--run-dir",
                                (dir.root / "runs").string()};
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  auto types = std::make_shared<const registry>(registry::with_builtins());
  CHECK(cli::main(static_cast<int>(argv.size()), argv.data(), types) == 0);
}
