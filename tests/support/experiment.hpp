#pragma once

// Resource types and a fixture for the experiment tests: a deterministic
// controller on virtual time, with the node / interface / channel / app
// topology of NEPI's own tests.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "troupe/actors/controller.hpp"
#include "troupe/actors/monitor.hpp"
#include "troupe/actors/resource.hpp"
#include "troupe/messages/experiment.hpp"
#include "troupe/runtime/experiment/registry.hpp"
#include "troupe/runtime/testing.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/type_id.hpp>

namespace test {

/// A resource's own timer: step `step` of run `epoch` is over.
struct step_due {
  int32_t step = 0;
  uint64_t epoch = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, step_due& x) {
  return f(caf::meta::type_name("test::step_due"), x.step, x.epoch);
}

} // namespace test

CAF_BEGIN_TYPE_ID_BLOCK(troupe_test_experiment,
                        troupe::first_user_type_id + 100)
CAF_ADD_TYPE_ID(troupe_test_experiment, (test::step_due))
CAF_END_TYPE_ID_BLOCK(troupe_test_experiment)

namespace test {

using namespace std::chrono_literals;

/// Keys for attribute maps: `attrs({{"critical", false}})`.
inline troupe::attributes
attrs(std::initializer_list<std::pair<std::string, caf::config_value>> xs) {
  troupe::attributes result;
  for (auto& x : xs)
    result.emplace(x.first, x.second);
  return result;
}

/// A configurable resource: deploy takes `deploy_time`, release
/// `release_time` (0: at once); `run_time` > 0 stops it by itself after that
/// long; `fail_at` names a step that fails ("deploy", "start"); the first
/// `fail_starts` starts fail; `trace` is written to the trace "log" on
/// start. The "app" type also waits in deploy for its peers to be READY.
class sim_resource : public troupe::resource {
public:
  sim_resource(caf::actor_config& cfg, troupe::resource_setup setup)
      : resource(cfg, std::move(setup)) {
    declare_trace("log");
  }

  static std::vector<troupe::attribute_spec> attributes() {
    using troupe::attr_kind;
    auto zero = caf::config_value{caf::timespan{0}};
    return {
        {"deploy_time", attr_kind::duration, zero, false, ""},
        {"release_time", attr_kind::duration, zero, false, ""},
        {"run_time", attr_kind::duration, zero, false, ""},
        {"fail_at", attr_kind::string, caf::config_value{std::string{}}, false,
         ""},
        {"fail_starts", attr_kind::integer, caf::config_value{int64_t{0}},
         false, ""},
        {"trace", attr_kind::string, caf::config_value{std::string{}}, false,
         ""},
    };
  }

protected:
  enum steps : int32_t { deploy_step, release_step, run_step };

  void on_deploy() override {
    if (fails("deploy"))
      return;
    auto nodes = type() == "app" ? peers() : troupe::guid_list{};
    if (nodes.empty()) {
      finish_after(duration("deploy_time"), deploy_step);
      return;
    }
    wait_for(nodes, troupe::resource_state::ready, [this](const caf::error& e) {
      if (e)
        fail(troupe::to_text(e));
      else
        finish_after(duration("deploy_time"), deploy_step);
    });
  }

  void on_start() override {
    if (fails("start"))
      return;
    if (failed_starts_ < attr<int64_t>("fail_starts", 0)) {
      ++failed_starts_;
      fail("start failure " + std::to_string(failed_starts_));
      return;
    }
    auto text = attr<std::string>("trace", {});
    if (!text.empty())
      append_trace("log", text);
    done();
    auto run = duration("run_time");
    if (run.count() > 0)
      delayed_send(this, run, step_due{run_step, ++epoch_});
  }

  void on_stop() override {
    ++epoch_; // a pending end of run no longer applies
    done();
  }

  void on_release() override {
    finish_after(duration("release_time"), release_step);
  }

  caf::message_handler handlers() override {
    return {[this](const step_due& x) {
      if (x.epoch != epoch_)
        return;
      if (x.step == run_step)
        finished();
      else
        done();
    }};
  }

