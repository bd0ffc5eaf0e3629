#pragma once

// Messages of the monitor: alert levels, point values, updates, lookups and
// snapshots, the critical-alert report, and the process-local registration
// messages that carry poll functions and callbacks.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "troupe/messages/core.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/timespan.hpp>
#include <caf/type_id.hpp>

namespace troupe {

class poll_function;

// -- alert levels -------------------------------------------------------------

/// How bad a point is (libgs' codes). A plain value has no alert (0). STALE is
/// not a level: it is a flag on a point (see `point_info::stale`) that rolls
/// up like `red`.
enum class alert_level : int32_t {
  none = 0,
  green = 10,
  orange = 20,
  red = 30,
  critical = 100,
};

/// Every level, from best to worst.
constexpr alert_level all_alert_levels[]
    = {alert_level::none, alert_level::green, alert_level::orange,
       alert_level::red, alert_level::critical};

/// "none", "green", "orange", "red", "critical"; "alert(<n>)" for a code that
/// is not a level.
std::string to_string(alert_level x);

/// Upper-case label as tables show it: "" for none, "GREEN", ..., "CRITICAL".
std::string alert_label(alert_level x);

/// Parses a level name (any case) or its numeric code.
bool parse_alert_level(const std::string& text, alert_level& out);

/// Whether `x` is one of the five levels.
bool is_valid(alert_level x) noexcept;

/// Position of a level in `all_alert_levels` (0 for none ... 4 for critical).
size_t level_index(alert_level x) noexcept;

// -- values -------------------------------------------------------------------

/// What a point holds: nothing (never updated, or its poll failed), a flag,
/// an integer, a real number or a text.
class point_value {
public:
  enum class kind : uint8_t { none, boolean, integer, real, text };

  point_value() = default;

  point_value(bool x) : kind_(kind::boolean), integer_(x ? 1 : 0) {
    // nop
  }

  template <class T, std::enable_if_t<std::is_integral<T>::value
                                          && !std::is_same<T, bool>::value,
                                      int> = 0>
  point_value(T x) {
    if constexpr (std::is_unsigned<T>::value && sizeof(T) >= sizeof(int64_t)) {
      if (x > static_cast<T>(INT64_MAX)) {
        kind_ = kind::real;
        real_ = static_cast<double>(x);
        return;
      }
    }
    kind_ = kind::integer;
    integer_ = static_cast<int64_t>(x);
  }

  template <class T,
            std::enable_if_t<std::is_floating_point<T>::value, int> = 0>
  point_value(T x) : kind_(kind::real), real_(static_cast<double>(x)) {
    // nop
  }

  point_value(std::string x) : kind_(kind::text), text_(std::move(x)) {
    // nop
  }

  point_value(const char* x) : kind_(kind::text), text_(x) {
    // nop
  }

  kind type() const noexcept { return kind_; }

  bool empty() const noexcept { return kind_ == kind::none; }

  bool is_number() const noexcept {
    return kind_ == kind::boolean || kind_ == kind::integer
           || kind_ == kind::real;
  }

  /// Booleans as 0 / 1, integers and reals as they are; nothing for texts and
  /// empty values.
  std::optional<double> number() const noexcept;

  bool as_bool() const noexcept { return integer_ != 0; }

  int64_t as_integer() const noexcept { return integer_; }

  double as_real() const noexcept { return real_; }

  const std::string& as_text() const noexcept { return text_; }

  friend bool operator==(const point_value& x, const point_value& y) noexcept;

  friend bool operator!=(const point_value& x, const point_value& y) noexcept {
    return !(x == y);
  }

  template <class Inspector>
  friend typename Inspector::result_type inspect(Inspector& f, point_value& x) {
    return f(caf::meta::type_name("troupe::point_value"), x.kind_, x.integer_,
             x.real_, x.text_);
  }

private:
  kind kind_ = kind::none;
  int64_t integer_ = 0;
  double real_ = 0;
  std::string text_;
};

/// Display form: "" for none, "true" / "false", integers in decimal, reals
/// with up to 6 significant digits, texts as they are.
std::string to_string(const point_value& x);

/// Exact form for machine readers: reals in their shortest round-trip form.
std::string to_exact_string(const point_value& x);

/// One value with its alert: what a poll returns for one point, and what
/// anyone sends to the monitor for a pushed point as
/// `(put_atom, name, reading)` (empty reply; errors `not_found`,
/// `wrong_state`).
struct reading {
  point_value value;
  alert_level alert = alert_level::none;

  reading() = default;

