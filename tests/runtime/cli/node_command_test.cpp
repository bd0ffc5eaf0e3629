// `troupe node` as a process of its own: a node blocks until a signal, so
// the binary runs in a child. What it refuses it refuses before it binds
// anything; SIGINT and SIGTERM both end it cleanly. No timing assertions: a
// node that never prints or never stops fails through ctest's timeout.

#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <doctest/doctest.h>

#include "support/replay.hpp"

extern char** environ;

namespace {

/// A `troupe` child whose stdout the test reads through a pipe and whose
/// stderr goes to a file.
class troupe_process {
public:
  troupe_process(std::vector<std::string> args, const std::string& err_file) {
    args.insert(args.begin(), TROUPE_BINARY);
    std::vector<char*> argv;
    for (auto& arg : args)
      argv.push_back(arg.data());
    argv.push_back(nullptr);
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    posix_spawn_file_actions_addclose(&actions, fds[1]);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_file.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    auto rc
        = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    out_ = ::fdopen(fds[0], "r");
    REQUIRE(rc == 0);
    REQUIRE(out_ != nullptr);
  }

  troupe_process(const troupe_process&) = delete;
  troupe_process& operator=(const troupe_process&) = delete;

  ~troupe_process() {
    // A failed check must not leave a node behind.
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_ != nullptr)
      std::fclose(out_);
  }

  /// The next line of stdout without its newline; "" at its end.
  std::string read_line() {
    std::string line;
    int c = 0;
    while ((c = std::fgetc(out_)) != EOF && c != '\n')
      line.push_back(static_cast<char>(c));
    return line;
  }

  /// The rest of stdout.
  std::string read_rest() {
    std::string text;
    int c = 0;
    while ((c = std::fgetc(out_)) != EOF)
      text.push_back(static_cast<char>(c));
    return text;
  }

  void signal(int sig) { REQUIRE(::kill(pid_, sig) == 0); }

  /// Waits for the end; the exit status, or -1 when a signal killed it.
  int wait() {
    int status = 0;
    REQUIRE(::waitpid(pid_, &status, 0) == pid_);
    pid_ = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

private:
  pid_t pid_ = 0;
  std::FILE* out_ = nullptr;
};

/// Runs `troupe ARGS...` to its end: status, stdout, stderr.
struct outcome {
  int status = 0;
  std::string out;
  std::string err;
};

outcome run_troupe(std::vector<std::string> args) {
  test::temp_dir dir;
  troupe_process child{std::move(args), dir.file("err")};
  outcome result;
  result.out = child.read_rest();
  result.status = child.wait();
  std::ifstream in{dir.file("err")};
  result.err.assign(std::istreambuf_iterator<char>{in}, {});
  return result;
}

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

} // namespace

TEST_CASE("troupe node: without a secret or TLS, a non-loopback listen "
          "address is refused with status 2 and one line") {
  // Refused before anything is bound, so no real interface is needed.
  for (std::string listen : {"0.0.0.0:0", "192.0.2.1:4242"}) {
    CAPTURE(listen);
    auto x = run_troupe({"node", "--name", "x", "--listen", listen});
    CHECK(x.status == 2);
    CHECK(x.out.empty());
    CHECK(x.err
          == "troupe node: invalid_config: refusing to listen on " + listen
                 + " without authentication: give --secret-file (or TLS "
                   "certificates), listen on loopback, or pass --insecure\n");
  }
}

TEST_CASE("troupe node: a node without authentication listens on loopback, "
          "or anywhere when --insecure; SIGINT and SIGTERM end it with "
          "status 0") {
  struct variant {
    std::vector<std::string> args;
    std::string listening;
    int sig;
  };
  std::vector<variant> variants{
      {{"--listen", "127.0.0.1:0"}, "127.0.0.1:", SIGTERM},
      {{"--listen", "0.0.0.0:0", "--insecure"}, "0.0.0.0:", SIGINT},
      {{"--listen", "127.0.0.1:0"}, "127.0.0.1:", SIGINT},
  };
  for (auto& v : variants) {
    CAPTURE(v.args[1]);
    CAPTURE(v.sig);
    test::temp_dir dir;
    std::vector<std::string> args{"node", "--name", "n"};
    args.insert(args.end(), v.args.begin(), v.args.end());
    troupe_process node{args, dir.file("err")};
    auto line = node.read_line();
    CHECK(starts_with(line, "troupe node 'n' listening on " + v.listening));
    CHECK(line.find("(authentication: none)") != std::string::npos);
    // The node blocks the stop signals before it prints, so this one waits
    // for its sigwait instead of killing it.
    node.signal(v.sig);
    CHECK(node.read_rest() == "troupe node 'n' stopped\n");
    CHECK(node.wait() == 0);
  }
}
