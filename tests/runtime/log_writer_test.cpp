#include <filesystem>
#include <fstream>
#include <sstream>

#include "troupe/runtime/log_writer.hpp"

#include <doctest/doctest.h>

#include "support/replay.hpp"

using namespace test;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_all(const std::string& path, troupe::write_options opts,
               const std::vector<troupe::record>& records) {
  auto writer = troupe::log_writer::open(path, opts);
  REQUIRE(writer);
  for (auto& x : records)
    REQUIRE(!(*writer)->write(x));
  REQUIRE(!(*writer)->close());
}

} // namespace

TEST_CASE("MCL -> JSON Lines -> MCL round-trips the records exactly") {
  temp_dir dir;
  auto original = read_logs({mcl_dir("dataset")});
  troupe::write_options jsonl;
  write_all(dir.file("all.jsonl"), jsonl, original);
  auto from_jsonl = read_logs({dir.file("all.jsonl")});
  CHECK(from_jsonl == original);
  troupe::write_options mcl;
  mcl.format = troupe::log_format::mcl;
  write_all(dir.file("mcl/"), mcl, from_jsonl);
  auto back = read_logs({dir.file("mcl")});
  CHECK(back == original);
  // The data lines are MCL's own, byte for byte.
  auto ours = slurp(dir.file("mcl/UnitTestMessageA.log"));
  auto theirs = slurp(mcl_dir("dataset/UnitTestMessageA.log"));
  auto data = [](const std::string& text) {
    return text.substr(text.find("\n     0.00000"));
  };
  CHECK(data(ours) == data(theirs));
}

TEST_CASE("JSON Lines -> MCL -> JSON Lines keeps every value kind") {
  temp_dir dir;
  std::vector<troupe::record> records{make_record(0.5, "a", "T")};
  records[0].payload.items().push_back(troupe::value{"bin"});
  records[0].payload.items().push_back(troupe::value::binary("\x00\x01"));
  records.push_back(make_record(1.25, "b", "T"));
  troupe::write_options mcl;
  mcl.format = troupe::log_format::mcl;
  write_all(dir.file("x.log"), mcl, records);
  write_all(dir.file("x.jsonl"), {}, read_logs({dir.file("x.log")}));
  auto back = read_logs({dir.file("x.jsonl")});
  REQUIRE(back.size() == 2);
  CHECK(back[0].payload == records[0].payload);
  CHECK(back[0].topic == "a");
  CHECK(back[1].elapsed_ns == 1'250'000'000);
}

TEST_CASE("split sets: by count, only the first MCL part has a header") {
  temp_dir dir;
  auto original = read_logs({mcl_dir("dataset")});
  troupe::write_options mcl;
  mcl.format = troupe::log_format::mcl;
  mcl.split_records = 3;
  write_all(dir.file("parts/"), mcl, original);
  CHECK(std::filesystem::exists(dir.file("parts/UnitTestMessageA_000.log")));
  CHECK(std::filesystem::exists(dir.file("parts/UnitTestMessageA_003.log")));
  CHECK(slurp(dir.file("parts/UnitTestMessageA_001.log"))[0] != '#');
  CHECK(read_logs({dir.file("parts")}) == original);
  troupe::write_options jsonl;
  jsonl.split_bytes = 200;
  auto writer = troupe::log_writer::open(dir.file("s.jsonl"), jsonl);
  REQUIRE(writer);
  for (auto& x : original)
    REQUIRE(!(*writer)->write(x));
  CHECK((*writer)->files().size() > 3);
}

TEST_CASE("an MCL file holds one message type") {
  temp_dir dir;
  troupe::write_options mcl;
  mcl.format = troupe::log_format::mcl;
  auto writer = troupe::log_writer::open(dir.file("one.log"), mcl);
  REQUIRE(writer);
  CHECK(!(*writer)->write(make_record(0.1, "a", "A")));
  auto err = (*writer)->write(make_record(0.2, "b", "B"));
  CHECK(troupe::code_of(err) == troupe::errc::invalid_argument);
}
