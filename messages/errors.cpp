#include "troupe/messages/errors.hpp"

#include <caf/message.hpp>
#include <caf/sec.hpp>

namespace troupe {

std::string to_string(errc x) {
  switch (x) {
    case errc::none: return "none";
    case errc::unknown_name: return "unknown_name";
    case errc::duplicate_name: return "duplicate_name";
    case errc::invalid_argument: return "invalid_argument";
    case errc::wrong_state: return "wrong_state";
    case errc::timeout: return "timeout";
    case errc::io_error: return "io_error";
    case errc::bad_input: return "bad_input";
    case errc::invalid_config: return "invalid_config";
    case errc::not_found: return "not_found";
    case errc::unauthorized: return "unauthorized";
    case errc::node_lost: return "node_lost";
    case errc::aborted: return "aborted";
    case errc::unsupported: return "unsupported";
    case errc::handler_failed: return "handler_failed";
    case errc::no_runtime: return "no_runtime";
    case errc::worker_failed: return "worker_failed";
  }
  return "errc(" + std::to_string(static_cast<int>(x)) + ")";
}

caf::error make_error(errc code, std::string context) {
  return caf::error{static_cast<uint8_t>(code), errc_category,
                    caf::make_message(std::move(context))};
}

caf::error make_error(errc code) {
  return caf::error{static_cast<uint8_t>(code), errc_category};
}

errc code_of(const caf::error& err) noexcept {
  if (!err || err.category() != errc_category)
    return errc::none;
  return static_cast<errc>(err.code());
}

std::string to_text(const caf::error& err) {
  if (!err)
    return "no error";
  if (err.category() != errc_category)
    return caf::to_string(err);
  auto result = to_string(static_cast<errc>(err.code()));
  const auto& ctx = err.context();
  if (ctx.match_elements<std::string>()) {
    result += ": ";
    result += ctx.get_as<std::string>(0);
  } else if (!ctx.empty()) {
    result += ": ";
    result += caf::to_string(ctx);
  }
  return result;
}

} // namespace troupe
