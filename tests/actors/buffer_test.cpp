#include <chrono>

#include "troupe/actors/buffer.hpp"

#include <doctest/doctest.h>

#include "support/fixture.hpp"
#include "support/replay.hpp"

using namespace test;
using namespace std::chrono_literals;

namespace {

struct buffer_fixture : fixture {
  troupe::buffer_actor make(troupe::buffer_options opts = {},
                            const std::string& dir = "dataset") {
    auto src = troupe::open_logs({mcl_dir(dir)}, {});
    REQUIRE(src);
    return rt().spawn_buffer(std::move(*src), opts);
  }

  troupe::buffer_status status(const troupe::buffer_actor& buf) {
    auto st = request<troupe::buffer_status>(buf, troupe::buffer_query{});
    REQUIRE(st);
    return *st;
  }

  std::vector<troupe::record> pull(const troupe::buffer_actor& buf,
                                   uint32_t n) {
    auto batch = request<troupe::record_batch>(buf, troupe::buffer_pull{n});
    REQUIRE(batch);
    return batch->records;
  }
};

} // namespace

TEST_CASE_FIXTURE(buffer_fixture, "B1: defaults; timeouts may be never") {
  troupe::buffer_options opts;
  CHECK(opts.max_records == 5000);
  CHECK(opts.pop_timeout == 10s);
  CHECK(opts.ready_timeout == 10s);
  opts.pop_timeout = troupe::buffer_options::never;
  CHECK(!troupe::validate(opts));
  opts.max_records = 0;
  CHECK(troupe::code_of(troupe::validate(opts))
        == troupe::errc::invalid_argument);
}

TEST_CASE_FIXTURE(buffer_fixture, "R7: an unbounded buffer drains all 20 in "
                                  "order, then ready and nothing pending") {
  auto buf = make();
  CHECK(status(buf).data_pending);
  CHECK(request<bool>(buf, troupe::buffer_start{}) == true);
  auto st = status(buf);
  CHECK(st.ready);
  CHECK(!st.data_pending);
  CHECK(labels(pull(buf, 100)) == fixture_labels());
  auto batch = request<troupe::record_batch>(buf, troupe::buffer_pull{5});
  REQUIRE(batch);
  CHECK(batch->records.empty());
  CHECK(batch->exhausted);
}

TEST_CASE_FIXTURE(buffer_fixture, "R8/B3/B7: a buffer of 10 holds exactly "
                                  "A0-A9, ready while the source has more; "
                                  "taking one lets it read on") {
  troupe::buffer_options opts;
  opts.max_records = 10;
  auto buf = make(opts);
  CHECK(request<bool>(buf, troupe::buffer_start{}) == true);
  auto st = status(buf);
  CHECK(st.stored == 10);
  CHECK(st.ready);
  CHECK(st.data_pending);
  auto first = pull(buf, 1);
  CHECK(labels(first) == std::vector<std::string>{"A 0.00"});
  st = status(buf);
  CHECK(st.stored == 10); // refilled at once
  CHECK(st.peak_stored == 10);
  auto rest = pull(buf, 100);
  CHECK(rest.size() == 10);
  auto tail = pull(buf, 100);
  CHECK(tail.size() == 9);
  CHECK(!status(buf).data_pending);
  // What it held at first was exactly A0-A9: the record taken plus the
  // first nine of the next pull; the one it read on is B 0.1.
  auto got = labels(first);
  for (auto& x : {labels(rest), labels(tail)})
    got.insert(got.end(), x.begin(), x.end());
  CHECK(got == fixture_labels());
  CHECK(got[9] == "A 0.09");
  CHECK(labels(rest).back() == "B 0.10");
}

TEST_CASE_FIXTURE(buffer_fixture, "R1: data is pending until the 20th record "
                                  "is taken, then not; one more pull gets "
                                  "nothing") {
  // One record at a time: the buffer cannot look past what it serves, so
  // it learns of the end only when it reads on after the 20th.
  troupe::buffer_options opts;
  opts.max_records = 1;
  auto buf = make(opts);
  CHECK(status(buf).data_pending);
  REQUIRE(request<bool>(buf, troupe::buffer_start{}) == true);
  auto all = fixture_labels();
  for (size_t i = 0; i < all.size(); ++i) {
    CAPTURE(i);
    CHECK(status(buf).data_pending);
    CHECK(labels(pull(buf, 1)) == std::vector<std::string>{all[i]});
  }
  auto st = status(buf);
  CHECK(!st.data_pending);
  CHECK(st.stored == 0);
  auto batch = request<troupe::record_batch>(buf, troupe::buffer_pull{1});
  REQUIRE(batch);
  CHECK(batch->records.empty());
  CHECK(batch->exhausted);
}