  template <class T, class = std::enable_if_t<
                         std::is_constructible<point_value, T>::value
                         && !std::is_same<std::decay_t<T>, reading>::value>>
  reading(T&& x, alert_level level = alert_level::none)
      : value(std::forward<T>(x)), alert(level) {
    // nop
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reading& x) {
  return f(caf::meta::type_name("troupe::reading"), x.value, x.alert);
}

inline bool operator==(const reading& x, const reading& y) noexcept {
  return x.value == y.value && x.alert == y.alert;
}

/// Readings with an alert, like libgs' alert classes: `alert::red(42.0)`.
namespace alert {

template <class T>
reading green(T&& x) {
  return reading{std::forward<T>(x), alert_level::green};
}

template <class T>
reading orange(T&& x) {
  return reading{std::forward<T>(x), alert_level::orange};
}

template <class T>
reading red(T&& x) {
  return reading{std::forward<T>(x), alert_level::red};
}

template <class T>
reading critical(T&& x) {
  return reading{std::forward<T>(x), alert_level::critical};
}

} // namespace alert

/// One reading for a named point. Polls of a point family (see
/// `point_options::family`) return these; anyone may also send several to
/// the monitor as `(put_atom, std::vector<named_reading>)` to update pushed
/// points (empty reply; the first failure is the error). `error` non-empty
/// marks that one point as failed.
struct named_reading {
  std::string name;
  reading value;
  std::string error;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, named_reading& x) {
  return f(caf::meta::type_name("troupe::named_reading"), x.name, x.value,
           x.error);
}

// -- updates, lookups, snapshots ---------------------------------------------

/// One change of one point: one per poll result, one when the point turns
/// STALE. Subscribers of a subtree containing the point
/// (`(subscribe_atom, subtree, actor)`) receive updates from the monitor as
/// `std::vector<point_update>`: what one message of the monitor changed, in
/// order, at most 256 per message, each update exactly once. No reply.
/// `time_ns` is the actor-clock time of the value (ns since the clock's
/// epoch); `error` is non-empty when the poll failed (the value is then
/// empty).
struct point_update {
  std::string name;
  point_value value;
  alert_level alert = alert_level::none;
  int64_t time_ns = 0;
  std::string error;
  bool stale = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, point_update& x) {
  return f(caf::meta::type_name("troupe::point_update"), x.name, x.value,
           x.alert, x.time_ns, x.error, x.stale);
}

/// One point or parent as the monitor sees it. Reply of the monitor to
/// `(get_atom, name)`, and the rows of a `monitor_snapshot`. For a parent,
/// `alert` is the worst effective alert of its descendants (a STALE point
/// counts as at least red) and the value is empty.
struct point_info {
  std::string name;
  /// Empty at the top level.
  std::string parent;
  /// 0 at the top level.
  uint32_t depth = 0;
  bool is_parent = false;
  point_value value;
  alert_level alert = alert_level::none;
  bool stale = false;
  std::string error;
  /// Actor-clock time of the last update (ns); meaningful if `updates > 0`.
  int64_t time_ns = 0;
  /// Number of updates so far; 0 = never updated (no age).
  uint64_t updates = 0;
  /// Number of failed polls so far.
  uint64_t failures = 0;
  /// Poll interval (ns); 0 = every tick.
  int64_t dt_ns = 0;
  bool once = false;
  /// Fed by `(put_atom, name, reading)` instead of a poll.
  bool pushed = false;
  bool critical = false;
  std::string help;
  std::string unit;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, point_info& x) {
  return f(caf::meta::type_name("troupe::point_info"), x.name, x.parent,
           x.depth, x.is_parent, x.value, x.alert, x.stale, x.error, x.time_ns,
           x.updates, x.failures, x.dt_ns, x.once, x.pushed, x.critical, x.help,
           x.unit);
}

/// The whole tree at one instant. Reply of the monitor to
/// `(get_atom, snapshot_atom)`. `points` lists parents and points depth-first,
/// children in alphabetical order.
struct monitor_snapshot {
  bool running = false;
  /// The worst effective alert of all points.
  alert_level alert = alert_level::none;
  /// Actor-clock time of the snapshot (ns); ages are `now_ns - time_ns`.
  int64_t now_ns = 0;
  std::vector<point_info> points;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, monitor_snapshot& x) {
  return f(caf::meta::type_name("troupe::monitor_snapshot"), x.running, x.alert,
           x.now_ns, x.points);
}

/// A point marked critical (`point_options::critical`) reached the Critical
/// level. Sent by the monitor to its failure handler (the failure manager)
/// each time such a point enters Critical; the handler's policy decides. No
/// reply expected.
struct critical_alert {
  std::string point;
  point_value value;
  std::string error;
  int64_t time_ns = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, critical_alert& x) {
  return f(caf::meta::type_name("troupe::critical_alert"), x.point, x.value,
           x.error, x.time_ns);
}

// -- registration (process-local) --------------------------------------------

/// How a point is polled and shown. Every point of one registration shares
/// these options.
struct point_options {
  /// Parent group; created on first use, "" for the top level.
  std::string parent;
  /// Poll interval, counted from the end of the previous poll. Unset: the
  /// monitor's default (10 s). Zero: every tick of the monitor.
  std::optional<caf::timespan> dt;
  /// Poll exactly once.
  bool once = false;
  /// The poll returns `named_reading`s: the points under `parent` are created
  /// and removed as names come and go (e.g. one point per topic).
  bool family = false;
  /// Alert of every point of a poll that threw or returned an error.
  alert_level error_alert = alert_level::red;
  /// Report a Critical alert on these points to the failure handler.
  bool critical = false;
  /// Log every change of value (info level).
  bool log_values = false;
  /// Log an alert change when the old or the new level is at least this.
  alert_level log_threshold = alert_level::red;
  /// A point not updated for this long turns STALE. Unset: the monitor's
  /// stale factor times dt (times the tick for dt = 0). Zero: never stale.
  std::optional<caf::timespan> stale_after;
  /// One-line description (Prometheus `# HELP`).
  std::string help;
  /// Unit in Prometheus spelling ("seconds", "bytes", "ratio"); appended to
  /// the metric name.
  std::string unit;
};

/// Registers points fed by one poll function. Sent by anyone to the monitor
/// as `(add_atom, point_spec)`; the reply is empty, or `duplicate_name` /
/// `invalid_argument`. Process-local: poll functions do not cross nodes.
/// An empty `poll` registers pushed points, updated by
/// `(put_atom, name, reading)`.
struct point_spec {
  std::vector<std::string> names;
  point_options options;
  std::shared_ptr<const poll_function> poll;
};

/// Called by the monitor, in its own context, for every update of a point in
/// `subtree` ("" = all). Must return quickly; an exception is logged and the
/// monitor goes on. Registered as `(add_atom, update_callback)`, reply: an ID
/// for `(delete_atom, id)`. Process-local.
struct update_callback {
  std::string subtree;
  /// Names the callback in log lines.
  std::string label;
  std::function<void(const point_update&)> fn;
};

// -- atoms --------------------------------------------------------------------

/// `(get_atom, snapshot_atom)`: sent to the monitor; reply `monitor_snapshot`.
using snapshot_atom = caf::atom_constant<caf::atom("snapshot")>;

/// `(start_atom)` / `(stop_atom)`: sent to the monitor; the reply says
/// whether it acted (false when it already ran / was already stopped).
using start_atom = caf::atom_constant<caf::atom("start")>;

/// See `start_atom`.
using stop_atom = caf::atom_constant<caf::atom("stop")>;

/// `(put_atom, critical_atom, actor)`: sent to the monitor to set the actor
/// that receives `critical_alert`s (an invalid handle unsets it). Empty reply.
using critical_atom = caf::atom_constant<caf::atom("critical")>;

/// `(polled_atom)`: sent to the monitor by its poll workers when results are
/// waiting. Internal; no reply.
using polled_atom = caf::atom_constant<caf::atom("polled")>;

} // namespace troupe

// Poll functions and callbacks are closures: they never leave the process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(troupe::point_spec)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(troupe::update_callback)

CAF_BEGIN_TYPE_ID_BLOCK(troupe_monitor, troupe::monitor_first_type_id)

CAF_ADD_TYPE_ID(troupe_monitor, (troupe::point_value))
CAF_ADD_TYPE_ID(troupe_monitor, (troupe::reading))
CAF_ADD_TYPE_ID(troupe_monitor, (troupe::named_reading))
CAF_ADD_TYPE_ID(troupe_monitor, (std::vector<troupe::named_reading>))
CAF_ADD_TYPE_ID(troupe_monitor, (troupe::point_update))
CAF_ADD_TYPE_ID(troupe_monitor, (std::vector<troupe::point_update>))
CAF_ADD_TYPE_ID(troupe_monitor, (troupe::point_info))
CAF_ADD_TYPE_ID(troupe_monitor, (troupe::monitor_snapshot))
CAF_ADD_TYPE_ID(troupe_monitor, (troupe::critical_alert))
CAF_ADD_TYPE_ID(troupe_monitor, (troupe::point_spec))
CAF_ADD_TYPE_ID(troupe_monitor, (troupe::update_callback))

CAF_END_TYPE_ID_BLOCK(troupe_monitor)
