// The HTTP endpoint on a real socket: /metrics parses as Prometheus text,
// / and /snapshot.json show the tree, errors are said as errors.

#include <string>

#include "troupe/runtime/monitor/metrics_server.hpp"

#include <doctest/doctest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "support/monitor.hpp"
#include "support/prometheus_parser.hpp"
#include "support/real_monitor.hpp"

using namespace troupe;

TEST_CASE("the endpoint serves metrics, the status page and the snapshot") {
  test::log_capture logs{log::level::off};
  test::real_monitor m;
  m.push("temperature", alert::red(41.5), "plant");
  m.push("mode", "replay");
  metrics_server server{m.rt.system(), m.mon};
  CHECK(metrics_server_options{}.host == "127.0.0.1");
  auto port = server.start();
  REQUIRE_MESSAGE(port, to_text(port.error()));
  CHECK(*port == server.port());
  CHECK(server.running());
  httplib::Client cli{"127.0.0.1", *port};
  auto metrics = cli.Get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->status == 200);
  CHECK(metrics->get_header_value("Content-Type")
        == "text/plain; version=0.0.4; charset=utf-8");
  test::prometheus_parser parser;
  auto families = parser.parse(metrics->body);
  auto& alerts = families.at("troupe_alert_level").samples;
  REQUIRE(alerts.size() == 3);
  CHECK(alerts[0].labels.at("point") == "mode");
  CHECK(alerts[1].labels.at("point") == "plant");
  CHECK(alerts[1].value == 30);
  CHECK(families.at("troupe_temperature").samples.at(0).value == 41.5);
  auto page = cli.Get("/");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(page->body.find("data-point=\"temperature\" data-alert=\"red\"")
        != std::string::npos);
  auto json = cli.Get("/snapshot.json");
  REQUIRE(json);
  auto doc = nlohmann::json::parse(json->body);
  CHECK(doc["alert"] == "red");
  CHECK(doc["points"].size() == 3);
  CHECK(cli.Get("/nowhere")->status == 404);
  CHECK(server.requests("/metrics") == 1);
  CHECK(server.requests("/") == 1);
  // A second server cannot take the same port, and says which.
  metrics_server_options taken;
  taken.port = *port;
  metrics_server other{m.rt.system(), m.mon, taken};
  auto err = other.start();
  REQUIRE(!err);
  CHECK(to_text(err.error())
        == "io_error: metrics server: cannot listen on 127.0.0.1:"
               + std::to_string(*port) + " (address in use or not available)");
  CHECK(code_of(server.start().error()) == errc::wrong_state);
  server.stop();
  server.stop();
  CHECK(!server.running());
}

TEST_CASE("a monitor that does not answer gets a 503, not stale data") {
  test::log_capture logs{log::level::off};
  test::real_monitor m;
  metrics_server_options opts;
  opts.request_timeout = std::chrono::milliseconds{200};
  metrics_server server{m.rt.system(), m.mon, opts};
  auto port = server.start();
  REQUIRE(port);
  caf::anon_send_exit(m.mon, caf::exit_reason::user_shutdown);
  httplib::Client cli{"127.0.0.1", *port};
  auto metrics = cli.Get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->status == 503);
  CHECK(metrics->body.rfind("monitor did not answer: ", 0) == 0);
  auto page = cli.Get("/");
  REQUIRE(page);
  CHECK(page->status == 503);
  CHECK(page->body.find("Monitor --- not reachable") != std::string::npos);
}

TEST_CASE_FIXTURE(test::monitor_fixture, "the endpoint refuses the test "
                                         "coordinator") {
  metrics_server server{sys(), mon};
  auto port = server.start();
  REQUIRE(!port);
  CHECK(code_of(port.error()) == errc::unsupported);
}