TEST_CASE_FIXTURE(buffer_fixture, "the byte bound stops the read-ahead; "
                                  "draining lets it read on, nothing lost "
                                  "or doubled") {
  // Each record's size as the buffer counts it: a buffer of one record
  // holds exactly that record's bytes.
  std::vector<uint64_t> sizes;
  {
    troupe::buffer_options one;
    one.max_records = 1;
    auto buf = make(one);
    REQUIRE(request<bool>(buf, troupe::buffer_start{}) == true);
    for (int i = 0; i < 20; ++i) {
      sizes.push_back(status(buf).stored_bytes);
      REQUIRE(pull(buf, 1).size() == 1);
    }
  }
  for (auto size : sizes)
    REQUIRE(size > 0);
  auto bytes_of = [&](size_t from, size_t to) {
    uint64_t result = 0;
    for (size_t i = from; i < to; ++i)
      result += sizes[i];
    return result;
  };
  troupe::buffer_options opts;
  opts.slice = 2; // reads in steps, so it must look at the bound each time
  SUBCASE("a bound met exactly") {
    opts.max_bytes = bytes_of(0, 5);
  }
  SUBCASE("a bound inside a record: that record is the last one read") {
    opts.max_bytes = bytes_of(0, 5) + 1;
  }
  CAPTURE(opts.max_bytes);
  auto buf = make(opts);
  REQUIRE(request<bool>(buf, troupe::buffer_start{}) == true);
  // Reads on while below the bound: stops with the record that reaches it.
  size_t expected = 0;
  while (bytes_of(0, expected) < opts.max_bytes)
    ++expected;
  auto st = status(buf);
  CHECK(st.stored == expected);
  CHECK(st.stored < opts.max_records);
  CHECK(st.records_read == expected);
  CHECK(st.stored_bytes == bytes_of(0, expected));
  CHECK(st.stored_bytes - sizes[expected - 1] < opts.max_bytes);
  CHECK(st.ready);
  CHECK(st.data_pending);
  // Nothing more is read while nobody takes anything.
  run();
  CHECK(status(buf).records_read == expected);
  std::vector<troupe::record> got;
  for (uint32_t n : {2u, 1u, 3u, 2u, 4u, 1u, 2u, 3u, 2u, 100u, 1u}) {
    auto batch = pull(buf, n);
    got.insert(got.end(), batch.begin(), batch.end());
    st = status(buf);
    CAPTURE(got.size());
    // What is held is the records after those taken, counted right.
    CHECK(st.records_served == got.size());
    CHECK(st.stored_bytes == bytes_of(got.size(), got.size() + st.stored));
    if (st.data_pending) {
      // Read on to the bound again, not beyond.
      CHECK(st.stored_bytes >= opts.max_bytes);
      CHECK(st.stored_bytes - sizes[got.size() + st.stored - 1]
            < opts.max_bytes);
    }
  }
  CHECK(labels(got) == fixture_labels());
  CHECK(!status(buf).data_pending);
  CHECK(status(buf).records_read == 20);
}

TEST_CASE_FIXTURE(buffer_fixture, "R9/R10: controls act once; stop keeps the "
                                  "position, reset rewinds") {
  troupe::buffer_options opts;
  opts.max_records = 10;
  auto buf = make(opts);
  CHECK(request<bool>(buf, troupe::buffer_start{}) == true);
  CHECK(request<bool>(buf, troupe::buffer_start{}) == false);
  CHECK(request<bool>(buf, troupe::buffer_stop{}) == true);
  CHECK(request<bool>(buf, troupe::buffer_stop{}) == false);
  CHECK(labels(pull(buf, 5)).back() == "A 0.04");
  CHECK(request<bool>(buf, troupe::buffer_start{}) == true);
  CHECK(labels(pull(buf, 1)) == std::vector<std::string>{"A 0.05"});
  CHECK(request<bool>(buf, troupe::buffer_reset{}) == true);
  auto st = status(buf);
  CHECK(st.stored == 0);
  CHECK(!st.running);
  CHECK(request<bool>(buf, troupe::buffer_start{}) == true);
  auto all = fixture_labels();
  CHECK(labels(pull(buf, 10))
        == std::vector<std::string>(all.begin(), all.begin() + 10));
}

