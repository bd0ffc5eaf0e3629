#include "troupe/runtime/jsonl_log.hpp"

#include <doctest/doctest.h>

TEST_CASE("R12: a record without a field is refused naming the field") {
  troupe::record x;
  std::string error;
  CHECK(!troupe::jsonl::parse_line(R"({"elapsed_time": 1, "payload": {}})", x,
                                   error));
  CHECK(error == "missing field 'topic'");
  CHECK(
      !troupe::jsonl::parse_line(R"({"topic": "t", "payload": {}})", x, error));
  CHECK(error == "missing field 'elapsed_time'");
  CHECK(!troupe::jsonl::parse_line(R"({"elapsed_time": 1, "topic": "t"})", x,
                                   error));
  CHECK(error == "missing field 'payload'");
}

TEST_CASE("wrong types and negative times are refused") {
  troupe::record x;
  std::string error;
  CHECK(!troupe::jsonl::parse_line(
      R"({"elapsed_time": "1", "topic": "t", "payload": {}})", x, error));
  CHECK(error.find("'elapsed_time' must be a number") != std::string::npos);
  CHECK(!troupe::jsonl::parse_line(
      R"({"elapsed_time": -1, "topic": "t", "payload": {}})", x, error));
  CHECK(error.find("non-negative") != std::string::npos);
  CHECK(!troupe::jsonl::parse_line(
      R"({"elapsed_time": 1, "topic": 5, "payload": {}})", x, error));
  CHECK(error.find("'topic' must be a string") != std::string::npos);
  CHECK(!troupe::jsonl::parse_line("[1, 2]", x, error));
}

TEST_CASE("the type comes from 'type' or the payload's name") {
  troupe::record x;
  std::string error;
  REQUIRE(troupe::jsonl::parse_line(
      R"({"elapsed_time": 0.01, "topic": "", "payload": {"name": "N"}})", x,
      error));
  CHECK(x.type == "N");
  CHECK(x.elapsed_ns == 10'000'000);
  REQUIRE(troupe::jsonl::parse_line(
      R"({"elapsed_time": 2, "topic": "t", "payload": [1], "type": "Raw"})", x,
      error));
  CHECK(x.type == "Raw");
  std::string line;
  troupe::jsonl::append_line(line, x);
  CHECK(line
        == R"({"elapsed_time":2.0,"topic":"t","payload":[1],"type":"Raw"})"
           "\n");
}
