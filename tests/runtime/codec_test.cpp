#include <string>

#include "troupe/runtime/codec.hpp"

#include <doctest/doctest.h>

using troupe::value;
namespace codec = troupe::codec;

namespace {

value round_trip_msgpack(const value& x) {
  std::string bytes;
  codec::append_msgpack(bytes, x);
  value y;
  std::string error;
  REQUIRE(codec::decode_msgpack(bytes, y, error));
  return y;
}

} // namespace

TEST_CASE("hex decodes either case and names the bad column") {
  std::string out;
  std::string error;
  CHECK(codec::decode_hex("00ffAB", out, error));
  CHECK(out == std::string("\x00\xff\xab", 3));
  CHECK(!codec::decode_hex("abc", out, error));
  CHECK(error.find("odd") != std::string::npos);
  CHECK(!codec::decode_hex("a0zz", out, error));
  CHECK(error.find("column 3") != std::string::npos);
  std::string hex;
  codec::append_hex(hex, std::string("\x01\xfe", 2));
  CHECK(hex == "01fe");
}

TEST_CASE("msgpack decodes the MCL payload and re-encodes it byte for byte") {
  std::string hex
      = "83a974696d657374616d70cb3fb999999999999aa464617461cb3fb99999"
        "9999999aa46e616d65b0556e6974546573744d65737361676542";
  std::string bytes;
  std::string error;
  REQUIRE(codec::decode_hex(hex, bytes, error));
  value x;
  REQUIRE(codec::decode_msgpack(bytes, x, error));
  CHECK(x.is_map());
  CHECK(x.size() == 3);
  CHECK(x.find("data")->as_real() == 0.1);
  CHECK(x.string_member("name") == "UnitTestMessageB");
  std::string again;
  codec::append_msgpack(again, x);
  CHECK(again == bytes);
}

TEST_CASE("msgpack round-trips every kind and integer width") {
  auto x = value::map(
      {{"nil", value{}},
       {"t", value{true}},
       {"small", value{int64_t{5}}},
       {"neg", value{int64_t{-33}}},
       {"i16", value{int64_t{-1000}}},
       {"i32", value{int64_t{-100000}}},
       {"i64", value{int64_t{-10000000000}}},
       {"u8", value{int64_t{200}}},
       {"u64", value{uint64_t{18446744073709551615ull}}},
       {"real", value{2.5}},
       {"str", value{std::string(300, 's')}},
       {"bin", value::binary(std::string(70000, 'b'))},
       {"empty_bin", value::binary("")},
       {"arr", value::array(std::vector<value>(20, value{int64_t{1}}))}});
  CHECK(round_trip_msgpack(x) == x);
  auto odd_keys = value::map_items({value{int64_t{1}}, value{"one"}});
  CHECK(round_trip_msgpack(odd_keys) == odd_keys);
}

TEST_CASE("bad msgpack is refused with a reason, never read past the end") {
  value x;
  std::string error;
  CHECK(!codec::decode_msgpack(std::string("\x83\xa4", 2), x, error));
  CHECK(error.find("truncated") != std::string::npos);
  CHECK(!codec::decode_msgpack(std::string("\xc1", 1), x, error));
  CHECK(!codec::decode_msgpack(std::string("\xd4\x01\x02", 3), x, error));
  CHECK(error.find("extension") != std::string::npos);
  CHECK(!codec::decode_msgpack(std::string("\x01\x02", 2), x, error));
  CHECK(error.find("trailing") != std::string::npos);
  // A huge announced array in a tiny input is refused before allocating.
  CHECK(
      !codec::decode_msgpack(std::string("\xdd\xff\xff\xff\xff", 5), x, error));
  // Deep nesting is refused, not a stack overflow.
  CHECK(!codec::decode_msgpack(std::string(100000, '\x91'), x, error));
  CHECK(error.find("nesting") != std::string::npos);
  CHECK(!codec::decode_msgpack("", x, error));
}

TEST_CASE("JSON parses numbers, strings, escapes and the lossless forms") {
  value x;
  std::string error;
  REQUIRE(codec::parse_json(
      R"( {"a": 1, "b": -2.5e3, "c": "x\"\n\u00e9\ud83d\ude00", "d": [true,
          false, null], "e": {"$binary": "00ff"}, "f": {"$map": [[1, "one"]]},
          "big": 18446744073709551615} )",
      x, error));
  CHECK(x.find("a")->as_int() == 1);
  CHECK(x.find("b")->as_real() == -2500.0);
  CHECK(x.find("c")->as_string() == "x\"\n\xc3\xa9\xf0\x9f\x98\x80");
  CHECK(x.find("d")->size() == 3);
  CHECK(*x.find("e") == value::binary(std::string("\x00\xff", 2)));
  CHECK(*x.find("f") == value::map_items({value{int64_t{1}}, value{"one"}}));
  CHECK(x.find("big")->type() == value::kind::unsigned_integer);
  value huge;
  REQUIRE(codec::parse_json("1e999", huge, error));
  CHECK(huge.as_real() > 1e300);
  // What to_json writes reads back to the same value.
  value y;
  REQUIRE(codec::parse_json(troupe::to_json(x), y, error));
  CHECK(y == x);
}

TEST_CASE("bad JSON names the column") {
  value x;
  std::string error;
  for (auto text : {"{", "{\"a\" 1}", "[1,]", "{\"a\": tru}", "\"open",
                    "{\"a\": 1} trailing", "01x", "{\"a\": 1e}", "-"}) {
    CAPTURE(text);
    CHECK(!codec::parse_json(text, x, error));
    CHECK(error.find("column") != std::string::npos);
  }
  CHECK(!codec::parse_json(std::string(100000, '['), x, error));
}
