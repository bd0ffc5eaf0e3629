// Two nodes driven by an experiment file: `troupe run` is the controller,
// a `troupe node` process hosts the resources placed on it. The file places
// a listener agent on the node "worker"; a sensor agent in the controller's
// process publishes numbered readings on a topic. Readings cross to the
// node because its listener subscribed there; the listener checks that
// they arrive in order and stops by itself after `count` of them, which
// ends the experiment (the sensor stops when its listener did).
//
//   two_nodes_experiment node --name worker --listen 127.0.0.1:4242
//       --secret-file cluster.key              (one line)
//   two_nodes_experiment run examples/two_nodes/experiment.toml
//
// (the address and secret file in experiment.toml must match the node's;
// run_experiment.sh starts a node on a free port and runs the file.)
//
// Both are the stock `troupe` command line with this example's agent types
// added: the node hosts them for placed resources, `run` accepts them.
//
// replay.toml does the same with recorded data: a `replay` resource placed
// on the node replays the shipped MCL logs there, and a record listener in
// the controller's process receives the records of one topic in order.

#include <memory>
#include <string>

#include "troupe/actors/agent.hpp"
#include "troupe/runtime/cli/cli.hpp"
#include "troupe/runtime/cluster/catalog.hpp"
#include "troupe/runtime/experiment/registry.hpp"

#include <caf/all.hpp>

// -- the message (the same on both nodes) -------------------------------------

struct sensor_reading {
  int64_t seq = 0;
  double value = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sensor_reading& x) {
  return f(caf::meta::type_name("sensor_reading"), x.seq, x.value);
}

CAF_BEGIN_TYPE_ID_BLOCK(two_nodes_experiment, troupe::first_user_type_id)
CAF_ADD_TYPE_ID(two_nodes_experiment, (sensor_reading))
CAF_END_TYPE_ID_BLOCK(two_nodes_experiment)

// -- the agents ---------------------------------------------------------------

/// Publishes a reading on `topic` every `period` until it is stopped.
class sensor : public troupe::agent {
public:
  sensor(caf::actor_config& cfg, std::string name,
         const troupe::attributes& attrs)
      : agent(cfg, std::move(name)),
        topic_(troupe::attr_or<std::string>(attrs, "topic", "readings")),
        period_(troupe::attr_or<caf::timespan>(attrs, "period",
                                               caf::timespan{20000000})) {
    // nop
  }

protected:
  troupe::handler_set handlers() override {
    return handle([this](caf::tick_atom) {
      ++seq_;
      publish(topic_, sensor_reading{seq_, 20.0 + 0.5 * seq_});
      delayed_send(this, period_, caf::tick_atom::value);
    });
  }

  void work() override { delayed_send(this, period_, caf::tick_atom::value); }

private:
  std::string topic_;
  caf::timespan period_;
  int64_t seq_ = 0;
};

/// Receives readings from `topic`; stops after `count` of them, or fails
/// if one arrives out of order (readings published before its subscription
/// reached the sensor's node are not sent there, so it starts at any
/// number).
class listener : public troupe::agent {
public:
  listener(caf::actor_config& cfg, std::string name,
           const troupe::attributes& attrs)
      : agent(cfg, std::move(name)),
        topic_(troupe::attr_or<std::string>(attrs, "topic", "readings")),
        count_(troupe::attr_or<int64_t>(attrs, "count", 5)) {
    // nop
  }

protected:
  void work() override {
    subscribe(topic_, [this](const sensor_reading& x) { on_reading(x); });
  }

private:
  void on_reading(const sensor_reading& x) {
    if (last_ != 0 && x.seq != last_ + 1) {
      quit(make_error(troupe::errc::bad_input,
                      "reading " + std::to_string(x.seq) + " after "
                          + std::to_string(last_)));
      return;
    }
    if (last_ == 0)
      first_ = x.seq;
    last_ = x.seq;
    if (++received_ == count_) {
      caf::aout(this) << agent_name() << ": " << received_
                      << " readings in order (" << first_ << " to " << last_
                      << ")" << std::endl;
      quit();
    }
  }

  std::string topic_;
  int64_t count_;
  int64_t first_ = 0;
  int64_t last_ = 0;
  int64_t received_ = 0;
};

/// Receives replayed records (`troupe::value` maps) from `topic`; stops after
/// `count` of them, or fails if a record's `field` does not grow.
class record_listener : public troupe::agent {
public:
  record_listener(caf::actor_config& cfg, std::string name,
                  const troupe::attributes& attrs)
      : agent(cfg, std::move(name)),
        topic_(troupe::attr_or<std::string>(attrs, "topic", "readings")),
        field_(troupe::attr_or<std::string>(attrs, "field", "data")),
        count_(troupe::attr_or<int64_t>(attrs, "count", 5)) {
    // nop
  }

protected:
  void work() override {
    subscribe(topic_, [this](const troupe::value& x) { on_record(x); });
  }

private:
  void on_record(const troupe::value& x) {
    auto* member = x.find(field_);
    if (member == nullptr) {
      quit(make_error(troupe::errc::bad_input,
                      topic_ + ": a record without '" + field_ + "'"));
      return;
    }
    auto current = member->to_double();
    if (received_ > 0 && current <= last_) {
      quit(make_error(troupe::errc::bad_input,
                      topic_ + ": " + std::to_string(current) + " after "
                          + std::to_string(last_)));
      return;
    }
    if (received_ == 0)
      first_ = current;
    last_ = current;
    if (++received_ == count_) {
      caf::aout(this) << agent_name() << ": " << received_ << " " << topic_
                      << " records in order (" << field_ << " " << first_
                      << " to " << last_ << ")" << std::endl;
      quit();
    }
  }

  std::string topic_;
  std::string field_;
  int64_t count_;
  double first_ = 0;
  double last_ = 0;
  int64_t received_ = 0;
};

// -- the command line ---------------------------------------------------------

int main(int argc, char** argv) {
  using troupe::attr_kind;
  auto types
      = std::make_shared<troupe::registry>(troupe::registry::with_builtins());
  types->add_agent_type<sensor>(
      "sensor", "publishes numbered readings",
      {{"topic", attr_kind::string, caf::config_value{std::string{"readings"}},
        false, "where to publish"},
       {"period", attr_kind::duration,
        caf::config_value{caf::timespan{20000000}}, false,
        "time between readings"}});
  types->add_agent_type<listener>(
      "listener", "checks the order of readings, stops after `count`",
      {{"topic", attr_kind::string, caf::config_value{std::string{"readings"}},
        false, "where to listen"},
       {"count", attr_kind::integer, caf::config_value{int64_t{5}}, false,
        "readings to receive before stopping"}});
  types->add_agent_type<record_listener>(
      "record_listener",
      "checks that replayed records grow in `field`, stops after `count`",
      {{"topic", attr_kind::string, caf::config_value{std::string{"readings"}},
        false, "where to listen"},
       {"field", attr_kind::string, caf::config_value{std::string{"data"}},
        false, "the member that grows from record to record"},
       {"count", attr_kind::integer, caf::config_value{int64_t{5}}, false,
        "records to receive before stopping"}});
  // Both roles need the message type (`run` configures the registry's steps,
  // and the catalog's once it joins nodes); the node hosts the agent types.
  types->add_config_step([](troupe::config& cfg) {
    cfg.add_message_types<caf::id_block::two_nodes_experiment>();
  });
  troupe::catalog::global()
      .add_message_types<caf::id_block::two_nodes_experiment>()
      .set_resource_types(types);
  return troupe::cli::main(argc, argv, types);
}
