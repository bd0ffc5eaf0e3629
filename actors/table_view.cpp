#include "troupe/actors/table_view.hpp"

#include <algorithm>
#include <iostream>
#include <unistd.h>

#include "troupe/messages/errors.hpp"
#include "troupe/runtime/monitor/detail/format.hpp"
#include "troupe/runtime/runtime.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace troupe {

namespace {

struct table_view_state {
  monitor_actor mon;
  table_view_options opts;
  std::ostream* out = nullptr;
  bool in_place = false;
  /// Lines printed by the last redraw (to move back over them).
  size_t lines = 0;
  /// A snapshot request is under way: ticks meanwhile do not pile up more.
  bool waiting = false;
  static inline const char* name = "troupe.table_view";
};

using table_view_pointer = table_view_actor::stateful_pointer<table_view_state>;

void draw(table_view_pointer self, const std::string& table) {
  auto& st = self->state;
  std::string frame;
  if (st.in_place && st.lines > 0)
    // Up to the first line of the previous table, then clear below.
    frame = "\x1b[" + std::to_string(st.lines) + "A\r\x1b[J";
  else if (!st.in_place && st.lines > 0)
    frame = "\n";
  frame += table;
  st.lines = static_cast<size_t>(std::count(table.begin(), table.end(), '\n'));
  *st.out << frame << std::flush;
}

table_view_actor::behavior_type table_view_impl(table_view_pointer self,
                                                monitor_actor mon,
                                                table_view_options opts) {
  auto& st = self->state;
  st.mon = std::move(mon);
  st.out = opts.out != nullptr ? opts.out : &std::cout;
  switch (opts.refresh) {
    case table_view_options::mode::in_place: st.in_place = true; break;
    case table_view_options::mode::append: st.in_place = false; break;
    default: st.in_place = opts.out == nullptr && stdout_is_terminal();
  }
  if (opts.color_auto)
    opts.table.color = st.in_place;
  st.opts = std::move(opts);
  self->send(self, caf::tick_atom::value);
  return {
      [self](caf::tick_atom) {
        auto& st = self->state;
        if (st.waiting)
          return;
        st.waiting = true;
        self->request(st.mon, st.opts.period, caf::get_atom::value,
                      snapshot_atom::value)
            .then(
                [self](monitor_snapshot& snap) {
                  self->state.waiting = false;
                  draw(self, render_table(snap, self->state.opts.table));
                },
                [self](caf::error& err) {
                  self->state.waiting = false;
                  draw(self, render_unreachable(to_text(err)));
                });
        self->delayed_send(self, st.opts.period, caf::tick_atom::value);
      },
  };
}

} // namespace

bool stdout_is_terminal() {
  return isatty(STDOUT_FILENO) == 1;
}

caf::expected<table_view_actor> spawn_table_view(runtime& rt, monitor_actor mon,
                                                 table_view_options opts) {
  if (opts.period <= caf::timespan::zero())
    return make_error(errc::invalid_argument,
                      "table view: the period must be positive (got "
                          + detail::format_duration(opts.period) + ")");
  return rt.spawn(table_view_impl, std::move(mon), std::move(opts));
}

} // namespace troupe
