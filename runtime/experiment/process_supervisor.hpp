#pragma once

// Runs local commands for `process` resources without ever blocking an
// actor: one thread per supervisor watches every child's stdout, stderr and
// exit (through pidfds) and reports each event through a callback. Does not
// depend on CAF, so its standalone test runs under ThreadSanitizer.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace troupe::detail {

/// Something that happened to a child.
struct process_event {
  enum kind_t : uint8_t { out, err, exited };
  kind_t kind = out;
  /// A chunk of stdout or stderr.
  std::string data;
  /// For `exited`: the exit status, or minus the signal that ended it.
  int status = 0;
};

/// What to run.
struct process_spec {
  /// Run by `/bin/sh -c`.
  std::string command;
  /// Working directory; empty keeps the current one.
  std::string cwd;
};

class process_supervisor {
public:
  /// Called on the supervisor's thread, in order per child; `exited` comes
  /// last, after all output.
  using callback = std::function<void(process_event)>;

  process_supervisor();

  process_supervisor(const process_supervisor&) = delete;

  process_supervisor& operator=(const process_supervisor&) = delete;

  /// Kills the children still running (SIGKILL to their process groups),
  /// reaps them and joins the thread. Their callbacks get no `exited`.
  ~process_supervisor();

  /// Starts `spec` in its own process group. Returns the child's id (> 0),
  /// or 0 with `error` saying why.
  uint64_t spawn(const process_spec& spec, callback cb, std::string& error);

  /// Sends `sig` to the child's process group. False if the child has
  /// already exited or never existed.
  bool signal(uint64_t id, int sig);

  /// Children not yet reported as exited.
  size_t running() const;

  /// One supervisor for the whole process, created on first use and
  /// destroyed when the last user lets go.
  static std::shared_ptr<process_supervisor> shared();

private:
  struct child {
    int pid = -1;
    int pidfd = -1;
    int out = -1;
    int err = -1;
    callback cb;
  };

  void loop();

  /// Reads what is available on `fd`; false on end of file or error.
  bool drain(int fd, process_event::kind_t kind, const callback& cb);

  void reap(uint64_t id, child& c);

  void wake();

  mutable std::mutex mtx_;
  std::unordered_map<uint64_t, child> children_;
  uint64_t next_id_ = 1;
  int wake_[2] = {-1, -1};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

} // namespace troupe::detail
