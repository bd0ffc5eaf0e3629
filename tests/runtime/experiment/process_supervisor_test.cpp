// The process supervisor on its own: no CAF scheduler runs here, so this
// test also runs under ThreadSanitizer (CI builds it alone with TSan).

#include <condition_variable>
#include <csignal>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "troupe/runtime/experiment/process_supervisor.hpp"

#include <doctest/doctest.h>

using troupe::detail::process_event;
using troupe::detail::process_spec;
using troupe::detail::process_supervisor;

namespace {

/// Collects events from the supervisor's thread; the test thread waits on
/// it (no sleeps: a condition variable, bounded by ctest's timeout).
struct recorder {
  std::mutex mtx;
  std::condition_variable cv;
  std::map<uint64_t, std::string> out;
  std::map<uint64_t, std::string> err;
  std::map<uint64_t, int> status;
  std::map<uint64_t, bool> exit_after_output;

  process_supervisor::callback for_child(uint64_t key) {
    return [this, key](process_event ev) {
      std::lock_guard<std::mutex> guard{mtx};
      switch (ev.kind) {
        case process_event::out: out[key] += ev.data; break;
        case process_event::err: err[key] += ev.data; break;
        case process_event::exited:
          status[key] = ev.status;
          cv.notify_all();
          break;
      }
    };
  }

  void wait_for_exits(size_t n) {
    std::unique_lock<std::mutex> guard{mtx};
    cv.wait(guard, [&] { return status.size() >= n; });
  }
};

} // namespace

TEST_CASE("output and exit status arrive in order") {
  recorder rec;
  process_supervisor sup;
  std::string error;
  auto id = sup.spawn(process_spec{"echo out; echo err >&2; exit 3", {}},
                      rec.for_child(1), error);
  REQUIRE(id != 0);
  rec.wait_for_exits(1);
  std::lock_guard<std::mutex> guard{rec.mtx};
  CHECK(rec.out[1] == "out\n");
  CHECK(rec.err[1] == "err\n");
  CHECK(rec.status[1] == 3);
  CHECK(sup.running() == 0);
  CHECK(!sup.signal(id, SIGTERM));
}

TEST_CASE("many children from several threads at once") {
  recorder rec;
  process_supervisor sup;
  constexpr int threads = 4;
  constexpr int per_thread = 8;
  std::vector<std::thread> spawners;
  for (int t = 0; t < threads; ++t)
    spawners.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        auto key = static_cast<uint64_t>(t * per_thread + i);
        std::string error;
        auto cmd = "echo " + std::to_string(key) + "; exit "
                   + std::to_string(key % 3);
        auto id = sup.spawn(process_spec{cmd, {}}, rec.for_child(key), error);
        CHECK(id != 0);
      }
    });
  for (auto& th : spawners)
    th.join();
  rec.wait_for_exits(threads * per_thread);
  std::lock_guard<std::mutex> guard{rec.mtx};
  for (uint64_t key = 0; key < threads * per_thread; ++key) {
    CHECK(rec.out[key] == std::to_string(key) + "\n");
    CHECK(rec.status[key] == static_cast<int>(key % 3));
  }
}

TEST_CASE("a signal ends the whole process group") {
  recorder rec;
  process_supervisor sup;
  std::string error;
  // The shell starts a child of its own; both must go.
  auto id
      = sup.spawn(process_spec{"sleep 30 & wait", {}}, rec.for_child(1), error);
  REQUIRE(id != 0);
  CHECK(sup.signal(id, SIGTERM));
  rec.wait_for_exits(1);
  std::lock_guard<std::mutex> guard{rec.mtx};
  CHECK(rec.status[1] == -SIGTERM);
}

TEST_CASE("large output is delivered completely") {
  recorder rec;
  process_supervisor sup;
  std::string error;
  auto id
      = sup.spawn(process_spec{"head -c 1000000 /dev/zero | tr '\\0' x", {}},
                  rec.for_child(1), error);
  REQUIRE(id != 0);
  rec.wait_for_exits(1);
  std::lock_guard<std::mutex> guard{rec.mtx};
  CHECK(rec.out[1].size() == 1000000);
  CHECK(rec.status[1] == 0);
}

TEST_CASE("the working directory and a missing one") {
  recorder rec;
  process_supervisor sup;
  std::string error;
  auto id = sup.spawn(process_spec{"pwd", "/tmp"}, rec.for_child(1), error);
  REQUIRE(id != 0);
  auto bad = sup.spawn(process_spec{"pwd", "/nonexistent/dir"},
                       rec.for_child(2), error);
  // posix_spawn reports the failed chdir as a failed spawn or as a child
  // exiting with 127; either way nothing runs in the wrong place.
  if (bad == 0) {
    CHECK(!error.empty());
    rec.wait_for_exits(1);
  } else {
    rec.wait_for_exits(2);
    std::lock_guard<std::mutex> guard{rec.mtx};
    CHECK(rec.status[2] != 0);
    CHECK(rec.out[2].empty());
  }
  std::lock_guard<std::mutex> guard{rec.mtx};
  CHECK(rec.out[1] == "/tmp\n");
}

TEST_CASE("destroying the supervisor kills what still runs") {
  recorder rec;
  {
    process_supervisor sup;
    std::string error;
    CHECK(sup.spawn(process_spec{"sleep 30", {}}, rec.for_child(1), error)
          != 0);
    CHECK(sup.running() == 1);
  }
  // Reaching this line at all is the point: a supervisor that waited for
  // its children would hang here until ctest's timeout.
  std::lock_guard<std::mutex> guard{rec.mtx};
  CHECK(rec.status.empty());
}

TEST_CASE("the shared supervisor lives while someone uses it") {
  auto a = process_supervisor::shared();
  auto b = process_supervisor::shared();
  bool same = a == b;
  CHECK(same);
  std::weak_ptr<process_supervisor> weak = a;
  a.reset();
  b.reset();
  CHECK(weak.expired());
}