  void finish_after(caf::timespan d, int32_t step) {
    if (d.count() <= 0) {
      done();
      return;
    }
    delayed_send(this, d, step_due{step, ++epoch_});
  }

  caf::timespan duration(const std::string& key) const {
    return attr<caf::timespan>(key, caf::timespan{0});
  }

  bool fails(const std::string& step) {
    if (attr<std::string>("fail_at", {}) != step)
      return false;
    fail(step + " failed on purpose");
    return true;
  }

  uint64_t epoch_ = 0;
  int64_t failed_starts_ = 0;
};

/// NEPI's node: provisions, then waits for its interfaces READY; on
/// release waits until everything connected to it is RELEASED.
class node_resource : public sim_resource {
public:
  using sim_resource::sim_resource;

protected:
  void on_deploy() override {
    wait_for(peers("interface"), troupe::resource_state::ready,
             [this](const caf::error& e) {
               if (e)
                 fail(troupe::to_text(e));
               else
                 finish_after(duration("deploy_time"), deploy_step);
             });
  }

  void on_release() override {
    troupe::guid_list others;
    for (auto& p : peer_list())
      if (p.type != "node")
        others.push_back(p.guid);
    wait_for(others, troupe::resource_state::released,
             [this](const caf::error&) { done(); });
  }
};

/// NEPI's interface: waits for its node PROVISIONED and its channel READY,
/// then takes `deploy_time`.
class interface_resource : public sim_resource {
public:
  using sim_resource::sim_resource;

protected:
  void on_deploy() override {
    wait_for(peers("node"), troupe::resource_state::provisioned,
             [this](const caf::error& e) {
               if (e) {
                 fail(troupe::to_text(e));
                 return;
               }
               wait_for(peers("channel"), troupe::resource_state::ready,
                        [this](const caf::error& e) {
                          if (e)
                            fail(troupe::to_text(e));
                          else
                            finish_after(duration("deploy_time"), deploy_step);
                        });
             });
  }
};

/// "sim", "node", "interface", "channel", "app" (waits for its node) and
/// "broken" (its factory throws: the controller itself fails).
inline std::shared_ptr<const troupe::registry> experiment_types() {
  auto types
      = std::make_shared<troupe::registry>(troupe::registry::with_builtins());
  types->add_resource_type<sim_resource>("sim", "configurable",
                                         sim_resource::attributes());
  types->add_resource_type<sim_resource>("channel", "a channel",
                                         sim_resource::attributes());
  types->add_resource_type<sim_resource>("app", "an application",
                                         sim_resource::attributes());
  types->add_resource_type<node_resource>("node", "a node",
                                          sim_resource::attributes());
  types->add_resource_type<interface_resource>("interface", "an interface",
                                               sim_resource::attributes());
  troupe::resource_type_info broken;
  broken.name = "broken";
  broken.description = "cannot be spawned";
  broken.factory = [](caf::local_actor&, troupe::resource_setup) -> caf::actor {
    throw std::runtime_error("out of resource managers");
  };
  types->add(std::move(broken));
  types->add_config_step([](troupe::config& cfg) {
    cfg.add_message_types<caf::id_block::troupe_test_experiment>();
  });
  return types;
}

/// A controller on virtual time with the test types.
class experiment_fixture : public troupe::testing::fixture {
public:
  struct with_monitor {};

  experiment_fixture(troupe::experiment_options opts = {})
      : troupe::testing::fixture(
          [](troupe::config& cfg) { experiment_types()->configure(cfg); }),
        origin_(now().time_since_epoch().count()) {
    start(std::move(opts));
  }

