// The status page as a browser shows it: headless Chromium loads it from
// the metrics server, lets its script refresh it, and dumps the DOM. Skipped
// (exit status 77, which ctest reports as skipped) only where Chromium is
// not installed.

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <regex>
#include <string>

#include "troupe/runtime/monitor/metrics_server.hpp"

#include <doctest/doctest.h>

#include "support/monitor.hpp"
#include "support/real_monitor.hpp"

using namespace troupe;

namespace {

std::string find_chromium() {
  for (auto name : {"chromium", "chromium-browser", "google-chrome"}) {
    auto cmd = std::string{"command -v "} + name + " >/dev/null 2>&1";
    if (std::system(cmd.c_str()) == 0)
      return name;
  }
  return {};
}

std::string run(const std::string& cmd) {
  std::string out;
  auto* pipe = popen(cmd.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 4096> buf;
  size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0)
    out.append(buf.data(), n);
  pclose(pipe);
  return out;
}

/// The `<tr>` element of a point in the dumped DOM.
std::string row_of(const std::string& dom, const std::string& point) {
  auto at = dom.find("data-point=\"" + point + "\"");
  if (at == std::string::npos)
    return {};
  auto start = dom.rfind("<tr", at);
  auto end = dom.find("</tr>", at);
  return dom.substr(start, end - start);
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("headless Chromium shows the tree in alert colours and the page "
          "refreshes itself") {
  auto chromium = find_chromium();
  if (chromium.empty()) {
    std::cerr << "SKIPPED: Chromium is not installed (Debian package "
                 "'chromium'; scripts/test installs it when run as root)\n";
    std::exit(77);
  }
  test::log_capture logs{log::level::off};
  test::real_monitor m;
  m.push("temperature", alert::red(41.5), "plant");
  m.push("pump", alert::green(3), "plant");
  m.push("mode", "replay & <record>");
  // A point that stops updating: STALE after 3 x 20 ms.
  point_options quick;
  quick.dt = std::chrono::milliseconds{20};
  REQUIRE(!m.call(caf::add_atom::value, make_pushed_point("heartbeat", quick)));
  REQUIRE(!m.call(caf::put_atom::value, std::string{"heartbeat"}, reading{1}));
  for (bool stale = false; !stale;) {
    caf::scoped_actor self{m.rt.system()};
    self->request(m.mon, caf::infinite, caf::get_atom::value,
                  std::string{"heartbeat"})
        .receive([&](const point_info& p) { stale = p.stale; },
                 [](caf::error&) {});
  }
  metrics_server_options opts;
  opts.page_refresh_ms = 1000;
  metrics_server server{m.rt.system(), m.mon, opts};
  auto port = server.start();
  REQUIRE(port);
  auto profile = std::filesystem::temp_directory_path()
                 / ("troupe-chromium-" + std::to_string(*port));
  std::filesystem::remove_all(profile);
  auto cmd = "timeout 120 " + chromium
             + " --headless --no-sandbox --disable-gpu --disable-quic"
               " --no-first-run --disable-background-networking"
               " --disable-component-update --disable-sync"
               " --disable-dev-shm-usage --user-data-dir="
             + profile.string()
             + " --virtual-time-budget=4500 --dump-dom http://127.0.0.1:"
             + std::to_string(*port) + "/ 2>/dev/null";
  auto dom = run(cmd);
  std::filesystem::remove_all(profile);
  INFO(dom);
  REQUIRE(contains(dom, "</html>"));
  // The script ran, and refreshed the page from the server again and again.
  std::smatch refreshes;
  REQUIRE(std::regex_search(dom, refreshes,
                            std::regex{"data-refreshes=\"([0-9]+)\""}));
  CHECK(std::stoi(refreshes[1]) >= 3);
  CHECK(server.requests("/snapshot.json") >= 3);
  CHECK(std::regex_search(dom, std::regex{"id=\"updated\">updated "}));
  CHECK(std::regex_search(
      dom, std::regex{"<h1 id=\"status\" class=\"alert-red\">Monitor \\(RED\\)"
                      " --- running</h1>"}));
  auto temperature = row_of(dom, "temperature");
  CHECK(contains(temperature, "data-alert=\"red\""));
  CHECK(contains(temperature, "<td class=\"value\">41.5</td>"));
  CHECK(contains(temperature, "<td class=\"alert alert-red\">RED</td>"));
  auto plant = row_of(dom, "plant");
  CHECK(contains(plant, "class=\"parent\""));
  CHECK(contains(plant, "<td class=\"alert alert-red\">RED</td>"));
  CHECK(contains(row_of(dom, "pump"),
                 "<td class=\"alert alert-green\">GREEN</td>"));
  CHECK(contains(row_of(dom, "mode"),
                 "<td class=\"value\">replay &amp; &lt;record&gt;</td>"));
  auto heartbeat = row_of(dom, "heartbeat");
  CHECK(contains(heartbeat, "data-alert=\"stale\""));
  CHECK(contains(heartbeat, "<td class=\"alert alert-stale\">STALE</td>"));
  // Children are indented under their parent.
  CHECK(contains(temperature, "padding-left: 2.3em"));
}
