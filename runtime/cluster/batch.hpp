#pragma once

// The wire format of topic traffic between nodes. A forwarder appends topic
// deliveries to a `batch_encoder` and ships `topic_batch`es; the sink on the
// other node decodes them with a `batch_decoder`.
//
// Per message, `topic_batch::data` holds: the index of its topic in
// `topics` (varint), the index of its payload signature in `signatures`
// shifted left by one, with bit 0 set when a deadline follows (varint), the
// deadline (int64, big endian, only when set), the payload's length in bytes
// (uint32, big endian) and each payload element as CAF serializes it. Type
// names travel once per batch and signature instead of once per message (CAF's
// own message format), which is most of what makes a batch cheaper than sending
// each message on its own.

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "troupe/messages/cluster.hpp"

#include <caf/actor_system.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/error.hpp>
#include <caf/message.hpp>
#include <caf/type_erased_tuple.hpp>
#include <caf/type_erased_value.hpp>

namespace troupe::detail {

/// Builds topic batches. Not thread-safe; one per forwarder.
class batch_encoder {
public:
  /// `reserve`: bytes to reserve for each batch up front.
  explicit batch_encoder(caf::actor_system& sys, size_t reserve = 64 * 1024);

  /// Appends a delivery `(topic_header, payload...)` for `topic`; `key` is
  /// any small number that identifies the topic within this encoder's life
  /// (the local topic ID). Error `invalid_argument` if `delivery` is not a
  /// topic delivery or a payload type has no registered name.
  caf::error append(uint32_t key, const std::string& topic,
                    const caf::type_erased_tuple& delivery);

  /// Messages in the open batch.
  uint32_t count() const noexcept { return batch_.count; }

  /// Approximate size of the open batch in bytes.
  size_t bytes() const noexcept { return batch_.data.size(); }

  bool empty() const noexcept { return batch_.count == 0; }

  /// Closes the open batch with sequence number `seq` and starts a new one.
  topic_batch take(uint64_t seq);

private:
  using rtti = std::pair<uint16_t, const std::type_info*>;

  uint32_t topic_index(uint32_t key, const std::string& topic);

  caf::expected<uint32_t>
  signature_index(const caf::type_erased_tuple& delivery);

  caf::actor_system& sys_;
  size_t reserve_;
  topic_batch batch_;
  /// Topic key -> index in `batch_.topics` + 1 (0: not in this batch).
  std::vector<uint32_t> topics_;
  std::vector<uint32_t> used_keys_;
  /// Known payload signatures: types and name.
  std::vector<std::pair<std::vector<rtti>, std::string>> signatures_;
  /// Signature (index in `signatures_`) -> index in `batch_.signatures` + 1.
  std::vector<uint32_t> batch_signatures_;
  std::vector<rtti> scratch_;
  size_t last_signature_ = 0;
};

/// Turns topic batches back into deliveries. Not thread-safe; one per sink.
class batch_decoder {
public:
  explicit batch_decoder(caf::actor_system& sys);

  /// Decodes `batch`, calling `deliver(topic_index, message)` for every
  /// message in order; `message` is `(topic_header{0, deadline},
  /// payload...)`, ready for the receiver to set its own topic ID. Messages
  /// whose payload types are unknown here are skipped and counted in
  /// `skipped`. Error `bad_input` on malformed data; the messages before it
  /// were delivered.
  template <class F>
  caf::error decode(const topic_batch& batch, F deliver);

  /// Messages skipped because a payload type is not registered here,
  /// keyed by signature.
  const std::unordered_map<std::string, uint64_t>& skipped() const noexcept {
    return skipped_;
  }

private:
  struct signature {
    std::vector<caf::type_erased_value_ptr> prototypes;
    bool known = true;
  };

  const signature& resolve(const std::string& name);

  caf::error decode_one(const char*& pos, const char* end,
                        const topic_batch& batch, uint32_t& topic,
                        caf::message& result, bool& skip);

  caf::actor_system& sys_;
  std::unordered_map<std::string, signature> signatures_;
  std::unordered_map<std::string, uint64_t> skipped_;
};

template <class F>
caf::error batch_decoder::decode(const topic_batch& batch, F deliver) {
  const char* pos = batch.data.data();
  const char* end = pos + batch.data.size();
  for (uint32_t i = 0; i < batch.count; ++i) {
    uint32_t topic = 0;
    caf::message msg;
    bool skip = false;
    if (auto err = decode_one(pos, end, batch, topic, msg, skip))
      return err;
    if (!skip)
      deliver(topic, std::move(msg));
  }
  return caf::none;
}

} // namespace troupe::detail
