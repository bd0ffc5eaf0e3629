#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "troupe/messages/cluster.hpp"
#include "troupe/runtime/cluster/batch.hpp"

#include <caf/actor.hpp>
#include <caf/event_based_actor.hpp>

namespace troupe {

namespace detail {
struct runtime_state;
} // namespace detail

/// Limits of one forwarder.
struct forwarder_limits {
  /// Batches sent and not yet acknowledged by the peer's sink.
  size_t window = 8;
  /// A batch is closed at this many messages ...
  size_t batch_messages = 4096;
  /// ... or at this many bytes.
  size_t batch_bytes = 256 * 1024;
  /// Messages waiting for credit before the peer counts as unable to keep
  /// up: the forwarder then stops with `errc::node_lost` and the node
  /// drops the peer. Bounds memory whatever the publishers do.
  size_t backlog = 1000000;
};

/// Forwards this node's topic messages to one peer, in batches and in
/// publishing order. The node actor subscribes it, in the shared topic
/// table, to exactly the topics the peer has subscribers for, so publishers
/// deliver to it like to any local subscriber (one enqueue). Flow control:
/// at most `window` batches are in flight; while the peer's sink has not
/// acknowledged, messages collect in the open batch and then in closed ones
/// up to `backlog` messages. Messages delivered by the local topic sink
/// (they came from another node) are not forwarded again.
///
/// Dynamically typed: it receives every payload type published on the
/// topics it forwards. Besides topic deliveries it understands
/// `batch_ack` (from the peer's sink) and `caf::flush_atom` (from itself,
/// after each burst of deliveries).
class topic_forwarder : public caf::event_based_actor {
public:
  topic_forwarder(caf::actor_config& cfg, std::string peer,
                  caf::actor peer_sink, caf::actor local_sink,
                  forwarder_limits limits);

  const char* name() const override { return "troupe.topic_forwarder"; }

  /// Handles one topic delivery (called by the behavior).
  void on_delivery(const caf::type_erased_tuple& content);

protected:
  caf::behavior make_behavior() override;

private:
  void on_ack(uint64_t seq);

  void on_flush();

  /// Closes the open batch, if any.
  void close_batch();

  /// Sends closed batches while there is credit.
  void pump();

  const std::string& topic_name(uint32_t id);

  std::string peer_;
  caf::actor peer_sink_;
  caf::strong_actor_ptr local_sink_;
  forwarder_limits limits_;
  std::shared_ptr<detail::runtime_state> state_;
  detail::batch_encoder encoder_;
  std::deque<topic_batch> ready_;
  size_t ready_messages_ = 0;
  size_t in_flight_ = 0;
  uint64_t next_seq_ = 1;
  bool flush_scheduled_ = false;
  bool overloaded_ = false;
  /// Topic names by local topic ID.
  std::vector<std::string> names_;
  uint64_t dropped_ = 0;
};

} // namespace troupe
