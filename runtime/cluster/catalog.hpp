#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

#include "troupe/messages/cluster.hpp"
#include "troupe/messages/errors.hpp"
#include "troupe/runtime/config.hpp"
#include "troupe/runtime/experiment/registry.hpp"
#include "troupe/runtime/runtime.hpp"

#include <caf/expected.hpp>

namespace troupe {

/// Parameters of an agent spawned by type name (remote spawning, placement).
using agent_params = std::map<std::string, std::string>;

/// What a process can host by name: agent types, so that other nodes (and
/// experiment files) can spawn them here, and message types, so that they
/// cross the network. A node and its peers must register the same message
/// types; a type one side does not know arrives as nothing.
///
/// Users' own binaries fill `catalog::global()` before they call
/// `troupe::cli::main`, so `troupe node` hosts their agents:
///
///   troupe::catalog::global()
///     .add_message_types<caf::id_block::my_app>()
///     .add_agent<bob>("bob");
class catalog {
public:
  using factory = std::function<caf::expected<caf::actor>(
      runtime&, const spawn_request&)>;

  /// The catalog of this process.
  static catalog& global();

  /// Registers a message block on every config `configure` sees.
  template <class Block>
  catalog& add_message_types() {
    std::lock_guard<std::mutex> guard{mtx_};
    blocks_.emplace_back([](config& cfg) { cfg.add_message_types<Block>(); });
    return *this;
  }

  /// Registers agent `T` as `type`. `T` is constructed with
  /// `(caf::actor_config&, std::string name, const agent_params&)` or, if it
  /// takes no parameters, `(caf::actor_config&, std::string name)`.
  template <class T>
  catalog& add_agent(std::string type) {
    static_assert(std::is_base_of<agent, T>::value,
                  "catalogs hold subclasses of troupe::agent");
    std::lock_guard<std::mutex> guard{mtx_};
    agents_[std::move(type)] =
        [](runtime& rt, const spawn_request& req) -> caf::expected<caf::actor> {
      constexpr bool takes_params
          = std::is_constructible<T, caf::actor_config&, std::string,
                                  const agent_params&>::value;
      if constexpr (takes_params) {
        if (req.detached)
          return rt.spawn_agent<T, caf::detached>(req.name, req.params);
        return rt.spawn_agent<T>(req.name, req.params);
      } else {
        if (!req.params.empty())
          return make_error(errc::invalid_argument,
                            "agent type '" + req.type
                                + "' takes no parameters");
        if (req.detached)
          return rt.spawn_agent<T, caf::detached>(req.name);
        return rt.spawn_agent<T>(req.name);
      }
    };
    return *this;
  }

  /// The resource types this process hosts for experiments that place
  /// resources here (`place_resource`); by default the built-in ones.
  /// Users' binaries that add resource or agent types pass their registry.
  catalog& set_resource_types(std::shared_ptr<const registry> types);

  /// The registry set with `set_resource_types`, or the built-in types.
  std::shared_ptr<const registry> resource_types() const;

  /// Registers every message block with `cfg`.
  void configure(config& cfg) const;

  bool has_agent(const std::string& type) const;

  /// Registered agent types, sorted.
  std::vector<std::string> agent_types() const;

  /// Spawns an agent of a registered type through `rt`. Error `not_found`
  /// for an unknown type (the text lists the known ones), the spawn's own
  /// error otherwise (e.g. `duplicate_name`).
  caf::expected<caf::actor> spawn(runtime& rt, const spawn_request& req) const;

private:
  mutable std::mutex mtx_;
  std::vector<std::function<void(config&)>> blocks_;
  std::map<std::string, factory> agents_;
  mutable std::shared_ptr<const registry> resource_types_;
};

} // namespace troupe
