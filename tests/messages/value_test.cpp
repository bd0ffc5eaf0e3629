#include <cstdlib>

#include "troupe/messages/replay.hpp"
#include "troupe/messages/value.hpp"

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include <doctest/doctest.h>

#include "support/fixture.hpp"

using troupe::value;

TEST_CASE("values compare by kind and content") {
  CHECK(value{int64_t{1}} == value{int64_t{1}});
  CHECK(value{int64_t{1}} != value{1.0});
  CHECK(value{"a"} != value::binary("a"));
  auto m = value::map({{"name", value{"X"}}, {"data", value{0.5}}});
  CHECK(m.find("data")->to_double() == 0.5);
  CHECK(m.string_member("name") == "X");
  CHECK(m.find("none") == nullptr);
  CHECK(m.size() == 2);
  CHECK(troupe::to_json(m) == R"({"name":"X","data":0.5})");
  CHECK(troupe::to_json(value{1.0}) == "1.0");
}

TEST_CASE("reals are written as the shortest text that reads back the same") {
  CHECK(troupe::to_json(value{0.1}) == "0.1");
  CHECK(troupe::to_json(value{-2.0}) == "-2.0");
  CHECK(troupe::to_json(value{1e21}) == "1e+21");
  CHECK(troupe::to_json(value{1.0 / 3.0}) == "0.3333333333333333");
  for (double x :
       {0.1 + 0.2, 5e-324, 1.7976931348623157e308, 123456.789e-3, -0.0})
    CHECK(std::strtod(troupe::to_json(value{x}).c_str(), nullptr) == x);
}

TEST_CASE_FIXTURE(test::fixture, "values serialize for other nodes") {
  auto x = value::map({{"name", value{"X"}},
                       {"list", value::array({value{true}, value{}})},
                       {"bin", value::binary("\x01")}});
  std::vector<char> buf;
  caf::binary_serializer sink{sys(), buf};
  REQUIRE(!sink(x));
  value y;
  caf::binary_deserializer source{sys(), buf};
  REQUIRE(!source(y));
  CHECK(y == x);
}