TEST_CASE_FIXTURE(buffer_fixture, "B3/B5: waits time out naming the setting "
                                  "to raise and its value") {
  troupe::buffer_options opts;
  opts.pop_timeout = 2s;
  opts.ready_timeout = 3s;
  auto buf = make(opts);
  // Not started: nothing arrives.
  caf::scoped_actor self{sys()};
  auto pending = self->request(buf, caf::infinite, troupe::buffer_pull{1});
  auto ready = self->request(buf, caf::infinite, troupe::buffer_await_ready{});
  run();
  advance(3s);
  std::string pop_error;
  std::string ready_error;
  std::move(pending).receive(
      [](troupe::record_batch&) {},
      [&](caf::error& err) { pop_error = troupe::to_text(err); });
  std::move(ready).receive(
      [](troupe::buffer_status&) {},
      [&](caf::error& err) { ready_error = troupe::to_text(err); });
  CHECK(pop_error.find("raise pop_timeout (current value 2.0 s)")
        != std::string::npos);
  CHECK(pop_error.find("0 served") != std::string::npos);
  CHECK(ready_error.find("raise ready_timeout (current value 3.0 s)")
        != std::string::npos);
}

TEST_CASE_FIXTURE(buffer_fixture, "a pull waiting for records is answered as "
                                  "soon as they arrive") {
  auto buf = make();
  caf::scoped_actor self{sys()};
  auto pending = self->request(buf, caf::infinite, troupe::buffer_pull{3});
  run();
  CHECK(request<bool>(buf, troupe::buffer_start{}) == true);
  std::vector<troupe::record> got;
  std::move(pending).receive(
      [&](troupe::record_batch& batch) { got = batch.records; },
      [](caf::error&) { FAIL("pull failed"); });
  CHECK(labels(got) == std::vector<std::string>{"A 0.00", "A 0.01", "A 0.02"});
}

TEST_CASE_FIXTURE(fixture, "bad records: skip counts them, stop fails after "
                           "the last good record") {
  temp_dir dir;
  auto path = dir.write("x.jsonl",
                        "{\"elapsed_time\": 0.1, \"topic\": \"t\", "
                        "\"payload\": {}}\nnot json\n{\"elapsed_time\": 0.2, "
                        "\"topic\": \"t\", \"payload\": {}}\n");
  for (bool stop : {false, true}) {
    CAPTURE(stop);
    auto src = troupe::open_logs({path}, {});
    REQUIRE(src);
    troupe::buffer_options opts;
    opts.stop_on_bad = stop;
    auto buf = rt().spawn_buffer(std::move(*src), opts);
    REQUIRE(request<bool>(buf, troupe::buffer_start{}));
    auto first = request<troupe::record_batch>(buf, troupe::buffer_pull{10});
    REQUIRE(first);
    CHECK(first->records.size() == (stop ? 1u : 2u));
    auto st = request<troupe::buffer_status>(buf, troupe::buffer_query{});
    REQUIRE(st);
    REQUIRE(st->bad_records.size() == 1);
    CHECK(st->bad_records[0].line == 2);
    auto next = request<troupe::record_batch>(buf, troupe::buffer_pull{10});
    if (stop) {
      REQUIRE(!next);
      CHECK(troupe::to_text(next.error()).find("x.jsonl:2:")
            != std::string::npos);
    } else {
      REQUIRE(next);
      CHECK(next->exhausted);
    }
  }
}

namespace {

/// A handled replay batch as a subscriber hands it back: payloads of other
/// shapes and sizes than the fixture's, whose memory the buffer reuses.
caf::message spent_batch(size_t items) {
  troupe::replay_batch batch;
  for (size_t i = 0; i < items; ++i) {
    troupe::replay_item item;
    item.payload = troupe::value::map(
        {{"leftover", troupe::value{std::string(40, 'x')}},
         {"nested", troupe::value::array({troupe::value{int64_t{7}},
                                          troupe::value{"a long string "
                                                        "from before"}})},
         {"n", troupe::value{static_cast<int64_t>(i)}}});
    batch.items.push_back(std::move(item));
  }
  return caf::make_message(std::move(batch));
}

} // namespace

TEST_CASE_FIXTURE(buffer_fixture, "records read into reused memory and served "
                                  "in pieces of chunks equal a plain read") {
  auto reference = make();
  REQUIRE(request<bool>(reference, troupe::buffer_start{}));
  auto plain = pull(reference, 100);
  troupe::buffer_options opts;
  opts.max_records = 5;
  opts.slice = 2;
  auto buf = make(opts);
  REQUIRE(request<bool>(buf, troupe::buffer_start{}));
  std::vector<troupe::record> got;
  for (uint32_t n : {3u, 1u, 4u, 2u, 5u, 1u, 3u, 2u, 4u, 100u}) {
    troupe::buffer_pull pull{n, {spent_batch(3), spent_batch(2)}};
    auto batch = request<troupe::record_batch>(buf, std::move(pull));
    REQUIRE(batch);
    CHECK(batch->records.size() <= n);
    got.insert(got.end(), batch->records.begin(), batch->records.end());
  }
  CHECK(labels(got) == fixture_labels());
  CHECK(got == plain);
  CHECK(status(buf).records_served == 20);
}
