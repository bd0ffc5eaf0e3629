#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "troupe/messages/monitor.hpp"

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include <doctest/doctest.h>

#include "support/fixture.hpp"

using namespace troupe;

TEST_CASE("alert codes are libgs': Critical 100, Red 30, Orange 20, "
          "Green 10, none 0") {
  CHECK(static_cast<int32_t>(alert_level::critical) == 100);
  CHECK(static_cast<int32_t>(alert_level::red) == 30);
  CHECK(static_cast<int32_t>(alert_level::orange) == 20);
  CHECK(static_cast<int32_t>(alert_level::green) == 10);
  CHECK(static_cast<int32_t>(alert_level::none) == 0);
  // A plain value has no alert.
  reading plain{42};
  CHECK(plain.alert == alert_level::none);
  CHECK(alert::red(1).alert == alert_level::red);
  CHECK(alert::critical("x").value == point_value{"x"});
  CHECK(alert_label(alert_level::none).empty());
  CHECK(alert_label(alert_level::orange) == "ORANGE");
  CHECK(to_string(static_cast<alert_level>(7)) == "alert(7)");
  alert_level parsed = alert_level::none;
  CHECK(parse_alert_level("Red", parsed));
  CHECK(parsed == alert_level::red);
  CHECK(parse_alert_level("100", parsed));
  CHECK(parsed == alert_level::critical);
  CHECK(!parse_alert_level("purple", parsed));
  CHECK(!is_valid(static_cast<alert_level>(7)));
  CHECK(level_index(alert_level::critical) == 4);
}

TEST_CASE("point values keep their kind and print for people and "
          "machines") {
  CHECK(point_value{}.empty());
  CHECK(point_value{true}.type() == point_value::kind::boolean);
  CHECK(point_value{int8_t{-3}}.as_integer() == -3);
  CHECK(point_value{uint64_t{5}}.type() == point_value::kind::integer);
  auto huge = point_value{std::numeric_limits<uint64_t>::max()};
  CHECK(huge.type() == point_value::kind::real);
  CHECK(point_value{2.5f}.as_real() == 2.5);
  CHECK(point_value{"t"}.as_text() == "t");
  CHECK(to_string(point_value{true}) == "true");
  CHECK(to_string(point_value{1.0 / 3}) == "0.333333");
  CHECK(to_exact_string(point_value{0.1}) == "0.1");
  CHECK(to_exact_string(point_value{1.0 / 3}) == "0.3333333333333333");
  CHECK(to_string(point_value{-HUGE_VAL}) == "-Inf");
  CHECK(point_value{std::nan("")} == point_value{std::nan("")});
  CHECK(point_value{1} != point_value{1.0});
  CHECK(*point_value{true}.number() == 1.0);
  CHECK(!point_value{"x"}.number());
}

TEST_CASE_FIXTURE(test::fixture, "monitor messages cross the wire intact") {
  point_update upd{"imu", alert::red(2.5).value, alert_level::red, 42, "err",
                   true};
  std::vector<char> buf;
  caf::binary_serializer sink{sys(), buf};
  REQUIRE(!sink(upd));
  point_update copy;
  caf::binary_deserializer source{sys(), buf};
  REQUIRE(!source(copy));
  CHECK(copy.name == "imu");
  CHECK(copy.value == point_value{2.5});
  CHECK(copy.alert == alert_level::red);
  CHECK(copy.time_ns == 42);
  CHECK(copy.error == "err");
  CHECK(copy.stale);
  auto text = caf::deep_to_string(critical_alert{"p", 1, "", 3});
  CHECK(text.find("troupe::critical_alert") != std::string::npos);
  CHECK(caf::type_id<point_update>::value >= troupe::monitor_first_type_id);
}
