#include "troupe/actors/recorder.hpp"

#include <doctest/doctest.h>

#include "support/fixture.hpp"
#include "support/replay.hpp"

using namespace test;

TEST_CASE_FIXTURE(fixture, "the recorder writes a replay on virtual time "
                           "with the original times") {
  temp_dir dir;
  troupe::write_options opts;
  opts.format = troupe::log_format::mcl;
  auto writer = troupe::log_writer::open(dir.file("rec/"), opts);
  REQUIRE(writer);
  auto rec = spawn<troupe::recorder>(
      "rec", std::vector<std::string>{"UnitTestMessageA", "UnitTestMessageB"},
      std::shared_ptr<troupe::log_writer>{std::move(*writer)});
  REQUIRE(!replay({mcl_dir("dataset")}));
  CHECK(replay_to_end().state == "finished");
  auto st = request<troupe::sink_status>(rec, troupe::sink_query{});
  REQUIRE(st);
  CHECK(st->records == 20);
  CHECK(st->error.empty());
  CHECK(st->files.size() == 2);
  auto back = read_logs({dir.file("rec")});
  auto original = read_logs({mcl_dir("dataset")});
  REQUIRE(back.size() == 20);
  for (size_t i = 0; i < 20; ++i) {
    CHECK(back[i].elapsed_ns == original[i].elapsed_ns);
    CHECK(back[i].payload == original[i].payload);
  }
}
