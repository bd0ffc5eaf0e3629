#include "troupe/runtime/experiment/process_supervisor.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace troupe::detail {

namespace {

int open_pidfd(int pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  errno = ENOSYS;
  return -1;
#endif
}

void close_fd(int& fd) {
  if (fd >= 0)
    ::close(fd);
  fd = -1;
}

int decode(int status) {
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return -WTERMSIG(status);
  return -1;
}

} // namespace

process_supervisor::process_supervisor() {
  if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) {
    wake_[0] = wake_[1] = -1;
    return; // spawn() reports the missing thread
  }
  thread_ = std::thread{[this] {
    loop();
  }};
}

process_supervisor::~process_supervisor() {
  stop_ = true;
  wake();
  if (thread_.joinable())
    thread_.join();
  close_fd(wake_[0]);
  close_fd(wake_[1]);
}

std::shared_ptr<process_supervisor> process_supervisor::shared() {
  static std::mutex mtx;
  static std::weak_ptr<process_supervisor> instance;
  std::lock_guard<std::mutex> guard{mtx};
  auto result = instance.lock();
  if (!result) {
    result = std::make_shared<process_supervisor>();
    instance = result;
  }
  return result;
}

uint64_t process_supervisor::spawn(const process_spec& spec, callback cb,
                                   std::string& error) {
  if (!thread_.joinable()) {
    error = "the process supervisor could not start";
    return 0;
  }
  int out[2];
  int err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    error = std::string{"pipe: "} + std::strerror(errno);
    return 0;
  }
  if (::pipe2(err, O_CLOEXEC) != 0) {
    error = std::string{"pipe: "} + std::strerror(errno);
    ::close(out[0]);
    ::close(out[1]);
    return 0;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  if (!spec.cwd.empty())
    posix_spawn_file_actions_addchdir_np(&actions, spec.cwd.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own process group, so that stopping it reaches what it started.
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGINT);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF);
  std::string shell = "/bin/sh";
  std::string dash_c = "-c";
  std::string command = spec.command;
  char* argv[] = {shell.data(), dash_c.data(), command.data(), nullptr};
  pid_t pid = -1;
  auto rc = posix_spawn(&pid, "/bin/sh", &actions, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(out[1]);
  ::close(err[1]);
  if (rc != 0) {
    error = std::string{"cannot run /bin/sh: "} + std::strerror(rc);
    ::close(out[0]);
    ::close(err[0]);
    return 0;
  }
  ::fcntl(out[0], F_SETFL, O_NONBLOCK);
  ::fcntl(err[0], F_SETFL, O_NONBLOCK);
  child c;
  c.pid = pid;
  c.pidfd = open_pidfd(pid);
  c.out = out[0];
  c.err = err[0];
  c.cb = std::move(cb);
  uint64_t id;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    id = next_id_++;
    children_.emplace(id, std::move(c));
  }
  wake();
  return id;
}

bool process_supervisor::signal(uint64_t id, int sig) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = children_.find(id);
  if (i == children_.end() || i->second.pid < 0)
    return false;
  // The child is not reaped while we hold the lock, so its pid (and group)
  // cannot have been reused.
  return ::kill(-i->second.pid, sig) == 0 || ::kill(i->second.pid, sig) == 0;
}

size_t process_supervisor::running() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return children_.size();
}

void process_supervisor::wake() {
  if (wake_[1] >= 0) {
    char c = 1;
    [[maybe_unused]] auto n = ::write(wake_[1], &c, 1);
  }
}

