#include <string>
#include <vector>

#include "troupe/messages/errors.hpp"
#include "troupe/runtime/detail/record_stream.hpp"
#include "troupe/runtime/log_source.hpp"

#include <doctest/doctest.h>

#include "support/replay.hpp"

using namespace test;
using troupe::errc;

namespace {

std::vector<std::string> window(std::vector<std::string> xs, size_t from,
                                size_t to) {
  return {xs.begin() + static_cast<long>(from),
          xs.begin() + static_cast<long>(to)};
}

const char* hdr = "#-----\n# MCL_LOG\n#     -- version     1.0\n"
                  "#     -- revision    \n#     -- created     2020-01-01 "
                  "00:00:00\n#      >>> T\n#-----\n";

/// Hex of msgpack {"name": "T", "data": 1.5}.
const char* payload = "82a46e616d65a154a464617461cb3ff8000000000000";

} // namespace

TEST_CASE("R1: a directory reads A 0.00..0.09 then B 0.1..1.0") {
  auto records = read_logs({mcl_dir("dataset")});
  CHECK(labels(records) == fixture_labels());
  // Data equals the record time, and the type comes from the header.
  for (auto& x : records) {
    CHECK(x.payload.find("data")->to_double() * 1e9
          == doctest::Approx(static_cast<double>(x.elapsed_ns)));
    CHECK(x.payload.string_member("name") == x.type);
    CHECK(x.topic.empty());
  }
}

TEST_CASE("R2: the split set gives the same 20 records in the same order") {
  CHECK(read_logs({mcl_dir("dataset_split")})
        == read_logs({mcl_dir("dataset")}));
}

TEST_CASE("R3: a time window keeps records inside [min, max]") {
  troupe::read_options opts;
  opts.min_ns = 45'000'000;
  opts.max_ns = 350'000'000;
  auto all = fixture_labels();
  std::vector<std::string> expected = window(all, 5, 10);
  expected.insert(expected.end(), {"B 0.10", "B 0.20", "B 0.30"});
  CHECK(labels(read_logs({mcl_dir("dataset")}, opts)) == expected);
  CHECK(labels(read_logs({mcl_dir("dataset_split")}, opts)) == expected);
  opts.min_ns = 35'000'000;
  opts.max_ns = 85'000'000;
  CHECK(labels(read_logs({mcl_dir("dataset/UnitTestMessageA.log")}, opts))
        == window(all, 4, 9));
}

TEST_CASE("R4: rewind reads again from the start") {
  auto src = troupe::open_logs({mcl_dir("dataset")}, {});
  REQUIRE(src);
  troupe::record x;
  troupe::bad_record bad;
  for (int i = 0; i < 10; ++i)
    REQUIRE((*src)->next(x, bad) == troupe::record_source::result::record);
  CHECK(label(x) == "A 0.09");
  REQUIRE(!(*src)->rewind());
  CHECK(labels(troupe::read_all(**src)) == fixture_labels());
}

TEST_CASE("R5: a later part of a split set reads alone, without a header") {
  auto records = read_logs({mcl_dir("dataset_split/UnitTestMessageA_001.log")});
  CHECK(labels(records)
        == std::vector<std::string>{"A 0.03", "A 0.04", "A 0.05"});
}

TEST_CASE("R6: bad arguments are refused") {
  troupe::read_options opts;
  opts.min_ns = 2;
  opts.max_ns = 1;
  auto src = troupe::open_logs({mcl_dir("dataset")}, opts);
  REQUIRE(!src);
  CHECK(troupe::code_of(src.error()) == errc::invalid_argument);
  src = troupe::open_logs({mcl_dir("no_such_dir")}, {});
  REQUIRE(!src);
  CHECK(troupe::code_of(src.error()) == errc::not_found);
  CHECK(troupe::to_text(src.error())
            .find("no_such_dir: No such file or "
                  "directory")
        != std::string::npos);
  src = troupe::open_logs({}, {});
  CHECK(!src);
}

