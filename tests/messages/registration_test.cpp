#include "troupe/messages/core.hpp"
#include "troupe/messages/errors.hpp"
#include "troupe/messages/registration.hpp"
#include "troupe/runtime/config.hpp"

#include <caf/actor_system.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/message.hpp>

#include <doctest/doctest.h>

namespace {

// Round-trips a message through CAF's binary format, as between nodes.
caf::message round_trip(caf::actor_system& sys, const caf::message& msg) {
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  REQUIRE(!sink(msg));
  caf::message result;
  caf::binary_deserializer source{sys, buf};
  REQUIRE(!source(result));
  return result;
}

} // namespace

TEST_CASE("runtime message types are registered under stable names") {
  troupe::config cfg;
  cfg.use_test_scheduler();
  caf::actor_system sys{cfg};
  auto& types = sys.types();
  for (auto name : {"troupe::topic_header", "troupe::topic_info",
                    "troupe::agent_stats", "std::vector<std::string>"}) {
    CAPTURE(name);
    CHECK(types.make_value(name) != nullptr);
  }
  CHECK(caf::type_id<troupe::topic_header>::value
        == troupe::core_first_type_id);
}

TEST_CASE("runtime messages survive serialization") {
  troupe::config cfg;
  cfg.use_test_scheduler();
  caf::actor_system sys{cfg};
  troupe::agent_stats stats;
  stats.name = "bob";
  stats.received = 3;
  stats.unexpected["(x)"] = 2;
  auto copy
      = round_trip(sys, caf::make_message(troupe::topic_header{7, 9}, stats));
  REQUIRE(copy.match_elements<troupe::topic_header, troupe::agent_stats>());
  CHECK(copy.get_as<troupe::topic_header>(0).topic == 7);
  CHECK(copy.get_as<troupe::topic_header>(0).deadline_ns == 9);
  CHECK(copy.get_as<troupe::agent_stats>(1).unexpected.at("(x)") == 2);
}

TEST_CASE("troupe errors survive serialization and render by category") {
  troupe::config cfg;
  cfg.use_test_scheduler();
  caf::actor_system sys{cfg};
  auto err = troupe::make_error(troupe::errc::duplicate_name, "name 'a'");
  auto copy = round_trip(sys, caf::make_message(err));
  REQUIRE(copy.match_elements<caf::error>());
  auto& back = copy.get_as<caf::error>(0);
  CHECK(troupe::code_of(back) == troupe::errc::duplicate_name);
  CHECK(sys.render(back) == "duplicate_name: name 'a'");
}
