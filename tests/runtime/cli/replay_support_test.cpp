#include "troupe/runtime/cli/replay_support.hpp"

#include <doctest/doctest.h>

using namespace troupe;
using troupe::cli::replay_progress;

namespace {

buffer_status read_so_far(uint64_t bytes, uint64_t total, uint64_t records) {
  buffer_status x;
  x.bytes_read = bytes;
  x.bytes_total = total;
  x.records_read = records;
  return x;
}

} // namespace

TEST_CASE("progress counts what was passed on, not what was read ahead") {
  replay_status st;
  st.state = "playing";
  // A small log read whole into the buffer: nothing published yet is 0%,
  // not the 100% the reader's position alone would say.
  auto bst = read_so_far(1000, 1000, 100);
  CHECK(replay_progress(st, bst) == doctest::Approx(0.0));
  st.published = 40;
  st.filtered = 5;
  st.dropped = 5;
  CHECK(replay_progress(st, bst) == doctest::Approx(0.5));
  // Half the file read, all of it passed on.
  bst = read_so_far(500, 1000, 50);
  CHECK(replay_progress(st, bst) == doctest::Approx(0.5));
}

TEST_CASE("progress is 1 when finished and 0 for an unknown size") {
  replay_status st;
  st.state = "finished";
  CHECK(replay_progress(st, read_so_far(10, 1000, 1)) == 1.0);
  st.state = "playing";
  CHECK(replay_progress(st, read_so_far(10, 0, 1)) == 0.0);
  CHECK(replay_progress(st, read_so_far(0, 1000, 0)) == 0.0);
}

TEST_CASE("on a loop's later passes progress follows the reader") {
  replay_status st;
  st.state = "playing";
  st.loops = 2;
  st.published = 250;
  CHECK(replay_progress(st, read_so_far(300, 1000, 260))
        == doctest::Approx(0.3));
}
