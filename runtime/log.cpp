#include "troupe/runtime/log.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace troupe::log {

namespace {

level initial_level() {
  level result = level::warning;
  if (const char* env = std::getenv("TROUPE_LOG"))
    parse_level(env, result);
  return result;
}

std::atomic<level>& threshold() {
  static std::atomic<level> instance{initial_level()};
  return instance;
}

std::mutex& sink_mutex() {
  static std::mutex instance;
  return instance;
}

sink& current_sink() {
  static sink instance;
  return instance;
}

const char* level_name(level lvl) {
  switch (lvl) {
    case level::debug: return "debug";
    case level::info: return "info";
    case level::warning: return "warning";
    case level::error: return "error";
    case level::off: return "off";
  }
  return "?";
}

} // namespace

void set_level(level lvl) {
  threshold().store(lvl, std::memory_order_relaxed);
}

level current_level() noexcept {
  return threshold().load(std::memory_order_relaxed);
}

sink set_sink(sink fn) {
  std::lock_guard<std::mutex> guard{sink_mutex()};
  std::swap(current_sink(), fn);
  return fn;
}

void write(level lvl, const std::string& text) {
  if (lvl < current_level())
    return;
  std::lock_guard<std::mutex> guard{sink_mutex()};
  if (auto& fn = current_sink()) {
    fn(lvl, text);
    return;
  }
  std::fprintf(stderr, "troupe: %s: %s\n", level_name(lvl), text.c_str());
  std::fflush(stderr);
}

bool parse_level(const std::string& text, level& out) {
  for (auto lvl :
       {level::debug, level::info, level::warning, level::error, level::off}) {
    if (text == level_name(lvl)) {
      out = lvl;
      return true;
    }
  }
  return false;
}

} // namespace troupe::log
