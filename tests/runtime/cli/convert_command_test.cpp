#include <filesystem>

#include "troupe/runtime/mcl_log.hpp"

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

TEST_CASE("troupe convert: MCL -> MCL keeps the header's created time and "
          "revision") {
  temp_dir dir;
  auto created = std::string{"2021-05-04 10:20:30"};
  REQUIRE(troupe_cli({"convert", mcl_dir("dataset") + "/UnitTestMessageA.log",
                      dir.file("a.log"), "--created", created})
          == 0);
  REQUIRE(troupe_cli({"convert", dir.file("a.log"), dir.file("b.log")}) == 0);
  bool present = false;
  auto hdr = troupe::mcl::read_header(dir.file("b.log"), present);
  REQUIRE(hdr);
  REQUIRE(present);
  CHECK(hdr->created == created);
  CHECK(hdr->revision == "ffff000000000000000000000000000000000000");
  CHECK(read_logs({dir.file("b.log")})
        == read_logs({mcl_dir("dataset") + "/UnitTestMessageA.log"}));
}

TEST_CASE("troupe convert: a conversion stopped by a bad record leaves no "
          "partial output") {
  temp_dir dir;
  auto in = dir.write("in.jsonl", "{\"elapsed_time\": 0.1, \"topic\": \"a\", "
                                  "\"payload\": {\"x\": 1}}\n"
                                  "{\"elapsed_time\": 0.2}\n");
  CHECK(troupe_cli({"convert", in, dir.file("out.jsonl")}) == 2);
  CHECK_FALSE(std::filesystem::exists(dir.file("out.jsonl")));
  CHECK(troupe_cli(
            {"convert", in, dir.file("out.jsonl"), "--on-bad-record", "skip"})
        == 0);
  CHECK(read_logs({dir.file("out.jsonl")}).size() == 1);
}
