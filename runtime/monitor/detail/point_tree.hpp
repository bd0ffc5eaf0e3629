#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <unordered_map>
#include <vector>

#include "troupe/messages/monitor.hpp"

#include <caf/actor_clock.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>

namespace troupe::detail {

using node_id = uint32_t;

/// The invisible node above the top level.
constexpr node_id root_node = 0;

constexpr node_id no_node = std::numeric_limits<node_id>::max();

constexpr uint32_t no_source = std::numeric_limits<uint32_t>::max();

/// Effective level of a point for roll-up: a STALE point counts as at least
/// red.
inline alert_level effective_level(alert_level alert, bool stale) noexcept {
  if (stale
      && static_cast<int32_t>(alert) < static_cast<int32_t>(alert_level::red))
    return alert_level::red;
  return alert;
}

/// One parent (group) or point of the monitor.
struct tree_node {
  using time_point = caf::actor_clock::time_point;

  std::string name;
  node_id parent = root_node;
  uint32_t depth = 0;
  /// Bumped when the slot is reused, so that stale references notice.
  uint32_t generation = 0;
  bool used = false;
  bool group = false;

  // -- groups (and the root) --------------------------------------------------

  /// Children sorted by name.
  std::vector<node_id> children;
  /// Descendant points per effective level (index: `level_index`).
  std::array<uint32_t, 5> counts{};

  // -- points -----------------------------------------------------------------

  uint32_t source = no_source;
  point_value value;
  alert_level alert = alert_level::none;
  std::string error;
  bool stale = false;
  /// Time of the last update.
  time_point time{};
  /// Staleness counts from here: the last update, the registration or the
  /// last start of the monitor, whichever is latest.
  time_point seen{};
  uint64_t updates = 0;
  uint64_t failures = 0;
  /// Whether the stale calendar holds an entry for this point.
  bool stale_pending = false;
};

/// Parents and points by name, with the worst-descendant roll-up kept up to
/// date incrementally: a change of one point's effective level touches only
/// its ancestors' counters, so a parent's alert never needs a scan.
class point_tree {
public:
  point_tree();

  tree_node& at(node_id id) { return nodes_[id]; }

  const tree_node& at(node_id id) const { return nodes_[id]; }

  /// The node of `name`, or `no_node`.
  node_id find(const std::string& name) const;

  /// Whether `id` refers to a node in use with `generation`.
  bool valid(node_id id, uint32_t generation) const noexcept {
    return id < nodes_.size() && nodes_[id].used
           && nodes_[id].generation == generation;
  }

  /// Adds a group under `parent`. The caller checked the name.
  node_id add_group(const std::string& name, node_id parent);

  /// Adds a point (no value, no alert) under `parent`.
  node_id add_point(const std::string& name, node_id parent, uint32_t source);

  /// Removes a point, or a group without children.
  void remove(node_id id);

  /// Sets a point's alert and stale flag, updating its ancestors' roll-up.
  void set_state(node_id id, alert_level alert, bool stale);

  /// A point's effective level, a group's worst descendant, the root's
  /// overall alert.
  alert_level level(node_id id) const;

  /// Whether `id` is `subtree` or below it.
  bool within(node_id id, node_id subtree) const;

  /// Number of points (groups not counted).
  size_t points() const noexcept { return points_; }

  /// Calls `f(id)` for every node below the root, depth-first, children in
  /// alphabetical order.
  template <class F>
  void depth_first(F&& f) const {
    visit(root_node, f);
  }

private:
  template <class F>
  void visit(node_id id, F& f) const {
    for (auto child : nodes_[id].children) {
      f(child);
      if (nodes_[child].group)
        visit(child, f);
    }
  }

  node_id allocate(const std::string& name, node_id parent);

  void add_count(node_id from, size_t index, int32_t delta);

  std::vector<tree_node> nodes_;
  std::vector<node_id> free_;
  std::unordered_map<std::string, node_id> by_name_;
  size_t points_ = 0;
};

/// Checks a point or parent name: not empty, at most 200 bytes, no control
/// characters, no surrounding spaces. `what` names the role in the error.
caf::error check_name(const std::string& name, const char* what);

} // namespace troupe::detail