  /// An experiment with a monitor (polls inline, on virtual time) whose
  /// critical alerts go to the failure manager, as in `troupe run`.
  explicit experiment_fixture(with_monitor)
      : troupe::testing::fixture(
          [](troupe::config& cfg) { experiment_types()->configure(cfg); }),
        origin_(now().time_since_epoch().count()) {
    auto hdl = troupe::spawn_monitor(rt());
    if (!hdl)
      throw std::runtime_error("monitor: " + troupe::to_text(hdl.error()));
    mon = *hdl;
    troupe::experiment_options opts;
    opts.monitor = caf::actor_cast<caf::actor>(mon);
    start(std::move(opts));
    caf::anon_send(mon, caf::put_atom::value, troupe::critical_atom::value,
                   caf::actor_cast<caf::actor>(fm));
    run();
  }

  void start(troupe::experiment_options opts) {
    if (!opts.types)
      opts.types = experiment_types();
    auto handles = troupe::spawn_experiment(rt(), std::move(opts));
    ctl = handles.controller;
    fm = handles.failures;
    run();
  }

  troupe::controller_actor ctl;
  troupe::failure_manager_actor fm;
  /// Set by `with_monitor`.
  troupe::monitor_actor mon;

  uint64_t add(const std::string& type, const std::string& name,
               troupe::attributes xs = {}, troupe::restart_policy rp = {}) {
    auto guid
        = request<uint64_t>(ctl, troupe::add_resource{type, name, xs, rp, {}});
    if (!guid)
      throw std::runtime_error("add " + name + ": "
                               + troupe::to_text(guid.error()));
    return *guid;
  }

  void connect(uint64_t a, uint64_t b) {
    if (auto err = request<void>(ctl, troupe::connect_resources{a, b}))
      throw std::runtime_error("connect: " + troupe::to_text(err));
  }

  void condition(troupe::resource_action action, troupe::guid_list targets,
                 troupe::guid_list after, troupe::resource_state state,
                 caf::timespan delay = caf::timespan{0}) {
    if (auto err = request<void>(
            ctl, troupe::add_condition{action, targets, after, state, delay}))
      throw std::runtime_error("condition: " + troupe::to_text(err));
  }

  uint64_t deploy(troupe::guid_list guids = {}, bool wait_all_ready = true) {
    auto group = request<uint64_t>(
        ctl, troupe::deploy_resources{guids, wait_all_ready, 0});
    if (!group)
      throw std::runtime_error("deploy: " + troupe::to_text(group.error()));
    return *group;
  }

  troupe::resource_info info(uint64_t guid) {
    auto x = request<troupe::resource_info>(ctl, troupe::get_resource{guid});
    if (!x)
      throw std::runtime_error("info: " + troupe::to_text(x.error()));
    return *x;
  }

  troupe::resource_state state(uint64_t guid) { return info(guid).state; }

  /// Milliseconds of virtual time from the fixture's start to when `guid`
  /// last entered `s`; -1 if never.
  int64_t at(uint64_t guid, troupe::resource_state s) {
    auto t = info(guid).times_ns[static_cast<size_t>(s)];
    return t < 0 ? -1 : ms(t);
  }

  troupe::failure_summary failures() {
    auto x = request<troupe::failure_summary>(fm, troupe::get_failures{});
    if (!x)
      throw std::runtime_error("failures: " + troupe::to_text(x.error()));
    return *x;
  }

  /// Sends a request whose answer may come much later (a wait, a
  /// shutdown); the answer lands in the returned slot.
  template <class... Ts>
  std::shared_ptr<std::optional<caf::error>> later(Ts... xs) {
    auto slot = std::make_shared<std::optional<caf::error>>();
    auto dest = ctl;
    sys().spawn([slot, dest, xs...](caf::event_based_actor* self) {
      self->request(dest, caf::infinite, xs...)
          .then([slot]() { *slot = caf::error{}; },
                [slot](caf::error& err) { *slot = std::move(err); });
    });
    run();
    return slot;
  }

  /// Virtual milliseconds since the fixture started.
  int64_t ms(int64_t ns) const { return (ns - origin_) / 1000000; }

  int64_t now_ms() const { return ms(now().time_since_epoch().count()); }

private:
  int64_t origin_;
};

} // namespace test
