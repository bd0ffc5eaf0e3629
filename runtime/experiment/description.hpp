#pragma once

// Experiment descriptions: what `troupe run` reads from a TOML file and
// saves into each run folder. Parsing checks everything against a registry
// before anything is deployed; every error is one line naming file, line and
// field.
//
//   [experiment]
//   id = "demo"              # optional; generated when missing
//   duration = "30s"         # optional; then running resources are stopped
//   wait_all_ready = true    # for resources outside any [[group]]
//
//   [[resource]]
//   name = "cam"
//   type = "process"         # or "agent", or a type of your own
//   command = "..."          # the type's attributes
//   critical = false
//   connect = ["node"]
//   restart = { max = 2, backoff = "1s", factor = 2.0 }
//
//   [[condition]]
//   action = "start"         # deploy, start or stop
//   resources = ["b"]
//   after = ["a"]
//   state = "started"
//   delay = "5s"
//
//   [[group]]
//   resources = ["a", "b"]
//   wait_all_ready = false
//
//   [[node]]                 # a node of the cluster to place resources on
//   name = "n1"              # must be the name the node was started with
//   address = "10.0.0.2:4242"
//   secret_file = "cluster.key"   # relative to the experiment file
//   tls_cert = "ctl.pem"     # optional mutual TLS: all three or none
//   tls_key = "ctl.key"
//   tls_ca = "ca.pem"
//
//   [[resource]] ... node = "n1"   # runs on node n1 (default: here)

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "troupe/actors/controller.hpp"
#include "troupe/messages/errors.hpp"
#include "troupe/messages/experiment.hpp"
#include "troupe/runtime/experiment/registry.hpp"

#include <caf/expected.hpp>

namespace troupe {

struct resource_desc {
  std::string name;
  std::string type;
  /// Checked and normalized; defaults are not filled in.
  attributes attrs;
  std::vector<std::string> connect;
  restart_policy restart;
  /// The `[[node]]` it runs on; empty: the controller's process.
  std::string node;
  size_t line = 0;
  size_t node_line = 0;
};

/// A node of the cluster that resources may be placed on. Paths are as
/// written (relative ones are relative to the experiment file).
struct node_desc {
  std::string name;
  /// "host:port".
  std::string address;
  std::string secret_file;
  std::string tls_cert;
  std::string tls_key;
  std::string tls_ca;
  size_t line = 0;
};

struct condition_desc {
  resource_action action = resource_action::start;
  std::vector<std::string> resources;
  std::vector<std::string> after;
  resource_state state = resource_state::started;
  caf::timespan delay{0};
  size_t line = 0;
};

struct group_desc {
  std::vector<std::string> resources;
  bool wait_all_ready = true;
  size_t line = 0;
};

struct description {
  std::string exp_id;
  /// Zero: run until every resource finished on its own.
  caf::timespan duration{0};
  bool wait_all_ready = true;
  std::vector<resource_desc> resources;
  std::vector<condition_desc> conditions;
  std::vector<group_desc> groups;
  std::vector<node_desc> nodes;
};

namespace detail {

/// One problem in a description: where and what.
struct field_error {
  size_t line;
  std::string field;
  std::string what;
};

/// Cross-checks names, groups and conditions (no cycle that can never
/// hold) of a description whose parts were each checked already.
std::optional<field_error> check_references(const description& x);

} // namespace detail

/// Parses and checks a description. Error `bad_input` whose text is
/// "FILE:LINE: FIELD: what is wrong".
caf::expected<description> parse_description(std::string_view text,
                                             const std::string& file,
                                             const registry& types);

/// Reads `path` and parses it (`io_error` when it cannot be read).
caf::expected<description> load_description(const std::string& path,
                                            const registry& types);

/// Renders `x` as TOML that `parse_description` reads back to the same
/// description.
std::string save_description(const description& x);

/// Registers the resources, connections and conditions of `x` with a
/// controller through `r`, which offers
/// `r.template request<R>(handle, message)` like the test fixture (an
/// `caf::expected<R>`, or a `caf::error` for `R = void`). Returns name ->
/// guid.
template <class Requester>
caf::expected<std::map<std::string, uint64_t>>
register_description(Requester& r, const controller_actor& ctl,
                     const description& x) {
  std::map<std::string, uint64_t> guids;
  for (auto& res : x.resources) {
    auto guid = r.template request<uint64_t>(
        ctl,
        add_resource{res.type, res.name, res.attrs, res.restart, res.node});
    if (!guid)
      return std::move(guid.error());
    guids.emplace(res.name, *guid);
  }
  for (auto& res : x.resources)
    for (auto& peer : res.connect)
      if (auto err = r.template request<void>(
              ctl, connect_resources{guids[res.name], guids[peer]}))
        return err;
  auto to_guids = [&](const std::vector<std::string>& names) {
    guid_list result;
    for (auto& name : names)
      result.push_back(guids[name]);
    return result;
  };
  for (auto& c : x.conditions)
    if (auto err = r.template request<void>(
            ctl, add_condition{c.action, to_guids(c.resources),
                               to_guids(c.after), c.state, c.delay}))
      return err;
  return guids;
}

/// Deploys every group of `x`, then the resources outside any group as one
/// more group (with `x.wait_all_ready`).
template <class Requester>
caf::error deploy_description(Requester& r, const controller_actor& ctl,
                              const description& x,
                              const std::map<std::string, uint64_t>& guids) {
  std::map<std::string, bool> grouped;
  for (auto& g : x.groups) {
    guid_list members;
    for (auto& name : g.resources) {
      members.push_back(guids.at(name));
      grouped[name] = true;
    }
    auto id = r.template request<uint64_t>(
        ctl, deploy_resources{members, g.wait_all_ready, 0});
    if (!id)
      return std::move(id.error());
  }
  guid_list rest;
  for (auto& res : x.resources)
    if (grouped.count(res.name) == 0)
      rest.push_back(guids.at(res.name));
  if (rest.empty())
    return caf::none;
  auto id = r.template request<uint64_t>(
      ctl, deploy_resources{rest, x.wait_all_ready, 0});
  return id ? caf::none : std::move(id.error());
}

} // namespace troupe