// open_logs takes files and directories alike, so no call expects a
// directory as such; the nearest case is a path spelled as a directory
// ("name/") that names a file.
TEST_CASE("R6: a file spelled as a directory is refused") {
  auto file = mcl_dir("dataset/UnitTestMessageA.log");
  REQUIRE(read_logs({file}).size() == 10);
  auto src = troupe::open_logs({file + "/"}, {});
  REQUIRE(!src);
  CHECK(troupe::code_of(src.error()) == errc::not_found);
  CHECK(troupe::to_text(src.error())
            .find("UnitTestMessageA.log/: Not a "
                  "directory")
        != std::string::npos);
}

TEST_CASE("raw-data logs are skipped in directories unless asked for") {
  troupe::read_options opts;
  opts.include_raw = true;
  auto records = read_logs({mcl_dir("dataset")}, opts);
  CHECK(records.size() == 30);
  // Given by name, a raw log is read.
  auto raw = read_logs({mcl_dir("dataset/RawUnitTestData.log")});
  REQUIRE(raw.size() == 10);
  CHECK(raw.front().type == "None");
  CHECK(raw.front().payload == troupe::value::array({}));
}

TEST_CASE("ties in time go to the earlier file name") {
  temp_dir dir;
  std::string line = std::string{"1.0 'x' "} + payload + "\n";
  dir.write("b.log", std::string{hdr} + line);
  dir.write("a.log", std::string{hdr} + line);
  auto records = read_logs({dir.path()});
  REQUIRE(records.size() == 2);
  auto src = troupe::open_logs({dir.path()}, {});
  auto& files = (*src)->files();
  CHECK(files[records[0].file].find("a.log") != std::string::npos);
  CHECK(files[records[1].file].find("b.log") != std::string::npos);
}

TEST_CASE("inconsistent created times across a set are refused") {
  temp_dir dir;
  std::string other = hdr;
  other.replace(other.find("2020"), 4, "2021");
  dir.write("a.log", hdr);
  dir.write("b.log", other);
  auto src = troupe::open_logs({dir.path()}, {});
  REQUIRE(!src);
  CHECK(troupe::code_of(src.error()) == errc::bad_input);
  CHECK(troupe::to_text(src.error()).find("b.log:5: created")
        != std::string::npos);
}

TEST_CASE("an empty directory or one with nothing readable is refused") {
  temp_dir dir;
  auto src = troupe::open_logs({dir.path()}, {});
  REQUIRE(!src);
  CHECK(troupe::code_of(src.error()) == errc::bad_input);
  dir.write("notes.txt", "hello");
  CHECK(!troupe::open_logs({dir.path()}, {}));
}

TEST_CASE("malformed headers name file and line") {
  temp_dir dir;
  auto path = dir.write("x.log", "#-----\n# NOT_MCL\n#-----\n");
  auto src = troupe::open_logs({path}, {});
  REQUIRE(!src);
  CHECK(troupe::to_text(src.error()).find("x.log:2: expected '# MCL_LOG'")
        != std::string::npos);
  path = dir.write("y.log", "#-----\n# MCL_LOG\n#     -- version 1.0\n");
  src = troupe::open_logs({path}, {});
  REQUIRE(!src);
  CHECK(troupe::to_text(src.error()).find("closing dash line")
        != std::string::npos);
}

