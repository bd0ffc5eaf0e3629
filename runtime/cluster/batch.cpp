#include "troupe/runtime/cluster/batch.hpp"

#include "troupe/messages/errors.hpp"
#include "troupe/runtime/detail/topic_table.hpp"

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/detail/dynamic_message_data.hpp>
#include <caf/make_type_erased_value.hpp>

namespace troupe::detail {

namespace {

constexpr uint32_t not_in_batch = 0;

} // namespace

// -- batch_encoder ------------------------------------------------------------

batch_encoder::batch_encoder(caf::actor_system& sys) : sys_(sys) {
  // nop
}

uint32_t batch_encoder::topic_index(uint32_t key, const std::string& topic) {
  if (key >= topics_.size())
    topics_.resize(key + 1, not_in_batch);
  auto& slot = topics_[key];
  if (slot == not_in_batch) {
    batch_.topics.push_back(topic);
    slot = static_cast<uint32_t>(batch_.topics.size());
    used_keys_.push_back(key);
  }
  return slot - 1;
}

caf::expected<uint32_t>
batch_encoder::signature_index(const caf::type_erased_tuple& delivery) {
  scratch_.clear();
  for (size_t i = 1; i < delivery.size(); ++i)
    scratch_.push_back(delivery.type(i));
  size_t known = signatures_.size();
  for (size_t i = 0; i < signatures_.size(); ++i)
    if (signatures_[i].first == scratch_) {
      known = i;
      break;
    }
  if (known == signatures_.size()) {
    std::string name;
    auto& types = sys_.types();
    for (auto& x : scratch_) {
      auto& part = types.portable_name(x);
      if (part == types.default_type_name())
        return make_error(errc::invalid_argument,
                          std::string{"a payload type is not registered: "}
                              + (x.second ? x.second->name() : "?"));
      if (!name.empty())
        name += '+';
      name += part;
    }
    signatures_.emplace_back(scratch_, std::move(name));
  }
  if (known >= batch_signatures_.size())
    batch_signatures_.resize(known + 1, not_in_batch);
  auto& slot = batch_signatures_[known];
  if (slot == not_in_batch) {
    batch_.signatures.push_back(signatures_[known].second);
    slot = static_cast<uint32_t>(batch_.signatures.size());
  }
  return slot - 1;
}

caf::error batch_encoder::append(uint32_t key, const std::string& topic,
                                 const caf::type_erased_tuple& delivery) {
  if (delivery.size() < 2 || !is_topic_delivery(delivery))
    return make_error(errc::invalid_argument, "not a topic delivery");
  auto sig = signature_index(delivery);
  if (!sig)
    return std::move(sig.error());
  auto deadline = delivery.get_as<topic_header>(0).deadline_ns;
  auto rollback = batch_.data.size();
  caf::binary_serializer sink{sys_, batch_.data};
  size_t topic_idx = topic_index(key, topic);
  size_t code = (size_t{*sig} << 1) | (deadline != 0 ? 1u : 0u);
  auto err = caf::error::eval([&] { return sink.begin_sequence(topic_idx); },
                              [&] { return sink.begin_sequence(code); });
  if (!err && deadline != 0)
    err = sink(deadline);
  // The payload's length goes in front of it so that a node that does not
  // know a payload type can skip that message and read on.
  auto length_at = batch_.data.size();
  uint32_t length = 0;
  if (!err)
    err = sink(length);
  for (size_t i = 1; !err && i < delivery.size(); ++i)
    err = delivery.save(i, sink);
  if (err) {
    batch_.data.resize(rollback);
    return make_error(errc::invalid_argument, "cannot serialize a message on '"
                                                  + topic
                                                  + "': " + to_text(err));
  }
  length
      = static_cast<uint32_t>(batch_.data.size() - length_at - sizeof(length));
  sink.seek(length_at);
  sink(length);
  ++batch_.count;
  return caf::none;
}

topic_batch batch_encoder::take(uint64_t seq) {
  topic_batch result;
  std::swap(result, batch_);
  result.seq = seq;
  for (auto key : used_keys_)
    topics_[key] = not_in_batch;
  used_keys_.clear();
  std::fill(batch_signatures_.begin(), batch_signatures_.end(), not_in_batch);
  return result;
}

// -- batch_decoder ------------------------------------------------------------

batch_decoder::batch_decoder(caf::actor_system& sys) : sys_(sys) {
  // nop
}

const batch_decoder::signature&
batch_decoder::resolve(const std::string& name) {
  auto i = signatures_.find(name);
  if (i != signatures_.end())
    return i->second;
  signature sig;
  size_t first = 0;
  while (first <= name.size()) {
    auto last = name.find('+', first);
    if (last == std::string::npos)
      last = name.size();
    auto proto = sys_.types().make_value(name.substr(first, last - first));
    if (!proto) {
      sig.known = false;
      sig.prototypes.clear();
      break;
    }
    sig.prototypes.push_back(std::move(proto));
    first = last + 1;
  }
  return signatures_.emplace(name, std::move(sig)).first->second;
}

caf::error batch_decoder::decode_one(caf::binary_deserializer& source,
                                     const topic_batch& batch, uint32_t& topic,
                                     caf::message& result, bool& skip) {
  auto malformed = [&](const std::string& why) {
    return make_error(errc::bad_input, "malformed topic batch "
                                           + std::to_string(batch.seq) + ": "
                                           + why);
  };
  size_t topic_idx = 0;
  size_t code = 0;
  if (source.begin_sequence(topic_idx) || source.begin_sequence(code))
    return malformed("truncated message header");
  auto sig_idx = code >> 1;
  if (topic_idx >= batch.topics.size() || sig_idx >= batch.signatures.size())
    return malformed("index out of range");
  topic_header header;
  if ((code & 1) != 0 && source(header.deadline_ns))
    return malformed("truncated deadline");
  uint32_t length = 0;
  if (source(length) || length > source.remaining())
    return malformed("truncated payload");
  auto& sig = resolve(batch.signatures[sig_idx]);
  if (!sig.known) {
    skipped_[batch.signatures[sig_idx]] += 1;
    source.skip(length);
    skip = true;
    return caf::none;
  }
  auto before = source.remaining();
  caf::detail::dynamic_message_data::elements values;
  values.reserve(sig.prototypes.size() + 1);
  values.push_back(caf::make_type_erased_value<topic_header>(header));
  for (auto& proto : sig.prototypes) {
    auto value = proto->copy();
    if (auto err = value->load(source))
      return malformed("cannot read a '" + batch.signatures[sig_idx]
                       + "' payload: " + to_text(err));
    values.push_back(std::move(value));
  }
  if (before - source.remaining() != length)
    return malformed("a '" + batch.signatures[sig_idx]
                     + "' payload has the wrong length");
  topic = static_cast<uint32_t>(topic_idx);
  skip = false;
  auto data
      = caf::make_counted<caf::detail::dynamic_message_data>(std::move(values));
  result = caf::message{caf::message::data_ptr{std::move(data)}};
  return caf::none;
}

} // namespace troupe::detail
