#pragma once

#include <string>

#include "troupe/messages/monitor.hpp"

namespace troupe {

/// The monitor's status page: the tree as a table with alert colours,
/// rendered on the server (so it reads without scripts) and refreshed by
/// the page itself every `refresh_ms` from `snapshot_path` (the JSON of
/// `to_json`). The body's `data-refreshes` counts successful refreshes;
/// when a refresh fails the header says so instead of showing old data as
/// current.
std::string
render_status_page(const monitor_snapshot& snap, int refresh_ms = 2000,
                   const std::string& snapshot_path = "snapshot.json");

/// The same page for a monitor that did not answer.
std::string render_status_page_unreachable(const std::string& why,
                                           int refresh_ms = 2000,
                                           const std::string& snapshot_path
                                           = "snapshot.json");

/// Escapes `&`, `<`, `>`, `"` and `'` for HTML text and attributes.
std::string html_escape(const std::string& text);

} // namespace troupe