namespace {

/// Reads `path`, which holds good records at 0.5 s and 1.0 s (the latter
/// on `last_good_line`) and bad ones on `bad_lines`; checks that both good
/// ones are kept and each bad one is reported with the file, its line and
/// a reason. Returns the bad records for checks of their reasons.
std::vector<troupe::bad_record>
expect_good_and_bad(const std::string& path, uint64_t last_good_line,
                    const std::vector<uint64_t>& bad_lines) {
  std::vector<troupe::bad_record> bad;
  auto records = read_logs({path}, {}, &bad);
  REQUIRE(records.size() == 2);
  CHECK(records[0].elapsed_ns == 500'000'000);
  CHECK(records[1].elapsed_ns == 1'000'000'000);
  CHECK(records[1].line == last_good_line);
  std::vector<uint64_t> lines;
  for (auto& b : bad) {
    CHECK(b.file == path);
    CHECK(!b.reason.empty());
    lines.push_back(b.line);
  }
  REQUIRE(lines == bad_lines);
  return bad;
}

} // namespace

TEST_CASE("bad records are reported with file:line and reason; good ones "
          "are kept") {
  temp_dir dir;
  std::string good = std::string{"0.5 't' "} + payload + "\n";
  std::string text = std::string{hdr} + good           // line 8
                     + "0.6 't'\n"                     // 9: truncated
                     + "0.7 't' 8zz\n"                 // 10: bad hex
                     + "0.8 't' 83a4\n"                // 11: bad msgpack
                     + "abc 't' " + payload + "\n"     // 12: non-numeric time
                     + "-1.0 't' " + payload + "\n"    // 13: negative
                     + "0.9 noquote " + payload + "\n" // 14: topic
                     + "0.2 't' " + payload + "\n"     // 15: backwards
                     + std::string("\x01\xff\xfe garbage\n") // 16
                     + "1.0 't' " + payload + "\n";          // 17: good
  auto path = dir.write("bad.log", text);
  auto bad = expect_good_and_bad(path, 17, {9, 10, 11, 12, 13, 14, 15, 16});
  CHECK(bad[0].reason.find("truncated") != std::string::npos);
  CHECK(bad[1].reason.find("hex") != std::string::npos);
  CHECK(bad[2].reason.find("msgpack") != std::string::npos);
  CHECK(bad[3].reason.find("bad time") != std::string::npos);
  CHECK(bad[4].reason.find("negative") != std::string::npos);
  CHECK(bad[6].reason.find("backwards") != std::string::npos);
}

TEST_CASE("bad JSON Lines records are reported with file:line and reason; "
          "good ones are kept") {
  temp_dir dir;
  auto line = [](const char* time) {
    return std::string{R"({"elapsed_time": )"} + time
           + R"(, "topic": "t", "payload": {"x": 1}})" + "\n";
  };
  auto raw = [](const char* text) {
    return std::string{text} + "\n";
  };
  // Lines 1 and 8 are good; 2 is cut short, 3 lacks its topic, 4 has a
  // string for a time, 5 a negative time, 6 goes backwards, 7 is garbage.
  std::string text = line("0.5") + raw(R"({"elapsed_time": 0.6, "topic": "t")")
                     + raw(R"({"elapsed_time": 0.7, "payload": {}})")
                     + line("\"0.8\"") + line("-1.0") + line("0.2")
                     + raw("\x01\xff\xfe garbage") + line("1.0");
  auto path = dir.write("bad.jsonl", text);
  auto bad = expect_good_and_bad(path, 8, {2, 3, 4, 5, 6, 7});
  CHECK(bad[1].reason.find("'topic'") != std::string::npos);
  CHECK(bad[2].reason.find("must be a number") != std::string::npos);
  CHECK(bad[3].reason.find("non-negative") != std::string::npos);
  CHECK(bad[4].reason.find("backwards") != std::string::npos);
}

TEST_CASE("a 10 MB line is one bad record, not a crash") {
  temp_dir dir;
  std::string huge(10 * 1024 * 1024, 'a');
  auto path
      = dir.write("huge.jsonl", "{\"elapsed_time\": 0.1, \"topic\": \"t\", "
                                "\"payload\": {}}\n"
                                    + huge
                                    + "\n{\"elapsed_time\": 0.2, \"topic\": "
                                      "\"t\", \"payload\": {}}\n");
  std::vector<troupe::bad_record> bad;
  auto records = read_logs({path}, {}, &bad);
  CHECK(records.size() == 2);
  REQUIRE(bad.size() == 1);
  CHECK(bad[0].file == path);
  CHECK(bad[0].line == 2);
  CHECK(bad[0].reason.find("JSON") != std::string::npos);
  // The reason is one line, not the record.
  CHECK(bad[0].reason.size() < 200);
}

TEST_CASE("a 10 MB line in an MCL log is one bad record, not a crash") {
  temp_dir dir;
  std::string good = std::string{"0.5 't' "} + payload + "\n";
  std::string after = std::string{"0.7 't' "} + payload + "\n";
  // Time and topic are fine; the payload is 10 MB of hex that is no
  // msgpack value.
  std::string huge = "0.6 't' " + std::string(10 * 1024 * 1024, 'a') + "\n";
  auto path = dir.write("huge.log", std::string{hdr} + good + huge + after);
  std::vector<troupe::bad_record> bad;
  auto records = read_logs({path}, {}, &bad);
  REQUIRE(records.size() == 2);
  CHECK(records[0].elapsed_ns == 500'000'000);
  CHECK(records[1].elapsed_ns == 700'000'000);
  CHECK(records[1].line == 10);
  REQUIRE(bad.size() == 1);
  CHECK(bad[0].file == path);
  CHECK(bad[0].line == 9);
  CHECK(bad[0].reason.find("msgpack") != std::string::npos);
  CHECK(bad[0].reason.size() < 200);
  // Without a blank, the line has no fields to parse.
  std::string bare(10 * 1024 * 1024, '7');
  path = dir.write("bare.log", std::string{hdr} + good + bare + "\n" + after);
  bad.clear();
  CHECK(read_logs({path}, {}, &bad).size() == 2);
  REQUIRE(bad.size() == 1);
  CHECK(bad[0].line == 9);
  CHECK(bad[0].reason.find("truncated line") != std::string::npos);
  CHECK(bad[0].reason.size() < 200);
}

TEST_CASE("empty MCL logs and header-only ones read as no records") {
  temp_dir dir;
  auto empty = dir.write("empty.log", "");
  auto header_only = dir.write("header.log", hdr);
  for (auto& path : {empty, header_only}) {
    CAPTURE(path);
    auto src = troupe::open_logs({path}, {});
    REQUIRE(src);
    std::vector<troupe::bad_record> bad;
    CHECK(troupe::read_all(**src, &bad).empty());
    CHECK(bad.empty());
    CHECK(!(*src)->rewind());
    CHECK(troupe::read_all(**src).empty());
  }
  // Next to a log with records, they add nothing and take nothing away.
  auto good = std::string{hdr} + "0.5 't' " + payload + "\n";
  dir.write("good.log", good);
  std::vector<troupe::bad_record> bad;
  auto records = read_logs({dir.path()}, {}, &bad);
  CHECK(bad.empty());
  REQUIRE(records.size() == 1);
  CHECK(records[0].elapsed_ns == 500'000'000);
  // A header cut short is refused, naming the file and the reason.
  auto cut = dir.write("cut.log", std::string{hdr}.substr(0, 20));
  auto src = troupe::open_logs({cut}, {});
  REQUIRE(!src);
  CHECK(troupe::code_of(src.error()) == errc::bad_input);
  CHECK(troupe::to_text(src.error()).find("cut.log:") != std::string::npos);
  CHECK(troupe::to_text(src.error()).find("closing dash line")
        != std::string::npos);
}

TEST_CASE("empty files and binary garbage read as nothing or bad records") {
  temp_dir dir;
  auto empty = dir.write("empty.jsonl", "");
  CHECK(read_logs({empty}).empty());
  std::string garbage;
  for (int i = 0; i < 4096; ++i)
    garbage += static_cast<char>((i * 7919) & 0xff);
  auto path = dir.write("garbage.bin", garbage);
  std::vector<troupe::bad_record> bad;
  CHECK(read_logs({path}, {}, &bad).empty());
  CHECK(!bad.empty());
}

TEST_CASE("memory sources sort by time, stably") {
  auto src = troupe::memory_source(
      {make_record(0.2, "a"), make_record(0.1, "b"), make_record(0.2, "c")});
  auto records = troupe::read_all(*src);
  REQUIRE(records.size() == 3);
  CHECK(records[0].topic == "b");
  CHECK(records[1].topic == "a");
  CHECK(records[2].topic == "c");
}

TEST_CASE("MCL times parse to exact nanoseconds and refuse what does not fit") {
  using troupe::detail::parse_seconds;
  int64_t ns = 0;
  std::string error;
  CHECK(parse_seconds("0.1", ns, error));
  CHECK(ns == 100'000'000);
  CHECK(parse_seconds("12.0000000015", ns, error)); // rounds the 10th digit
  CHECK(ns == 12'000'000'002);
  CHECK(parse_seconds("9223372035.999999999", ns, error));
  CHECK(ns == 9'223'372'035'999'999'999);
  // Found by the fuzzer: whole seconds whose nanoseconds overflow int64.
  CHECK(!parse_seconds("40506000102", ns, error));
  CHECK(error
        == "time '40506000102' is out of range (at most 9223372035 seconds)");
  CHECK(!parse_seconds("99999999999999999999999", ns, error));
  CHECK(!parse_seconds("1.5x", ns, error));
  CHECK(error == "bad time '1.5x'");
}
