#include <doctest/doctest.h>

#include "support/cli.hpp"
#include "support/replay.hpp"

using namespace test;

TEST_CASE("troupe convert: MCL -> JSON Lines -> MCL round-trips exactly") {
  temp_dir dir;
  auto jsonl = dir.file("all.jsonl");
  REQUIRE(troupe_cli({"convert", mcl_dir("dataset"), jsonl}) == 0);
  REQUIRE(troupe_cli({"convert", jsonl, dir.file("mcl/")}) == 0);
  CHECK(read_logs({dir.file("mcl")}) == read_logs({mcl_dir("dataset")}));
  CHECK(read_logs({jsonl}) == read_logs({mcl_dir("dataset_split")}));
}

TEST_CASE("troupe convert: bad input exits with status 2") {
  temp_dir dir;
  auto bad = dir.write("bad.jsonl", "{\"elapsed_time\": 1}\n");
  CHECK(troupe_cli({"convert", bad, dir.file("out.log")}) == 2);
  CHECK(troupe_cli(
            {"convert", bad, dir.file("out.log"), "--on-bad-record", "skip"})
        == 0);
  CHECK(troupe_cli({"convert", "/no/such", dir.file("x.jsonl")}) == 2);
  CHECK(troupe_cli(
            {"convert", mcl_dir("dataset"), dir.file("x"), "--format", "csv"})
        == 2);
}
