#pragma once

// Starting and signalling node processes from a test.

#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <spawn.h>
#include <stdexcept>
#include <string>
#include <sys/types.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace test {

/// Starts `args[0]` with `args`, appending its stdout to `out` and its
/// stderr to `err`. Returns the pid.
inline pid_t start_process(std::vector<std::string> args,
                           const std::string& out, const std::string& err) {
  std::vector<char*> argv;
  for (auto& arg : args)
    argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  pid_t pid = 0;
  auto rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0)
    throw std::runtime_error("cannot start " + args[0]);
  return pid;
}

/// Reads a pid file ("" -> 0).
inline pid_t read_pid(const std::string& path) {
  std::ifstream in{path};
  pid_t pid = 0;
  in >> pid;
  return pid;
}

} // namespace test
