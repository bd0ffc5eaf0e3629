#pragma once

// The types an experiment can use: resource types (each a resource-manager
// actor class with its attributes) and agent types (for resources of type
// `agent`). `troupe run` uses `registry::with_builtins()`; users' own
// binaries add their types and pass the registry to `troupe::cli::main`.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "troupe/messages/errors.hpp"
#include "troupe/messages/experiment.hpp"

#include <caf/actor.hpp>
#include <caf/config_value.hpp>
#include <caf/expected.hpp>
#include <caf/local_actor.hpp>
#include <caf/spawn_options.hpp>

namespace troupe {

class config;
class runtime;
class registry;

/// The value type an attribute accepts. Values are normalized on entry:
/// an integer becomes a real for `real`, and "5s", "250ms" or a number of
/// seconds become a timespan for `duration`.
enum class attr_kind : uint8_t {
  boolean,
  integer,
  real,
  string,
  duration,
  string_list,
};

/// "boolean", "integer", "real", "string", "duration", "list of strings".
std::string to_string(attr_kind x);

/// One attribute of a resource or agent type.
struct attribute_spec {
  std::string name;
  attr_kind kind = attr_kind::string;
  /// Used when the attribute is not given (ignored when `required`).
  caf::config_value default_value;
  bool required = false;
  std::string help;
};

/// Checks that `value` fits `spec` and normalizes it (see `attr_kind`).
/// Error `invalid_config` saying what was expected and what came.
caf::error check_value(const attribute_spec& spec, caf::config_value& value);

/// Parses "1.5s", "250ms", "2m", "1h", "100us", "10ns" or a plain number of
/// seconds. Negative values are refused.
caf::expected<caf::timespan> parse_duration(const std::string& text);

/// Renders a timespan the way `parse_duration` reads it back exactly.
std::string render_duration(caf::timespan x);

/// Everything a resource manager starts with. Given by the controller to
/// the factory of the resource's type.
struct resource_setup {
  uint64_t guid = 0;
  std::string name;
  std::string type;
  /// Complete and checked: every attribute of the type, defaults filled in.
  attributes attrs;
  std::vector<resource_peer> peers;
  /// The controller, which receives every `resource_update`.
  caf::actor controller;
  /// Where traces are written as files; empty keeps them in memory only.
  std::string trace_dir;
  /// The runtime that owns the experiment (agent resources spawn through
  /// it). Outlives every resource manager.
  troupe::runtime* rt = nullptr;
  /// The registry the experiment uses (agent resources find their type).
  std::shared_ptr<const registry> types;
  /// The experiment's monitor (a `monitor_actor`), where resources may add
  /// points of their own; invalid when the experiment has none.
  caf::actor monitor;
};

/// Spawns a resource manager as a child of the controller (`parent`), which
/// monitors it.
using resource_factory
    = std::function<caf::actor(caf::local_actor& parent, resource_setup)>;

/// A registered resource type.
struct resource_type_info {
  std::string name;
  std::string description;
  /// The type's own attributes; every type also has `critical` (true) and
  /// `hard_release` (false).
  std::vector<attribute_spec> attributes;
  resource_factory factory;
  /// When not empty the type is known but not part of this build: using it
  /// is refused with this text.
  std::string unavailable;
};

/// Spawns an agent for a resource of type `agent`. `attrs` are the
/// resource's attributes (checked against the agent type's).
using agent_factory = std::function<caf::expected<caf::actor>(
    runtime& rt, const std::string& name, const attributes& attrs)>;

/// A registered agent type.
struct agent_type_info {
  std::string name;
  std::string description;
  std::vector<attribute_spec> attributes;
  agent_factory factory;
};

/// The resource and agent types an experiment may use.
class registry {
public:
  /// An empty registry (no types at all).
  registry() = default;

  /// The built-in types: `agent`, `process`, `replay` and the agents
  /// `topic_stats` and `threshold_alarm`.
  static registry with_builtins();

  // -- resource types -------------------------------------------------------

  /// Adds a type. A type that is only known as unavailable is replaced;
  /// error `duplicate_name` otherwise.
  caf::error add(resource_type_info info);

  /// Adds resource-manager class `T`, constructed with
  /// `(caf::actor_config&, resource_setup)`.
  template <class T>
  caf::error add_resource_type(std::string name, std::string description,
                               std::vector<attribute_spec> attrs = {}) {
    return add(resource_type_info{
        std::move(name),
        std::move(description),
        std::move(attrs),
        [](caf::local_actor& parent, resource_setup setup) -> caf::actor {
          return parent.spawn<T, caf::monitored>(std::move(setup));
        },
        {}});
  }

  /// Marks `name` as known but not part of this build.
  void add_unavailable(std::string name, std::string why);

  /// nullptr if unknown (an unavailable type is returned; check
  /// `unavailable`).
  const resource_type_info* resource_type(const std::string& name) const;

  std::vector<std::string> resource_type_names() const;

  // -- agent types ----------------------------------------------------------

  caf::error add(agent_type_info info);

  /// Adds agent class `T`, constructed with `(caf::actor_config&,
  /// std::string name, const attributes&)`.
  template <class T>
  caf::error add_agent_type(std::string name, std::string description,
                            std::vector<attribute_spec> attrs = {});

  const agent_type_info* agent_type(const std::string& name) const;

  std::vector<std::string> agent_type_names() const;

  // -- attributes -----------------------------------------------------------

  /// Every attribute a resource of `type` accepts: the common ones, the
  /// type's, and for `agent` resources those of the agent type named by
  /// `attrs["agent"]`. Errors `not_found` (unknown type or agent type),
  /// `unsupported` (type not in this build).
  caf::expected<std::vector<attribute_spec>>
  schema(const std::string& type, const attributes& attrs) const;

  /// Checks `attrs` against `schema(type, attrs)`, normalizes values and
  /// fills in defaults. Errors name the attribute.
  caf::error complete(const std::string& type, attributes& attrs) const;

  // -- message types --------------------------------------------------------

  /// Registers a step that runs on the configuration before the runtime
  /// starts (users add their message types here).
  void add_config_step(std::function<void(config&)> step);

  /// Runs every config step on `cfg`.
  void configure(config& cfg) const;

private:
  std::map<std::string, resource_type_info> resources_;
  std::map<std::string, agent_type_info> agents_;
  std::vector<std::function<void(config&)>> config_steps_;
};

/// The attributes every resource type has: `critical` (true) and
/// `hard_release` (false).
const std::vector<attribute_spec>& common_attributes();

/// Reads a normalized attribute (missing or of another type: `fallback`).
template <class T>
T attr_or(const attributes& attrs, const std::string& name, T fallback) {
  auto i = attrs.find(name);
  if (i == attrs.end())
    return fallback;
  if (auto ptr = caf::get_if<T>(&i->second))
    return *ptr;
  return fallback;
}

} // namespace troupe

#include "troupe/runtime/runtime.hpp"

namespace troupe {

template <class T>
caf::error registry::add_agent_type(std::string name, std::string description,
                                    std::vector<attribute_spec> attrs) {
  return add(
      agent_type_info{std::move(name), std::move(description), std::move(attrs),
                      [](runtime& rt, const std::string& agent_name,
                         const attributes& xs) -> caf::expected<caf::actor> {
                        return rt.spawn_agent<T>(agent_name, xs);
                      }});
}

} // namespace troupe
