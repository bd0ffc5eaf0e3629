#include "troupe/runtime/monitor/detail/point_tree.hpp"

#include <algorithm>

#include "troupe/messages/errors.hpp"

namespace troupe::detail {

point_tree::point_tree() {
  nodes_.emplace_back();
  nodes_[root_node].used = true;
  nodes_[root_node].group = true;
}

node_id point_tree::find(const std::string& name) const {
  auto i = by_name_.find(name);
  return i != by_name_.end() ? i->second : no_node;
}

node_id point_tree::allocate(const std::string& name, node_id parent) {
  node_id id;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
    auto generation = nodes_[id].generation + 1;
    nodes_[id] = tree_node{};
    nodes_[id].generation = generation;
  } else {
    id = static_cast<node_id>(nodes_.size());
    nodes_.emplace_back();
  }
  auto& node = nodes_[id];
  node.name = name;
  node.parent = parent;
  node.depth = parent == root_node ? 0 : nodes_[parent].depth + 1;
  node.used = true;
  by_name_.emplace(name, id);
  // Keep the siblings sorted by name: the table lists them that way.
  auto& siblings = nodes_[parent].children;
  auto pos = std::lower_bound(siblings.begin(), siblings.end(), name,
                              [this](node_id x, const std::string& key) {
                                return nodes_[x].name < key;
                              });
  siblings.insert(pos, id);
  return id;
}

node_id point_tree::add_group(const std::string& name, node_id parent) {
  auto id = allocate(name, parent);
  nodes_[id].group = true;
  return id;
}

node_id point_tree::add_point(const std::string& name, node_id parent,
                              uint32_t source) {
  auto id = allocate(name, parent);
  nodes_[id].source = source;
  ++points_;
  add_count(parent, level_index(alert_level::none), 1);
  return id;
}

void point_tree::remove(node_id id) {
  auto& node = nodes_[id];
  if (!node.group) {
    add_count(node.parent, level_index(level(id)), -1);
    --points_;
  }
  auto& siblings = nodes_[node.parent].children;
  siblings.erase(std::remove(siblings.begin(), siblings.end(), id),
                 siblings.end());
  by_name_.erase(node.name);
  node.used = false;
  node.children.clear();
  node.name.clear();
  node.value = point_value{};
  node.error.clear();
  free_.push_back(id);
}

void point_tree::add_count(node_id from, size_t index, int32_t delta) {
  for (auto id = from;; id = nodes_[id].parent) {
    nodes_[id].counts[index] += delta;
    if (id == root_node)
      return;
  }
}

void point_tree::set_state(node_id id, alert_level alert, bool stale) {
  auto& node = nodes_[id];
  auto before = effective_level(node.alert, node.stale);
  auto after = effective_level(alert, stale);
  node.alert = alert;
  node.stale = stale;
  if (before == after)
    return;
  add_count(node.parent, level_index(before), -1);
  add_count(node.parent, level_index(after), 1);
}

alert_level point_tree::level(node_id id) const {
  auto& node = nodes_[id];
  if (!node.group)
    return effective_level(node.alert, node.stale);
  for (size_t i = node.counts.size(); i-- > 0;)
    if (node.counts[i] > 0)
      return all_alert_levels[i];
  return alert_level::none;
}

bool point_tree::within(node_id id, node_id subtree) const {
  if (subtree == root_node)
    return true;
  for (; id != root_node; id = nodes_[id].parent)
    if (id == subtree)
      return true;
  return false;
}

caf::error check_name(const std::string& name, const char* what) {
  auto fail = [&](const std::string& why) {
    return make_error(errc::invalid_argument,
                      std::string{what} + " name '" + name + "' " + why);
  };
  if (name.empty())
    return make_error(errc::invalid_argument,
                      std::string{what} + " name is empty");
  if (name.size() > 200)
    return fail("is longer than 200 bytes");
  for (size_t i = 0; i < name.size(); ++i) {
    auto c = static_cast<unsigned char>(name[i]);
    if (c < 0x20 || c == 0x7f)
      return make_error(errc::invalid_argument,
                        std::string{what}
                            + " name has a control character at "
                              "position "
                            + std::to_string(i));
  }
  if (name.front() == ' ' || name.back() == ' ')
    return fail("starts or ends with a space");
  return caf::none;
}

} // namespace troupe::detail
