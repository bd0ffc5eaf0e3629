// The `process` resource on CAF's real scheduler: the supervisor's thread
// reports by message, which the single-threaded test scheduler must not
// receive from another thread. No timing assertions: a hang fails through
// ctest's timeout.

#include <fstream>
#include <iterator>
#include <string>

#include "troupe/actors/controller.hpp"
#include "troupe/actors/process_resource.hpp"
#include "troupe/runtime/config.hpp"
#include "troupe/runtime/runtime.hpp"

#include <caf/scoped_actor.hpp>

#include <doctest/doctest.h>

#include "support/replay.hpp"

using namespace troupe;

namespace {

struct live_experiment {
  explicit live_experiment(experiment_options opts = {})
      : h(spawn_experiment(rt, std::move(opts))) {
    // nop
  }

  config cfg;
  runtime rt{cfg};
  experiment_handles h;
  caf::scoped_actor self{rt.system()};

  template <class R, class... Ts>
  caf::expected<R> ask(Ts... xs) {
    caf::expected<R> result{caf::error{}};
    self->request(h.controller, caf::infinite, xs...)
        .receive([&](R& x) { result = std::move(x); },
                 [&](caf::error& e) { result = e; });
    return result;
  }

  template <class... Ts>
  caf::error ask_void(Ts... xs) {
    caf::error result;
    self->request(h.controller, caf::infinite, xs...)
        .receive([] {}, [&](caf::error& e) { result = e; });
    return result;
  }

  uint64_t add(const std::string& name, const std::string& command,
               bool critical = true) {
    attributes attrs{{"command", caf::config_value{command}},
                     {"critical", caf::config_value{critical}},
                     {"stop_timeout", caf::config_value{std::string{"10s"}}}};
    auto guid = ask<uint64_t>(add_resource{"process", name, attrs, {}, {}});
    REQUIRE(guid);
    return *guid;
  }

  void deploy(guid_list guids) {
    auto group = ask<uint64_t>(deploy_resources{guids, true, 0});
    REQUIRE(group);
  }

  resource_info info(uint64_t guid) {
    auto x = ask<resource_info>(get_resource{guid});
    REQUIRE(x);
    return *x;
  }

  std::string trace(uint64_t guid, const std::string& name,
                    trace_query what = trace_query::all) {
    auto x = ask<trace_data>(read_trace{guid, name, what});
    REQUIRE(x);
    return x->text;
  }
};

} // namespace

TEST_CASE("a process runs; its output becomes traces; exit 0 stops it") {
  live_experiment x;
  auto p = x.add("hello", "echo hello; echo warn >&2");
  x.deploy({p});
  CHECK(!x.ask_void(wait_for{resource_state::stopped, {p}, 0}));
  auto i = x.info(p);
  CHECK(i.state == resource_state::stopped);
  CHECK(x.trace(p, "stdout") == "hello\n");
  CHECK(x.trace(p, "stderr") == "warn\n");
  // No trace folder: the output is kept in memory only.
  CHECK(x.trace(p, "stdout", trace_query::path).empty());
}

TEST_CASE("with a trace folder, a process's trace paths name files holding "
          "its output") {
  test::temp_dir dir;
  experiment_options opts;
  opts.trace_dir = dir.path();
  live_experiment x{opts};
  auto p = x.add("hello", "echo hello; echo warn >&2");
  x.deploy({p});
  CHECK(!x.ask_void(wait_for{resource_state::stopped, {p}, 0}));
  auto read = [](const std::string& path) {
    std::ifstream in{path, std::ios::binary};
    REQUIRE(in);
    return std::string{std::istreambuf_iterator<char>{in}, {}};
  };
  auto out = x.trace(p, "stdout", trace_query::path);
  CHECK(out == dir.file("hello.stdout"));
  CHECK(read(out) == "hello\n");
  auto err = x.trace(p, "stderr", trace_query::path);
  CHECK(err == dir.file("hello.stderr"));
  CHECK(read(err) == "warn\n");
}

TEST_CASE("a non-zero exit fails the resource") {
  live_experiment x;
  auto p = x.add("bad", "exit 7", false);
  x.deploy({p});
  CHECK(!x.ask_void(wait_for{resource_state::stopped, {p}, 0}));
  auto i = x.info(p);
  CHECK(i.state == resource_state::failed);
  CHECK(i.error == "process exited with status 7");
}

TEST_CASE("stop ends a running process, release kills one") {
  live_experiment x;
  auto p = x.add("sleeper", "sleep 60");
  auto q = x.add("other", "sleep 60");
  x.deploy({p, q});
  CHECK(!x.ask_void(wait_for{resource_state::started, {p, q}, 0}));
  CHECK(!x.ask_void(resource_command{resource_action::stop, p}));
  CHECK(!x.ask_void(wait_for{resource_state::stopped, {p}, 0}));
  CHECK(x.info(p).state == resource_state::stopped);
  CHECK(!x.ask_void(shutdown_experiment{}));
  CHECK(x.info(q).state == resource_state::released);
  CHECK(x.info(q).error.empty());
}

TEST_CASE("a critical process failure aborts the experiment") {
  live_experiment x;
  auto bad = x.add("bad", "exit 1");
  auto slow = x.add("slow", "sleep 60");
  x.deploy({bad, slow});
  auto err = x.ask_void(wait_for{resource_state::stopped, {bad, slow}, 0});
  CHECK(code_of(err) == errc::aborted);
  CHECK(to_text(err).find("bad") != std::string::npos);
  CHECK(!x.ask_void(wait_for{resource_state::released, {bad, slow}, 0}));
}
