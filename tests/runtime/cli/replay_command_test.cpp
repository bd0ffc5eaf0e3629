#include <fstream>
#include <sstream>

#include "troupe/runtime/log_writer.hpp"

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
  CHECK(j["stall_s"] == 0); // 20 records never fill the window
  CHECK(j["dropped"] == 0);
  CHECK(j["wall_s"] > 0);
}

TEST_CASE("troupe replay into a JSON Lines sink writes the log in its "
          "order, at every speed") {
  temp_dir dir;
  // Three topics at 2 kHz in all, with ties; enough records at each speed
  // that one record written before an earlier one shows in every run.
  struct speed_case {
    const char* speed;
    int64_t records;
  };
  const speed_case speeds[] = {
      {"1", 1000}, {"5", 4000}, {"50", 20000}, {"1000", 20000}, {"max", 20000}};
  for (auto& sc : speeds) {
    auto records = three_topic_records(sc.records);
    troupe::write_options wopts;
    wopts.format = troupe::log_format::jsonl;
    auto log = dir.file(std::string{"in-"} + sc.speed + ".jsonl");
    {
      auto writer = troupe::log_writer::open(log, wopts);
      REQUIRE(writer);
      for (auto& rec : records)
        REQUIRE(!(*writer)->write(rec));
      REQUIRE(!(*writer)->close());
    }
    auto expected = seqs_on(records, {"a", "b", "c"});
    for (int round = 0; round < 3; ++round) {
      std::string speed = sc.speed;
      CAPTURE(speed);
      CAPTURE(round);
      auto out = dir.file("out.jsonl");
      REQUIRE(troupe_cli({"replay", log, "--speed", sc.speed, "--sink",
                          "jsonl:" + out, "--progress", "never"})
              == 0);
      auto written = read_logs({out});
      CHECK(seqs_on(written, {"a", "b", "c"}) == expected);
    }
  }
}

TEST_CASE("troupe replay of the MCL set at speed 1000 writes A 0.00 to B "
          "1.00 in order, every run") {
  temp_dir dir;
  auto out = dir.file("out.jsonl");
  for (int round = 0; round < 20; ++round) {
    CAPTURE(round);
    REQUIRE(troupe_cli({"replay", mcl_dir("dataset"), "--speed", "1000",
                        "--sink", "jsonl:" + out, "--progress", "never"})
            == 0);
    auto written = read_logs({out});
    // The sink keeps each record's topic; its label wants the type.
    for (auto& rec : written)
      rec.type = rec.topic;
    CHECK(labels(written) == fixture_labels());
  }
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