bool process_supervisor::drain(int fd, process_event::kind_t kind,
                               const callback& cb) {
  char buf[65536];
  for (;;) {
    auto n = ::read(fd, buf, sizeof(buf));
    if (n > 0) {
      if (cb)
        cb(process_event{kind, std::string(buf, static_cast<size_t>(n)), 0});
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return true;
    return false; // end of file or error
  }
}

void process_supervisor::reap(uint64_t id, child& c) {
  int pid;
  {
    // From here on `signal` refuses: once reaped, the pid may be reused.
    std::lock_guard<std::mutex> guard{mtx_};
    pid = c.pid;
    c.pid = -1;
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  // Output written before the exit is still in the pipes: deliver it first.
  if (c.out >= 0)
    drain(c.out, process_event::out, c.cb);
  if (c.err >= 0)
    drain(c.err, process_event::err, c.cb);
  callback cb;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    close_fd(c.out);
    close_fd(c.err);
    close_fd(c.pidfd);
    cb = std::move(c.cb);
    children_.erase(id);
  }
  if (cb)
    cb(process_event{process_event::exited, {}, decode(status)});
}

void process_supervisor::loop() {
  struct slot {
    uint64_t id;
    int fd;
    int what; // 0 stdout, 1 stderr, 2 exit
  };
  std::vector<pollfd> fds;
  std::vector<slot> slots;
  while (!stop_) {
    fds.clear();
    slots.clear();
    fds.push_back(pollfd{wake_[0], POLLIN, 0});
    slots.push_back(slot{0, wake_[0], -1});
    bool need_timeout = false;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      for (auto& kvp : children_) {
        auto& c = kvp.second;
        if (c.out >= 0) {
          fds.push_back(pollfd{c.out, POLLIN, 0});
          slots.push_back(slot{kvp.first, c.out, 0});
        }
        if (c.err >= 0) {
          fds.push_back(pollfd{c.err, POLLIN, 0});
          slots.push_back(slot{kvp.first, c.err, 1});
        }
        if (c.pidfd >= 0) {
          fds.push_back(pollfd{c.pidfd, POLLIN, 0});
          slots.push_back(slot{kvp.first, c.pidfd, 2});
        } else {
          need_timeout = true; // no pidfd on this kernel: check exits
        }
      }
    }
    auto rc = ::poll(fds.data(), fds.size(), need_timeout ? 50 : -1);
    if (rc < 0 && errno != EINTR)
      break;
    if (fds[0].revents != 0) {
      char buf[256];
      while (::read(wake_[0], buf, sizeof(buf)) > 0) {
        // drain the wake-ups
      }
    }
    for (size_t i = 1; i < fds.size(); ++i) {
      if (fds[i].revents == 0)
        continue;
      auto& s = slots[i];
      std::unique_lock<std::mutex> guard{mtx_};
      auto it = children_.find(s.id);
      if (it == children_.end())
        continue;
      auto& c = it->second;
      if (s.what == 2) {
        guard.unlock();
        reap(s.id, c);
        continue;
      }
      auto cb = c.cb;
      guard.unlock();
      auto kind = s.what == 0 ? process_event::out : process_event::err;
      if (!drain(s.fd, kind, cb)) {
        guard.lock();
        auto again = children_.find(s.id);
        if (again != children_.end()) {
          auto& fd = s.what == 0 ? again->second.out : again->second.err;
          if (fd == s.fd)
            close_fd(fd);
        }
      }
    }
    if (need_timeout) {
      std::vector<uint64_t> done;
      {
        std::lock_guard<std::mutex> guard{mtx_};
        for (auto& kvp : children_) {
          int status = 0;
          if (kvp.second.pidfd < 0
              && ::waitid(P_PID, static_cast<id_t>(kvp.second.pid), nullptr,
                          WEXITED | WNOHANG | WNOWAIT)
                     == 0
              && ::waitpid(kvp.second.pid, &status, WNOHANG | WNOWAIT) != 0)
            done.push_back(kvp.first);
        }
      }
      for (auto id : done) {
        std::unique_lock<std::mutex> guard{mtx_};
        auto it = children_.find(id);
        if (it == children_.end())
          continue;
        auto& c = it->second;
        guard.unlock();
        reap(id, c);
      }
    }
  }
  // Stopping: whatever still runs is killed and reaped.
  std::unordered_map<uint64_t, child> left;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    left.swap(children_);
  }
  for (auto& kvp : left) {
    auto& c = kvp.second;
    ::kill(-c.pid, SIGKILL);
    ::kill(c.pid, SIGKILL);
    int status = 0;
    ::waitpid(c.pid, &status, 0);
    close_fd(c.out);
    close_fd(c.err);
    close_fd(c.pidfd);
  }
}

} // namespace troupe::detail
