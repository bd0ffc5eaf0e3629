#include "troupe/messages/experiment.hpp"

#include <algorithm>
#include <cctype>

namespace troupe {

namespace {

constexpr const char* state_names[] = {
    "NEW",     "DISCOVERED", "PROVISIONED", "READY",
    "STARTED", "STOPPED",    "FAILED",      "RELEASED",
};

constexpr const char* action_names[] = {"deploy", "start", "stop", "release"};

std::string lowered(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return text;
}

} // namespace

std::string to_string(resource_state x) {
  auto index = static_cast<size_t>(x);
  return index < resource_state_count ? state_names[index] : "UNKNOWN";
}

bool from_string(const std::string& text, resource_state& out) {
  auto key = lowered(text);
  for (size_t i = 0; i < resource_state_count; ++i) {
    if (key == lowered(state_names[i])) {
      out = static_cast<resource_state>(i);
      return true;
    }
  }
  return false;
}

std::string to_string(resource_action x) {
  auto index = static_cast<size_t>(x);
  return index < 4 ? action_names[index] : "unknown";
}

bool from_string(const std::string& text, resource_action& out) {
  for (size_t i = 0; i < 4; ++i) {
    if (text == action_names[i]) {
      out = static_cast<resource_action>(i);
      return true;
    }
  }
  return false;
}

std::string to_string(failure_level x) {
  switch (x) {
    case failure_level::ok: return "OK";
    case failure_level::rm_failure: return "RM_FAILURE";
    case failure_level::ec_failure: return "EC_FAILURE";
  }
  return "UNKNOWN";
}

std::string to_string(failure_action x) {
  switch (x) {
    case failure_action::ignore: return "ignore";
    case failure_action::abort: return "abort";
    case failure_action::restart: return "restart";
  }
  return "unknown";
}

std::string to_string(task_status x) {
  switch (x) {
    case task_status::new_: return "NEW";
    case task_status::done: return "DONE";
    case task_status::error: return "ERROR";
  }
  return "UNKNOWN";
}

std::string to_string(const failure_report& x) {
  std::string result = "Error in " + x.origin.kind;
  if (!x.origin.name.empty())
    result += " '" + x.origin.name + "'";
  if (x.origin.guid != 0)
    result += " (guid " + std::to_string(x.origin.guid) + ")";
  if (!x.origin.agent.empty() && x.origin.agent != x.origin.name)
    result += " agent '" + x.origin.agent + "'";
  if (!x.origin.node.empty())
    result += " on node '" + x.origin.node + "'";
  result += ": ";
  if (!x.code.empty())
    result += x.code + ": ";
  result += x.text;
  for (auto& line : x.trace) {
    result += '\n';
    result += line;
  }
  return result;
}

} // namespace troupe
