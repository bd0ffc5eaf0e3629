#pragma once

// The controller side of the cluster tests: a runtime that joins the nodes
// the ctest fixture started (tests/cluster/nodes.sh), plus helpers to read
// the fixture's files and to wait for real-time events with a bound.

#include <chrono>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "troupe/runtime/cluster/cluster.hpp"
#include "troupe/runtime/runtime.hpp"

#include <caf/others.hpp>
#include <caf/scoped_actor.hpp>

#include "support/cluster_agents.hpp"

// The tests against the ctest fixture know its directory at build time.
#ifndef TROUPE_CLUSTER_DIR
#define TROUPE_CLUSTER_DIR ""
#endif

namespace test {

/// The directory the fixture writes to (one per build tree).
inline std::string cluster_dir() {
  return TROUPE_CLUSTER_DIR;
}

/// Reads "HOST:PORT" that the fixture wrote for node `name`.
inline troupe::endpoint node_address(const std::string& name) {
  std::ifstream in{cluster_dir() + "/" + name + ".addr"};
  std::string line;
  if (!std::getline(in, line))
    throw std::runtime_error("no address for fixture node '" + name + "' in "
                             + cluster_dir());
  auto result = troupe::parse_endpoint(line, name + ".addr");
  if (!result)
    throw std::runtime_error(troupe::to_text(result.error()));
  return *result;
}

inline std::string secret_file() {
  return cluster_dir() + "/secret";
}

/// Reads a whole file ("" if missing).
inline std::string read_file(const std::string& path) {
  std::ifstream in{path};
  return std::string{std::istreambuf_iterator<char>{in},
                     std::istreambuf_iterator<char>{}};
}

/// A process that joins the fixture's nodes as a controller.
class controller {
public:
  /// `opts.name` must be set; the secret defaults to the fixture's.
  explicit controller(troupe::cluster_options opts, bool use_secret = true) {
    if (use_secret && opts.secret.empty()) {
      auto secret = troupe::read_secret_file(secret_file());
      if (!secret)
        throw std::runtime_error(troupe::to_text(secret.error()));
      opts.secret = *secret;
    }
    cfg_ = std::make_unique<troupe::config>();
    register_cluster_test_types(catalog_);
    catalog_.configure(*cfg_);
    opts.agents = &catalog_;
    if (auto err = troupe::enable_cluster(*cfg_, opts))
      throw std::runtime_error(troupe::to_text(err));
    rt_ = std::make_unique<troupe::runtime>(*cfg_);
    auto node = troupe::cluster::start(*rt_, opts);
    if (!node)
      throw std::runtime_error(troupe::to_text(node.error()));
    node_.emplace(std::move(*node));
  }

  ~controller() {
    node_.reset();
    rt_.reset();
  }

  troupe::runtime& rt() { return *rt_; }

  const troupe::catalog& agents() const { return catalog_; }

  troupe::cluster& node() { return *node_; }

  /// Sends a request and waits up to `timeout` for the answer.
  template <class R, class Handle, class... Ts>
  caf::expected<R> ask(const Handle& dest, caf::timespan timeout, Ts&&... xs) {
    caf::scoped_actor self{rt_->system()};
    caf::expected<R> result{troupe::make_error(troupe::errc::timeout, "none")};
    self->request(dest, timeout, std::forward<Ts>(xs)...)
        .receive([&](R& x) { result = std::move(x); },
                 [&](caf::error& err) { result = std::move(err); });
    return result;
  }

  /// Sends a request whose answer is empty; returns its error, if any.
  template <class... Ts>
  caf::error ask_void(const caf::actor& dest, caf::timespan timeout,
                      Ts&&... xs) {
    caf::scoped_actor self{rt_->system()};
    caf::error result;
    self->request(dest, timeout, std::forward<Ts>(xs)...)
        .receive([] {}, [&](caf::error& err) { result = std::move(err); });
    return result;
  }

private:
  troupe::catalog catalog_;
  std::unique_ptr<troupe::config> cfg_;
  std::unique_ptr<troupe::runtime> rt_;
  std::optional<troupe::cluster> node_;
};

/// A mailbox of the test thread, registered under a name so that agents on
/// any node can `send_to` it. Waits are bounded: a missing message fails
/// the test after `patience` instead of hanging it.
class inbox {
public:
  inbox(troupe::runtime& rt, std::string name)
      : self_(rt.system()), name_(std::move(name)) {
    caf::error err;
    self_
        ->request(rt.directory(), std::chrono::seconds{5}, caf::put_atom::value,
                  name_, caf::actor{self_})
        .receive([] {}, [&](caf::error& x) { err = std::move(x); });
    if (err)
      throw std::runtime_error("cannot register inbox '" + name_
                               + "': " + troupe::to_text(err));
  }

  /// Receives `n` messages of type `T` (others are dropped), in order.
  template <class T>
  std::vector<T> receive(size_t n, caf::timespan patience) {
    std::vector<T> result;
    bool timed_out = false;
    while (result.size() < n && !timed_out) {
      self_->receive([&](const T& x) { result.push_back(x); },
                     caf::others >>
                         [](caf::message_view&) -> caf::result<caf::message> {
                       return caf::message{};
                     },
                     caf::after(patience) >> [&] { timed_out = true; });
    }
    return result;
  }

  caf::scoped_actor& self() { return self_; }

private:
  caf::scoped_actor self_;
  std::string name_;
};

/// Options for a controller named `name` that only dials out.
inline troupe::cluster_options controller_options(std::string name) {
  troupe::cluster_options opts;
  opts.name = std::move(name);
  return opts;
}

} // namespace test
