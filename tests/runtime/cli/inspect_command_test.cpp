#include <doctest/doctest.h>

#include "support/cli.hpp"
#include "support/replay.hpp"

using namespace test;

TEST_CASE("troupe inspect summarizes logs and refuses bad input") {
  CHECK(troupe_cli({"inspect", mcl_dir("dataset")}) == 0);
  CHECK(troupe_cli({"inspect", mcl_dir("dataset_split")}) == 0);
  CHECK(troupe_cli({"inspect", "/no/such/dir"}) == 2);
  temp_dir dir;
  auto bad = dir.write("bad.jsonl", "garbage\n");
  CHECK(troupe_cli({"inspect", bad}) == 0);
  CHECK(troupe_cli({"inspect", bad, "--on-bad-record", "stop"}) == 2);
}
