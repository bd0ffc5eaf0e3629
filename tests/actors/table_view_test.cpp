#include <chrono>
#include <sstream>
#include <string>

#include "troupe/actors/table_view.hpp"

#include <doctest/doctest.h>

#include "support/monitor.hpp"

using namespace std::chrono_literals;
using namespace troupe;

namespace {

size_t occurrences(const std::string& text, const std::string& part) {
  size_t result = 0;
  for (auto pos = text.find(part); pos != std::string::npos;
       pos = text.find(part, pos + 1))
    ++result;
  return result;
}

} // namespace

TEST_CASE_FIXTURE(test::monitor_fixture, "the live view redraws the table in "
                                         "place on a terminal") {
  int n = 0;
  point_options opts;
  opts.dt = 1s;
  must_add(make_point("count", opts, poll([&] { return ++n; })));
  std::ostringstream out;
  table_view_options view;
  view.out = &out;
  view.period = 1s;
  view.refresh = table_view_options::mode::in_place;
  REQUIRE(spawn_table_view(rt(), mon, view));
  run();
  auto first = out.str();
  CHECK(first.rfind(" Monitor --- running\n", 0) == 0);
  CHECK(first.find(" .count                        1 ") != std::string::npos);
  advance(1s);
  auto second = out.str().substr(first.size());
  // Back up over the 4 lines drawn before, clear, draw again.
  CHECK(second.rfind("\x1b[4A\r\x1b[J Monitor --- running\n", 0) == 0);
  CHECK(second.find(" .count                        2 ") != std::string::npos);
  advance(2s);
  CHECK(occurrences(out.str(), "\x1b[4A") == 3);
}

TEST_CASE_FIXTURE(test::monitor_fixture, "off a terminal the view appends "
                                         "tables and tells when the monitor "
                                         "is gone") {
  std::ostringstream out;
  table_view_options view;
  view.out = &out;
  view.period = 500ms;
  REQUIRE(spawn_table_view(rt(), mon, view));
  run();
  advance(500ms);
  CHECK(occurrences(out.str(), " Monitor --- running\n") == 2);
  CHECK(out.str().find("\x1b[") == std::string::npos);
  caf::anon_send_exit(mon, caf::exit_reason::user_shutdown);
  run();
  advance(500ms);
  CHECK(out.str().find(" Monitor --- not running (no answer: ")
        != std::string::npos);
}

TEST_CASE_FIXTURE(test::monitor_fixture, "a view needs a positive period") {
  table_view_options view;
  view.period = 0s;
  auto result = spawn_table_view(rt(), mon, view);
  REQUIRE(!result);
  CHECK(to_text(result.error())
        == "invalid_argument: table view: the period must be positive (got "
           "0 ns)");
}
