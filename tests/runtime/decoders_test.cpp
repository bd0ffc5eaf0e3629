#include <string>
#include <vector>

#include "troupe/runtime/decoders.hpp"

#include <doctest/doctest.h>

#include "support/fixture.hpp"
#include "support/replay.hpp"

using namespace test;

namespace {

caf::expected<reading> to_reading(const troupe::value& x) {
  auto* data = x.find("data");
  if (data == nullptr)
    return troupe::make_error(troupe::errc::bad_input, "no data");
  return reading{std::string{x.string_member("name")}, data->to_double()};
}

troupe::record sample(int64_t ms, std::string topic, double data) {
  troupe::record rec;
  rec.elapsed_ns = ms * 1'000'000;
  rec.topic = std::move(topic);
  rec.type = "UnitTestMessageB";
  rec.payload = troupe::value::map({{"name", troupe::value{"UnitTestMessageB"}},
                                    {"data", troupe::value{data}}});
  return rec;
}

} // namespace

TEST_CASE("a decoder is found by topic first, then by message type") {
  troupe::decoder_table table;
  CHECK(table.find("a", "T") == nullptr);
  auto v0 = table.version();
  table.add<reading>("T", to_reading);
  CHECK(table.version() != v0);
  auto by_type = table.find("some/topic", "T");
  CHECK(by_type != nullptr);
  CHECK(table.find("T", "other") == by_type);
  CHECK(table.find("some/topic", "U") == nullptr);
  table.add<reading>("some/topic", to_reading);
  auto by_topic = table.find("some/topic", "T");
  CHECK(by_topic != nullptr);
  CHECK(by_topic != by_type);
}

TEST_CASE_FIXTURE(fixture, "a decoder keyed by message type reaches records "
                           "on any topic") {
  rt().decoders().add<reading>("UnitTestMessageB", to_reading);
  std::vector<reading> on_b;
  std::vector<reading> on_c;
  auto collect = [&](std::vector<reading>& into) {
    return rt().spawn([&into](caf::event_based_actor*) -> caf::behavior {
      return {[&into](const troupe::topic_header&, const reading& x) {
        into.push_back(x);
      }};
    });
  };
  REQUIRE(request<uint32_t>(rt().broadcaster(), caf::subscribe_atom::value,
                            std::string{"plant/b"}, collect(on_b)));
  REQUIRE(request<uint32_t>(rt().broadcaster(), caf::subscribe_atom::value,
                            std::string{"plant/c"}, collect(on_c)));
  REQUIRE(!replay({sample(0, "plant/b", 0.25), sample(10, "plant/c", 0.5)}));
  replay_to_end();
  REQUIRE(on_b.size() == 1);
  REQUIRE(on_c.size() == 1);
  CHECK(on_b[0].name == "UnitTestMessageB");
  CHECK(on_b[0].data == 0.25);
  CHECK(on_c[0].data == 0.5);
}
