#include <string>

#include "troupe/runtime/monitor/status_page.hpp"

#include <doctest/doctest.h>

using namespace troupe;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("the status page renders the tree with alert colours") {
  monitor_snapshot snap;
  snap.running = true;
  snap.alert = alert_level::red;
  point_info group;
  group.name = "plant";
  group.is_parent = true;
  group.alert = alert_level::red;
  snap.points.push_back(group);
  point_info p;
  p.name = "<pump>";
  p.parent = "plant";
  p.depth = 1;
  p.value = 3;
  p.alert = alert_level::red;
  p.updates = 1;
  snap.points.push_back(p);
  p.name = "quiet";
  p.stale = true;
  p.alert = alert_level::green;
  snap.points.push_back(p);
  auto page = render_status_page(snap, 1500);
  CHECK(contains(page, "<h1 id=\"status\" class=\"alert-red\">Monitor (RED) "
                       "--- running</h1>"));
  CHECK(contains(page, "data-point=\"&lt;pump&gt;\" data-alert=\"red\""));
  CHECK(contains(page, "<td class=\"alert alert-red\">RED</td>"));
  CHECK(contains(page, "data-point=\"quiet\" data-alert=\"stale\""));
  CHECK(contains(page, "<td class=\"alert alert-stale\">STALE</td>"));
  CHECK(contains(page, ".alert-red { background: #c62828"));
  CHECK(contains(page, "setInterval(refresh, 1500)"));
  CHECK(contains(page, "fetch('snapshot.json'"));
  CHECK(!contains(page, "<pump>"));
}

TEST_CASE("an unreachable monitor is said to be so") {
  auto page = render_status_page_unreachable("timeout: <no answer>");
  CHECK(contains(page, "Monitor --- not reachable (timeout: &lt;no "
                       "answer&gt;)"));
  CHECK(html_escape("a&'\"") == "a&amp;&#39;&quot;");
}
