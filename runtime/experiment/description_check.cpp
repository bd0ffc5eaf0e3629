// Cross-checks of a parsed description: names are unique and known, groups
// do not overlap, and no chain of conditions waits for itself.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "troupe/runtime/experiment/description.hpp"

namespace troupe::detail {

namespace {

/// What a resource must do before it can reach `s` (none: no edge).
std::optional<resource_action> needed_for(resource_state s) {
  switch (s) {
    case resource_state::discovered:
    case resource_state::provisioned:
    case resource_state::ready: return resource_action::deploy;
    // A resource may stop by itself once started.
    case resource_state::started:
    case resource_state::stopped: return resource_action::start;
    default: return std::nullopt;
  }
}

/// The "must happen before" graph over (resource, action); a cycle means
/// that none of its actions can ever run.
class action_graph {
public:
  /// Nodes: three per resource (deploy, start, stop), then `hubs` more.
  action_graph(size_t resources, size_t hubs)
      : resources_(resources), edges_(resources * 3 + hubs) {
    // nop
  }

  static size_t node(size_t res, resource_action a) {
    return res * 3 + static_cast<size_t>(a);
  }

  size_t hub(size_t i) const { return resources_ * 3 + i; }

  /// Node `from` waits for node `to`; `why` is the condition index or -1.
  void add(size_t from, size_t to, int why) {
    edges_[from].push_back(edge{to, why});
  }

  /// The condition closing a cycle, if any.
  std::optional<int> find_cycle() {
    std::vector<uint8_t> color(edges_.size(), 0);
    for (size_t i = 0; i < edges_.size(); ++i)
      if (color[i] == 0)
        if (auto why = visit(i, color))
          return why;
    return std::nullopt;
  }

private:
  struct edge {
    size_t to;
    int why;
  };

  /// Iterative depth-first search (descriptions may hold 100,000s of
  /// resources). Returns the condition on the back edge, or -1 when only
  /// implicit edges close the cycle.
  std::optional<int> visit(size_t start, std::vector<uint8_t>& color) {
    struct frame {
      size_t node;
      size_t next;
    };
    std::vector<frame> stack{{start, 0}};
    std::vector<int> via{-1};
    color[start] = 1;
    while (!stack.empty()) {
      auto& top = stack.back();
      if (top.next == edges_[top.node].size()) {
        color[top.node] = 2;
        stack.pop_back();
        via.pop_back();
        continue;
      }
      auto e = edges_[top.node][top.next++];
      if (color[e.to] == 1) {
        if (e.why >= 0)
          return e.why;
        for (auto w : via)
          if (w >= 0)
            return w;
        return -1;
      }
      if (color[e.to] == 0) {
        color[e.to] = 1;
        stack.push_back(frame{e.to, 0});
        via.push_back(e.why);
      }
    }
    return std::nullopt;
  }

