#pragma once

// Messages and agents of the cluster tests, shared by the test node binary
// (tests/cluster/test_node.cpp) and the tests that act as its controller.

#include <cstdint>
#include <string>
#include <vector>

#include "troupe/actors/agent.hpp"
#include "troupe/actors/compute_worker.hpp"
#include "troupe/messages/cluster.hpp"
#include "troupe/runtime/cluster/catalog.hpp"

#include <caf/meta/type_name.hpp>
#include <caf/type_id.hpp>

#include "support/messages.hpp"

namespace test {

/// Asks an echo agent to answer `reply_to` by name.
struct probe {
  std::string reply_to;
  int32_t seq = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, probe& x) {
  return f(caf::meta::type_name("test::probe"), x.reply_to, x.seq);
}

/// An echo agent's answer.
struct echo_reply {
  std::string from;
  int32_t seq = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, echo_reply& x) {
  return f(caf::meta::type_name("test::echo_reply"), x.from, x.seq);
}

/// One message of a numbered topic stream.
struct tick {
  int64_t seq = 0;
  std::string origin;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tick& x) {
  return f(caf::meta::type_name("test::tick"), x.seq, x.origin);
}

/// What a recorder saw: how many ticks, whether in order without gaps per
/// origin, and the last sequence number.
struct recording {
  int64_t count = 0;
  bool in_order = true;
  int64_t last = -1;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, recording& x) {
  return f(caf::meta::type_name("test::recording"), x.count, x.in_order,
           x.last);
}

/// Asks a publisher agent to publish `count` ticks on `topic`.
struct publish_order {
  std::string topic;
  int64_t count = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, publish_order& x) {
  return f(caf::meta::type_name("test::publish_order"), x.topic, x.count);
}

/// Asks an agent to send a probe to another agent by name (a relay).
struct relay_order {
  std::string target;
  probe what;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, relay_order& x) {
  return f(caf::meta::type_name("test::relay_order"), x.target, x.what);
}

} // namespace test

CAF_BEGIN_TYPE_ID_BLOCK(troupe_cluster_test, troupe::first_user_type_id + 100)
CAF_ADD_TYPE_ID(troupe_cluster_test, (test::probe))
CAF_ADD_TYPE_ID(troupe_cluster_test, (test::echo_reply))
CAF_ADD_TYPE_ID(troupe_cluster_test, (test::tick))
CAF_ADD_TYPE_ID(troupe_cluster_test, (test::recording))
CAF_ADD_TYPE_ID(troupe_cluster_test, (test::publish_order))
CAF_ADD_TYPE_ID(troupe_cluster_test, (test::relay_order))
CAF_END_TYPE_ID_BLOCK(troupe_cluster_test)

namespace test {

using recording_atom = caf::atom_constant<caf::atom("recording")>;

/// Answers every probe by name: `echo_reply{own name, seq}` to
/// `probe.reply_to`. A `relay_order` makes it send a probe to another agent
/// by name (agent to agent across nodes).
class echo_agent : public troupe::agent {
public:
  using agent::agent;

protected:
  troupe::handler_set handlers() override {
    return handle(
        [this](const probe& p) {
          send_to(p.reply_to, echo_reply{agent_name(), p.seq});
        },
        [this](const relay_order& order) -> caf::result<void> {
          if (auto err = send_to(order.target, order.what))
            return err;
          return caf::unit;
        });
  }
};

/// Collects `echo_reply`s; answers `(recording_atom)` with them as a
/// `recording` of their sequence numbers.
class reply_collector : public troupe::agent {
public:
  using agent::agent;

protected:
  troupe::handler_set handlers() override {
    return handle(
        [this](const echo_reply& reply) {
          ++seen_.count;
          seen_.last = reply.seq;
        },
        [this](recording_atom) { return seen_; });
  }

private:
  recording seen_;
};

/// Subscribes to the topic given as parameter "topic" and checks that ticks
/// arrive in order, without gaps, per origin. Answers `(recording_atom)`.
/// With parameters "expect" (a count) and "notify" (a name), sends its
/// `recording` to `notify` once `expect` ticks arrived.
class recorder_agent : public troupe::agent {
public:
  recorder_agent(caf::actor_config& cfg, std::string name,
                 const troupe::agent_params& params)
      : agent(cfg, std::move(name)), topic_(params.at("topic")) {
    if (auto i = params.find("expect"); i != params.end())
      expect_ = std::stoll(i->second);
    if (auto i = params.find("notify"); i != params.end())
      notify_ = i->second;
  }

protected:
  troupe::handler_set handlers() override {
    return handle([this](recording_atom) { return seen_; });
  }

  void work() override {
    subscribe(topic_, [this](const tick& x) {
      auto& last = last_by_origin_.emplace(x.origin, -1).first->second;
      if (x.seq != last + 1)
        seen_.in_order = false;
      last = x.seq;
      seen_.last = x.seq;
      ++seen_.count;
      if (seen_.count == expect_ && !notify_.empty())
        send_to(notify_, seen_);
    });
  }

private:
  std::string topic_;
  int64_t expect_ = -1;
  std::string notify_;
  recording seen_;
  std::map<std::string, int64_t> last_by_origin_;
};

/// Publishes on order: `count` ticks numbered from 0, origin = own name.
class publisher_agent : public troupe::agent {
public:
  using agent::agent;

protected:
  troupe::handler_set handlers() override {
    return handle([this](const publish_order& order) {
      for (int64_t i = 0; i < order.count; ++i)
        publish(order.topic, tick{i, agent_name()});
      return order.count;
    });
  }
};

/// Squares numbers; 13 is refused with an error.
class square_worker : public troupe::typed_compute_worker<int32_t, int32_t> {
public:
  using typed_compute_worker::typed_compute_worker;

protected:
  caf::expected<int32_t> compute(const int32_t& x) override {
    if (x == 13)
      return troupe::make_error(troupe::errc::invalid_argument,
                                "13 is an unlucky number");
    return x * x;
  }
};

/// Registers the test messages and agents with a catalog.
inline void register_cluster_test_types(troupe::catalog& cat) {
  cat.add_message_types<caf::id_block::troupe_test>()
      .add_message_types<caf::id_block::troupe_cluster_test>()
      .add_agent<echo_agent>("echo")
      .add_agent<reply_collector>("collector")
      .add_agent<recorder_agent>("recorder")
      .add_agent<publisher_agent>("publisher")
      .add_agent<square_worker>("square");
}

} // namespace test
