#include "troupe/runtime/trace.hpp"

namespace troupe {

std::string to_string(trace_kind x) {
  switch (x) {
    case trace_kind::received: return "received";
    case trace_kind::delivered: return "delivered";
    case trace_kind::sent: return "sent";
    case trace_kind::published: return "published";
    case trace_kind::unexpected: return "unexpected";
  }
  return "?";
}

void trace_log::add(trace_entry entry) {
  std::lock_guard<std::mutex> guard{mtx_};
  entries_.emplace_back(std::move(entry));
}

std::vector<trace_entry> trace_log::entries() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return entries_;
}

void trace_log::clear() {
  std::lock_guard<std::mutex> guard{mtx_};
  entries_.clear();
}

} // namespace troupe
