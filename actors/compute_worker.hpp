#pragma once

#include <exception>
#include <string>
#include <utility>

#include "troupe/actors/agent.hpp"
#include "troupe/messages/cluster.hpp"

#include <caf/expected.hpp>
#include <caf/message.hpp>

namespace troupe {

/// Base class of the agents a worker pool runs (RIOS' user function). A
/// subclass computes one output from one input and may read an input from
/// a descriptor (by default the descriptor is the input). Register the
/// subclass in a catalog; the pool spawns it as compute workers and as read
/// workers, here or on other nodes.
///
/// Errors and exceptions from `compute` or `read` go back to the pool,
/// which reports them with the worker's origin.
class compute_worker : public agent {
public:
  using agent::agent;

protected:
  /// The computation: one input, one output.
  virtual caf::expected<caf::message> compute(const caf::message& input) = 0;

  /// Reads an input from a descriptor; the default passes it through.
  virtual caf::expected<caf::message> read(const caf::message& descriptor);

  handler_set handlers() final;

private:
  /// Runs `fn`, turning exceptions into errors that name `what`.
  template <class F>
  caf::expected<caf::message> guarded(const char* what, F fn) {
    try {
      return fn();
    } catch (const std::exception& ex) {
      return make_error(errc::handler_failed,
                        std::string{what} + " threw: " + ex.what());
    } catch (...) {
      return make_error(errc::handler_failed,
                        std::string{what} + " threw a non-standard exception");
    }
  }
};

/// A compute worker for one input type and one output type.
template <class In, class Out>
class typed_compute_worker : public compute_worker {
public:
  using compute_worker::compute_worker;

protected:
  virtual caf::expected<Out> compute(const In& input) = 0;

private:
  caf::expected<caf::message> compute(const caf::message& input) final {
    if (!input.match_elements<In>())
      return make_error(errc::invalid_argument,
                        "compute worker '" + agent_name()
                            + "' got an input of the wrong type");
    auto result = compute(input.get_as<In>(0));
    if (!result)
      return std::move(result.error());
    return caf::make_message(std::move(*result));
  }
};

} // namespace troupe
