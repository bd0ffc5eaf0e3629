#include <chrono>
#include <string>

#include "troupe/runtime/monitor/table.hpp"

#include <doctest/doctest.h>

#include "support/monitor.hpp"

using namespace std::chrono_literals;
using namespace troupe;
using test::every;

TEST_CASE_FIXTURE(test::monitor_fixture, "the table lists the tree like "
                                         "libgs and its header tells the "
                                         "truth") {
  test::log_capture logs{log::level::off};
  REQUIRE(!request<void>(mon, caf::add_atom::value, std::string{"sensors"},
                         std::string{"plant"}));
  must_add(make_point("sensors/imu", every(1s, "sensors"),
                      poll([] { return alert::green(99.5); })));
  must_add(make_point("pump", every(1s, "plant"), poll([]() -> poll_result {
                        return poll_result::failure("no reply");
                      })));
  must_add(make_point("clock", every(1s), poll([] { return 12; })));
  advance(700ms);
  auto table = render_table(snapshot());
  CHECK(table
        == " Monitor (RED) --- running\n"
           " Name                          Value                               "
           "    Alert     Age (s)\n"
           " ----------------------------- ----------------------------------"
           "----- --------- ---------------\n"
           " .clock                        12                                  "
           "              0.70\n"
           " .plant                                                            "
           "    RED       \n"
           " ..pump                        ERROR: no reply                     "
           "    RED       0.70\n"
           " ..sensors                                                         "
           "    GREEN     \n"
           " ...imu                        99.5                                "
           "    GREEN     0.70\n");
  REQUIRE(request<bool>(mon, stop_atom::value) == true);
  CHECK(table_header(snapshot()) == " Monitor (RED) --- not running");
}

TEST_CASE("table cells are cut at their width, never inside a character") {
  monitor_snapshot snap;
  snap.running = true;
  point_info p;
  p.name = std::string(40, 'n');
  p.value = std::string(38, 'v') + "\xc3\xa9\xc3\xa9";
  p.updates = 1;
  p.stale = true;
  p.alert = alert_level::green;
  snap.points.push_back(p);
  auto table = render_table(snap);
  auto row = table.substr(table.rfind(" ."));
  CHECK(row
        == " ." + std::string(28, 'n') + " " + std::string(38, 'v') + "\xc3\xa9"
               + " STALE     0.00\n");
  CHECK(render_table(monitor_snapshot{}).find("(no points)")
        != std::string::npos);
  CHECK(render_unreachable("timeout")
        == " Monitor --- not running (no answer: timeout)\n");
}

TEST_CASE("colours mark alerts on terminals") {
  monitor_snapshot snap;
  point_info p;
  p.name = "x";
  p.alert = alert_level::red;
  snap.points.push_back(p);
  table_options opts;
  opts.color = true;
  CHECK(render_table(snap, opts).find("\x1b[31mRED") != std::string::npos);
  CHECK(render_table(snap).find("\x1b[") == std::string::npos);
}
