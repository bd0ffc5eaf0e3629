#include <fstream>
#include <sstream>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "support/cli.hpp"
#include "support/replay.hpp"

using namespace test;

namespace {

nlohmann::json load_json(const std::string& path) {
  std::ifstream in{path};
  return nlohmann::json::parse(in);
}

} // namespace

TEST_CASE("troupe replay writes the report") {
  temp_dir dir;
  auto report = dir.file("r.json");
  REQUIRE(troupe_cli({"replay", mcl_dir("dataset"), "--speed", "20", "--report",
                      report, "--progress", "never", "--sink", "null"})
          == 0);
  auto j = load_json(report);
  CHECK(j["records_read"] == 20);
  CHECK(j["records_published"] == 20);
  CHECK(j["bad_records"].empty());
  CHECK(j["topics"]["UnitTestMessageA"]["count"] == 10);
  CHECK(j["topics"]["UnitTestMessageB"]["count"] == 10);
  CHECK(j["speed"] == 20.0);
  CHECK(j["state"] == "finished");
  CHECK(j["lateness_us"]["count"] == 20);
  for (auto key : {"p50", "p90", "p99", "max"}) {
    CHECK(j["lateness_us"].contains(key));
    CHECK(j["publish_lateness_us"].contains(key));
  }
  CHECK(j["stall_s"] >= 0);
  CHECK(j["dropped"] == 0);
  CHECK(j["wall_s"] > 0);
}

TEST_CASE("troupe replay: bad records are skipped and counted, or stop with "
          "status 2") {
  temp_dir dir;
  auto log = dir.write("x.jsonl",
                       "{\"elapsed_time\": 0.0, \"topic\": \"t\", "
                       "\"payload\": {}}\n{\"elapsed_time\": \"x\", \"topic\": "
                       "\"t\", \"payload\": {}}\n");
  auto report = dir.file("r.json");
  CHECK(troupe_cli({"replay", log, "--speed", "max", "--report", report,
                    "--progress", "never", "--sink", "null"})
        == 0);
  auto j = load_json(report);
  CHECK(j["speed"] == "max");
  CHECK(j["records_published"] == 1);
  REQUIRE(j["bad_records"].size() == 1);
  CHECK(j["bad_records"][0]["line"] == 2);
  CHECK(j["bad_records"][0]["file"] == log);
  CHECK(j["bad_records"][0]["reason"].get<std::string>().find("elapsed_time")
        != std::string::npos);
  CHECK(troupe_cli({"replay", log, "--speed", "max", "--on-bad-record", "stop",
                    "--progress", "never", "--sink", "null"})
        == 2);
}

TEST_CASE("troupe replay: bad usage exits with status 2") {
  for (auto args : std::vector<std::vector<std::string>>{
           {"replay", "/no/such/log"},
           {"replay", mcl_dir("dataset"), "--speed", "0"},
           {"replay", mcl_dir("dataset"), "--speed", "fast"},
           {"replay", mcl_dir("dataset"), "--until", "1", "--duration", "1"},
           {"replay", mcl_dir("dataset"), "--delay", "-1"},
           {"replay", mcl_dir("dataset"), "--include", "(["},
           {"replay", mcl_dir("dataset"), "--sink", "nowhere"},
           {"replay", mcl_dir("dataset"), "--on-bad-record", "maybe"},
           {"replay", mcl_dir("dataset"), "--read-ahead", "0"},
       }) {
    CAPTURE(args.back());
    CHECK(troupe_cli(args) == 2);
  }
}

TEST_CASE("troupe record writes what a replay publishes") {
  temp_dir dir;
  auto out = dir.file("rec.jsonl");
  REQUIRE(troupe_cli({"record", "--from", mcl_dir("dataset"), "--out", out,
                      "--format", "jsonl", "--topics", "UnitTestMessageB",
                      "--progress", "never"})
          == 0);
  auto records = read_logs({out});
  REQUIRE(records.size() == 10);
  CHECK(records.front().elapsed_ns == 100'000'000);
  CHECK(records.front().topic == "UnitTestMessageB");
  CHECK(troupe_cli({"record", "--out", out}) == 2);
  CHECK(troupe_cli({"record", "--from", mcl_dir("dataset"), "--out", out,
                    "--format", "xml"})
        == 2);
}
