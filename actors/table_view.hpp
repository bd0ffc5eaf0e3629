#pragma once

#include <chrono>
#include <iosfwd>

#include "troupe/actors/monitor.hpp"
#include "troupe/runtime/monitor/table.hpp"

#include <caf/expected.hpp>
#include <caf/replies_to.hpp>
#include <caf/timespan.hpp>
#include <caf/typed_actor.hpp>

namespace troupe {

class runtime;

/// A live terminal view of a monitor (`troupe run --monitor table`): asks
/// for a snapshot every period and prints it as a table, redrawn in place
/// on a terminal and appended otherwise.
using table_view_actor = caf::typed_actor<
    /// Renders now. The view sends this to itself every period; anyone may
    /// send it to force a redraw. No reply.
    caf::reacts_to<caf::tick_atom>>;

struct table_view_options {
  caf::timespan period = std::chrono::seconds{1};
  /// Where the table goes; must outlive the view. Null: standard output.
  std::ostream* out = nullptr;
  /// `automatic`: in place when writing to standard output and that is a
  /// terminal, appended otherwise.
  enum class mode { automatic, in_place, append };
  mode refresh = mode::automatic;
  /// Colours follow the mode (in place = terminal = colours) unless set.
  table_options table;
  bool color_auto = true;
};

/// Spawns a view tracked by `rt`. Error `invalid_argument` for a period
/// that is not positive.
caf::expected<table_view_actor> spawn_table_view(runtime& rt, monitor_actor mon,
                                                 table_view_options opts = {});

/// Whether standard output is a terminal.
bool stdout_is_terminal();

} // namespace troupe
