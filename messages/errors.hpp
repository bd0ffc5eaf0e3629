#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/is_error_code_enum.hpp>
#include <caf/make_message.hpp>

namespace troupe {

/// The one error-code enum of the runtime. Every handler that can fail
/// returns `caf::result<T>` / `caf::expected<T>` carrying one of these codes
/// plus a one-line context text (see `make_error`). Codes are append-only:
/// their numeric values cross the wire between nodes.
enum class errc : uint8_t {
  /// No error. Never used as a value of `caf::error`.
  none = 0,
  /// `send_to` / lookup: no agent is registered under this name.
  unknown_name,
  /// A name is already registered (agents, points, resources).
  duplicate_name,
  /// An argument is out of range or malformed.
  invalid_argument,
  /// The actor or object is in a state in which the action is not allowed.
  wrong_state,
  /// A wait exceeded its timeout; the context names the setting to raise.
  timeout,
  /// A file could not be opened, read or written.
  io_error,
  /// A record or file failed to parse; the context says file:line and why.
  bad_input,
  /// A configuration was refused; the context says why.
  invalid_config,
  /// The requested thing does not exist (topic, trace, guid, ...).
  not_found,
  /// A peer failed authentication.
  unauthorized,
  /// A node was lost (heartbeat timeout or connection closed).
  node_lost,
  /// The experiment was aborted by the failure policy.
  aborted,
  /// A feature that is not available in this build or on this platform.
  unsupported,
  /// A user handler threw an exception.
  handler_failed,
  /// The actor system was not created from `troupe::config`.
  no_runtime,
  /// A worker of a pool failed; the context names the worker ("Error in
  /// compute worker 3 on node 'n1': ...").
  worker_failed,
};

/// The error category atom under which `errc` values travel in `caf::error`.
constexpr caf::atom_value errc_category = caf::atom("troupe");

/// Returns the enumerator name, e.g. "unknown_name".
std::string to_string(errc x);

/// Creates an error with a human-readable one-line context.
caf::error make_error(errc code, std::string context);

/// Creates an error without context.
caf::error make_error(errc code);

/// Returns the troupe code of `err`, or `errc::none` when `err` is empty or
/// belongs to another category.
errc code_of(const caf::error& err) noexcept;

/// Renders any error as one line without needing an actor system:
/// "unknown_name: no agent named 'bob'" for troupe errors, CAF's own
/// rendering otherwise.
std::string to_text(const caf::error& err);

} // namespace troupe

CAF_ERROR_CODE_ENUM(troupe::errc)