  size_t resources_;
  std::vector<std::vector<edge>> edges_;
};

} // namespace

namespace {

/// Node names are unique, every placement names a listed node, and every
/// node uses the credentials of the first (the controller holds one set).
std::optional<field_error> check_nodes(const description& x) {
  std::map<std::string, size_t> index;
  std::string listed;
  for (size_t i = 0; i < x.nodes.size(); ++i) {
    auto& n = x.nodes[i];
    auto field = "node[" + std::to_string(i) + "]";
    auto [pos, added] = index.emplace(n.name, i);
    if (!added)
      return field_error{n.line, field + ".name",
                         "duplicate node name '" + n.name + "' (first at line "
                             + std::to_string(x.nodes[pos->second].line) + ")"};
    auto& first = x.nodes.front();
    if (n.secret_file != first.secret_file)
      return field_error{n.line, field + ".secret_file",
                         "every node must use the same secret_file (the "
                         "controller holds one secret)"};
    if (n.tls_cert != first.tls_cert || n.tls_key != first.tls_key
        || n.tls_ca != first.tls_ca)
      return field_error{n.line, field + ".tls_cert",
                         "every node must use the same TLS files (the "
                         "controller holds one certificate)"};
    listed += (listed.empty() ? "" : ", ") + n.name;
  }
  for (size_t i = 0; i < x.resources.size(); ++i) {
    auto& res = x.resources[i];
    if (!res.node.empty() && index.count(res.node) == 0)
      return field_error{
          res.node_line, "resource[" + std::to_string(i) + "].node",
          "no node named '" + res.node + "' (listed: "
              + (listed.empty() ? "none; add a [[node]] table" : listed) + ")"};
  }
  return std::nullopt;
}

} // namespace

std::optional<field_error> check_references(const description& x) {
  if (auto err = check_nodes(x))
    return err;
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < x.resources.size(); ++i) {
    auto& res = x.resources[i];
    auto [pos, added] = index.emplace(res.name, i);
    if (!added)
      return field_error{
          res.line, "resource[" + std::to_string(i) + "].name",
          "duplicate resource name '" + res.name + "' (first at line "
              + std::to_string(x.resources[pos->second].line) + ")"};
  }
  auto known = [&](const std::vector<std::string>& names, size_t line,
                   const std::string& field) -> std::optional<field_error> {
    for (auto& name : names)
      if (index.count(name) == 0)
        return field_error{line, field, "no resource named '" + name + "'"};
    return std::nullopt;
  };
  for (size_t i = 0; i < x.resources.size(); ++i) {
    auto& res = x.resources[i];
    auto field = "resource[" + std::to_string(i) + "].connect";
    if (auto err = known(res.connect, res.line, field))
      return err;
    for (auto& peer : res.connect)
      if (peer == res.name)
        return field_error{res.line, field,
                           "'" + res.name + "' cannot connect to itself"};
  }
  for (size_t i = 0; i < x.conditions.size(); ++i) {
    auto& c = x.conditions[i];
    auto field = "condition[" + std::to_string(i) + "]";
    if (auto err = known(c.resources, c.line, field + ".resources"))
      return err;
    if (auto err = known(c.after, c.line, field + ".after"))
      return err;
  }
  // Groups: known members, each resource in one group at most.
  std::vector<int> group_of(x.resources.size(), -1);
  for (size_t i = 0; i < x.groups.size(); ++i) {
    auto& g = x.groups[i];
    auto field = "group[" + std::to_string(i) + "].resources";
    if (auto err = known(g.resources, g.line, field))
      return err;
    for (auto& name : g.resources) {
      auto& slot = group_of[index[name]];
      if (slot >= 0)
        return field_error{g.line, field,
                           "'" + name + "' is already in group["
                               + std::to_string(slot) + "]"};
      slot = static_cast<int>(i);
    }
  }
  // Conditions that can never hold: a cycle of "must happen before".
  // Groups with wait-all-ready: every member's start waits for one hub
  // that waits for every member's deploy.
  using ra = resource_action;
  using graph_t = action_graph;
  graph_t graph{x.resources.size(), x.groups.size() + 1};
  for (size_t i = 0; i < x.resources.size(); ++i) {
    graph.add(graph_t::node(i, ra::start), graph_t::node(i, ra::deploy), -1);
    graph.add(graph_t::node(i, ra::stop), graph_t::node(i, ra::start), -1);
    auto g = group_of[i];
    bool waits = g >= 0 ? x.groups[static_cast<size_t>(g)].wait_all_ready
                        : x.wait_all_ready;
    if (!waits)
      continue;
    auto hub = graph.hub(g >= 0 ? static_cast<size_t>(g) : x.groups.size());
    graph.add(graph_t::node(i, ra::start), hub, -1);
    graph.add(hub, graph_t::node(i, ra::deploy), -1);
  }
  for (size_t i = 0; i < x.conditions.size(); ++i) {
    auto& c = x.conditions[i];
    auto need = needed_for(c.state);
    if (!need)
      continue;
    for (auto& target : c.resources)
      for (auto& other : c.after)
        graph.add(graph_t::node(index[target], c.action),
                  graph_t::node(index[other], *need), static_cast<int>(i));
  }
  if (auto why = graph.find_cycle()) {
    if (*why >= 0) {
      auto& c = x.conditions[static_cast<size_t>(*why)];
      return field_error{c.line, "condition[" + std::to_string(*why) + "]",
                         "these conditions wait for each other in a cycle: "
                         "they can never hold"};
    }
    return field_error{x.resources.front().line, "resource",
                       "the deploy groups wait for each other in a cycle"};
  }
  return std::nullopt;
}

} // namespace troupe::detail
