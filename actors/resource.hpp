#pragma once

#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "troupe/messages/errors.hpp"
#include "troupe/messages/experiment.hpp"
#include "troupe/runtime/experiment/registry.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/message_handler.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

namespace troupe {

/// What the controller sends a resource manager.
using resource_actor = caf::typed_actor<
    /// Performs an action (see `resource_command`); refused with
    /// `wrong_state` when the state does not allow it.
    caf::replies_to<resource_command>::with<void>,
    /// Sets an attribute (already checked by the controller).
    caf::replies_to<set_attribute>::with<void>, caf::reacts_to<peer_added>,
    /// FAILED -> NEW before a restart.
    caf::replies_to<reset_resource>::with<void>, caf::reacts_to<fail_resource>,
    caf::replies_to<read_trace>::with<trace_data>,
    caf::replies_to<list_traces>::with<std::vector<std::string>>>;

/// Whether a resource in `state` (running a step when `busy`) accepts
/// `action`: start only from READY or STOPPED, stop only from STARTED,
/// deploy only from NEW, release from anything but RELEASED. Error
/// `wrong_state` naming `name` otherwise.
caf::error check_action(const std::string& name, resource_state state,
                        resource_action action, bool busy);

/// Base class of resource managers (NEPI's ResourceManager). One actor per
/// resource; its state machine is NEW -> DISCOVERED -> PROVISIONED -> READY
/// -> STARTED -> STOPPED -> RELEASED, or FAILED. A subclass overrides the
/// hooks it needs; each hook ends its step by calling `done()`, at once or
/// later (after a message, a timer or a `wait_for` answer), or `fail(why)`.
/// The defaults finish at once. Every state change reaches the controller
/// as a `resource_update`.
///
/// Register a subclass with `registry::add_resource_type<T>(name, ...)`;
/// its constructor takes `(caf::actor_config&, resource_setup)`. The
/// manager stops when the controller does; if it stops on its own before
/// RELEASED, the controller counts the resource as FAILED.
class resource : public caf::event_based_actor {
public:
  using super = caf::event_based_actor;

  resource(caf::actor_config& cfg, resource_setup setup);

  ~resource() override;

  const char* name() const override;

  uint64_t guid() const noexcept { return guid_; }

  const std::string& resource_name() const noexcept { return name_; }

  const std::string& type() const noexcept { return type_; }

  resource_state state() const noexcept { return state_; }

protected:
  // -- hooks ----------------------------------------------------------------

  /// Finds the resource to use (NEW -> DISCOVERED).
  virtual void on_discover();

  /// Makes it usable (DISCOVERED -> PROVISIONED).
  virtual void on_provision();

  /// Configures it (PROVISIONED -> READY).
  virtual void on_deploy();

  /// READY or STOPPED -> STARTED.
  virtual void on_start();

  /// STARTED -> STOPPED.
  virtual void on_stop();

  /// Any state -> RELEASED: frees what the resource holds. A pending step is
  /// dropped first.
  virtual void on_release();

  /// Handlers for messages of the subclass's own (e.g. from a helper
  /// thread). Consulted before the built-in ones.
  virtual caf::message_handler handlers();

  /// A monitored actor other than the controller went down (the manager
  /// stops by itself when the controller does).
  virtual void on_down(const caf::down_msg& msg);

  // -- ending steps ---------------------------------------------------------

  /// Ends the running step successfully. Ignored when no step runs.
  void done();

  /// Fails the resource (any state but RELEASED): state FAILED, `why` goes
  /// to the controller and from there to the failure manager.
  void fail(std::string why);

  /// A STARTED resource finished on its own (e.g. its process exited with
  /// status 0): state STOPPED.
  void finished();

  /// Whether a step (hook) is running.
  bool busy() const noexcept { return step_ != step::none; }

  // -- peers and attributes -------------------------------------------------

  /// Asks the controller to answer once every resource in `guids` reached
  /// `state`; runs `then` with `caf::none` or with the error (e.g. a
  /// critical peer FAILED, the experiment aborted). Nothing polls.
  void wait_for(guid_list guids, resource_state target,
                std::function<void(const caf::error&)> then);

  /// The connected resources, optionally only those of `type`.
  guid_list peers(const std::string& type = {}) const;

  const std::vector<resource_peer>& peer_list() const noexcept {
    return peers_;
  }

  const attributes& attrs() const noexcept { return attrs_; }

  /// A normalized attribute (see `attr_kind`) or `fallback`.
  template <class T>
  T attr(const std::string& key, T fallback) const {
    return attr_or<T>(attrs_, key, std::move(fallback));
  }

  /// The runtime owning the experiment (for spawning agents).
  troupe::runtime* rt() const noexcept { return rt_; }

  /// The set-up (its `attrs` and `peers` moved to `attrs()` and
  /// `peer_list()`).
  const resource_setup& setup() const noexcept { return setup_; }

  // -- traces ---------------------------------------------------------------

  /// Appends to a named trace (created on first use).
  void append_trace(const std::string& trace, const std::string& data);

  /// Declares a trace so that it is listed before anything is written.
  void declare_trace(const std::string& trace);

private:
  enum class step : uint8_t {
    none,
    discover,
    provision,
    deploy,
    start,
    stop,
    release
  };

  /// Within a built-in handler, the updates it causes leave as one message
  /// when the handler ends (before its answer).
  struct batch_guard {
    explicit batch_guard(resource* self) : self(self) {
      self->batching_ = true;
    }
    ~batch_guard() {
      self->batching_ = false;
      if (self->dirty_)
        self->flush();
    }
    resource* self;
  };

  struct trace_file {
    std::string content;
    std::string path;
    std::unique_ptr<std::ofstream> out;
  };

  caf::behavior make_behavior() final;

  void on_exit() final;

  caf::result<void> handle(const resource_command& cmd);

  /// Runs the hook of `next` (catching anything it throws).
  void run_step(step next);

  void enter(resource_state next);

  void notify();

  void flush();

  trace_data query(const read_trace& what);

  resource_setup setup_;
  uint64_t guid_;
  std::string name_;
  std::string type_;
  attributes attrs_;
  std::vector<resource_peer> peers_;
  caf::actor controller_;
  troupe::runtime* rt_;
  resource_state state_ = resource_state::new_;
  std::vector<int64_t> times_;
  std::string error_;
  step step_ = step::none;
  /// Bumped whenever a step ends, so that late `wait_for` answers of an
  /// older step are dropped.
  uint64_t step_epoch_ = 0;
  /// Inside a built-in handler: updates are sent once at its end.
  bool batching_ = false;
  bool dirty_ = false;
  /// In `on_exit`: hooks run only to free what they hold.
  bool exiting_ = false;
  std::map<std::string, trace_file> traces_;
};

} // namespace troupe
