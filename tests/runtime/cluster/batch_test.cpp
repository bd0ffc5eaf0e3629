#include <string>
#include <vector>

#include "troupe/messages/errors.hpp"
#include "troupe/runtime/cluster/batch.hpp"

#include <caf/make_message.hpp>

#include <doctest/doctest.h>

#include "support/fixture.hpp"

namespace {

caf::message delivery(uint32_t topic, int64_t deadline, caf::message payload) {
  return caf::make_message(troupe::topic_header{topic, deadline}) + payload;
}

struct decoded {
  uint32_t topic;
  caf::message msg;
};

std::vector<decoded> decode_all(troupe::detail::batch_decoder& decoder,
                                const troupe::topic_batch& batch,
                                caf::error* err = nullptr) {
  std::vector<decoded> result;
  auto e = decoder.decode(batch, [&](uint32_t topic, caf::message msg) {
    result.push_back(decoded{topic, std::move(msg)});
  });
  if (err != nullptr)
    *err = e;
  else
    CHECK_FALSE(e);
  return result;
}

} // namespace

TEST_CASE_FIXTURE(test::fixture, "a batch carries topics, payloads and "
                                 "deadlines in order") {
  troupe::detail::batch_encoder encoder{sys()};
  REQUIRE_FALSE(encoder.append(
      3, "alpha", delivery(3, 0, caf::make_message(test::ping{1})).content()));
  REQUIRE_FALSE(encoder.append(
      5, "beta",
      delivery(5, 77, caf::make_message(test::note{"hi"})).content()));
  REQUIRE_FALSE(encoder.append(
      3, "alpha",
      delivery(3, 0, caf::make_message(test::ping{2}, std::string{"x"}))
          .content()));
  CHECK(encoder.count() == 3);
  auto batch = encoder.take(9);
  CHECK(encoder.empty());
  CHECK(batch.seq == 9);
  CHECK(batch.topics == std::vector<std::string>{"alpha", "beta"});
  CHECK(batch.signatures.size() == 3);
  troupe::detail::batch_decoder decoder{sys()};
  auto xs = decode_all(decoder, batch);
  REQUIRE(xs.size() == 3);
  CHECK(batch.topics[xs[0].topic] == "alpha");
  CHECK(xs[0].msg.match_elements<troupe::topic_header, test::ping>());
  CHECK(xs[0].msg.get_as<test::ping>(1) == test::ping{1});
  CHECK(batch.topics[xs[1].topic] == "beta");
  CHECK(xs[1].msg.get_as<troupe::topic_header>(0).deadline_ns == 77);
  CHECK(xs[1].msg.get_as<test::note>(1) == test::note{"hi"});
  CHECK(
      xs[2]
          .msg.match_elements<troupe::topic_header, test::ping, std::string>());
  CHECK(xs[2].msg.get_as<std::string>(2) == "x");
  // The next batch starts with fresh tables.
  REQUIRE_FALSE(encoder.append(
      5, "beta", delivery(5, 0, caf::make_message(test::ping{3})).content()));
  auto next = encoder.take(10);
  CHECK(next.topics == std::vector<std::string>{"beta"});
  CHECK(next.signatures.size() == 1);
}

TEST_CASE_FIXTURE(test::fixture, "messages of unknown types are skipped and "
                                 "counted, the rest delivered") {
  troupe::detail::batch_encoder encoder{sys()};
  REQUIRE_FALSE(encoder.append(
      1, "t", delivery(1, 0, caf::make_message(test::ping{1})).content()));
  REQUIRE_FALSE(encoder.append(
      1, "t", delivery(1, 0, caf::make_message(test::pong{2})).content()));
  REQUIRE_FALSE(encoder.append(
      1, "t", delivery(1, 0, caf::make_message(test::ping{3})).content()));
  auto batch = encoder.take(1);
  // As if the receiving node did not know test::pong.
  for (auto& sig : batch.signatures)
    if (sig == "test::pong")
      sig = "unknown::type";
  troupe::detail::batch_decoder decoder{sys()};
  auto xs = decode_all(decoder, batch);
  REQUIRE(xs.size() == 2);
  CHECK(xs[0].msg.get_as<test::ping>(1) == test::ping{1});
  CHECK(xs[1].msg.get_as<test::ping>(1) == test::ping{3});
  CHECK(decoder.skipped().at("unknown::type") == 1);
}

TEST_CASE_FIXTURE(test::fixture, "malformed batches are refused, never "
                                 "crash") {
  troupe::detail::batch_encoder encoder{sys()};
  for (int32_t i = 0; i < 4; ++i)
    REQUIRE_FALSE(encoder.append(
        1, "t", delivery(1, 0, caf::make_message(test::ping{i})).content()));
  auto batch = encoder.take(1);
  troupe::detail::batch_decoder decoder{sys()};
  SUBCASE("truncated") {
    batch.data.resize(batch.data.size() / 2);
    caf::error err;
    auto xs = decode_all(decoder, batch, &err);
    CHECK(troupe::code_of(err) == troupe::errc::bad_input);
    CHECK(xs.size() < 4);
  }
  SUBCASE("indices out of range") {
    batch.topics.clear();
    caf::error err;
    auto xs = decode_all(decoder, batch, &err);
    CHECK(troupe::code_of(err) == troupe::errc::bad_input);
    CHECK(xs.empty());
  }
  SUBCASE("more messages claimed than present") {
    batch.count = 1000;
    caf::error err;
    auto xs = decode_all(decoder, batch, &err);
    CHECK(troupe::code_of(err) == troupe::errc::bad_input);
    CHECK(xs.size() == 4);
  }
  SUBCASE("random bytes") {
    for (size_t i = 0; i < batch.data.size(); ++i)
      batch.data[i] = static_cast<char>(i * 37 + 11);
    caf::error err;
    decode_all(decoder, batch, &err);
    CHECK(err);
  }
}

TEST_CASE_FIXTURE(test::fixture, "only topic deliveries go into batches") {
  troupe::detail::batch_encoder encoder{sys()};
  auto err = encoder.append(1, "t", caf::make_message(test::ping{1}).content());
  CHECK(troupe::code_of(err) == troupe::errc::invalid_argument);
  CHECK(encoder.empty());
}
