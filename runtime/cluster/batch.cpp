#include "troupe/runtime/cluster/batch.hpp"

#include "troupe/messages/errors.hpp"
#include "troupe/runtime/detail/topic_table.hpp"

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/deep_to_string.hpp>
#include <caf/detail/dynamic_message_data.hpp>
#include <caf/make_type_erased_value.hpp>
#include <caf/type_nr.hpp>

namespace troupe::detail {

namespace {

constexpr uint32_t not_in_batch = 0;

// The per-message framing is written and read by hand: one CAF serializer
// call per field costs an error object each, which showed up in profiles.

void put_varint(std::vector<char>& out, size_t x) {
  while (x > 0x7F) {
    out.push_back(static_cast<char>((x & 0x7F) | 0x80));
    x >>= 7;
  }
  out.push_back(static_cast<char>(x));
}

void put_u32(std::vector<char>& out, size_t at, uint32_t x) {
  for (int i = 3; i >= 0; --i) {
    out[at + static_cast<size_t>(i)] = static_cast<char>(x & 0xFF);
    x >>= 8;
  }
}

void put_i64(std::vector<char>& out, int64_t value) {
  auto x = static_cast<uint64_t>(value);
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((x >> shift) & 0xFF));
}

/// Reads framing fields from a batch; fails (returns false) at the end.
struct reader {
  const char* pos;
  const char* end;

  bool varint(size_t& x) {
    x = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      if (pos == end)
        return false;
      auto byte = static_cast<uint8_t>(*pos++);
      x |= static_cast<size_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0)
        return true;
    }
    return false;
  }

  bool fixed(uint64_t& x, int bytes) {
    if (end - pos < bytes)
      return false;
    x = 0;
    for (int i = 0; i < bytes; ++i)
      x = (x << 8) | static_cast<uint8_t>(*pos++);
    return true;
  }
};

/// A topic delivery decoded from a batch: the header inline and up to
/// `max_payload` payload values, in one object. CAF's generic
/// dynamic_message_data would allocate the header and an element vector
/// too, per message.
class delivery_data final : public caf::detail::message_data {
public:
  static constexpr size_t max_payload = 4;

  explicit delivery_data(topic_header header) : header_(header) {
    token_ = caf::add_to_type_token(0xFFFFFFFF, 0);
  }

  delivery_data(const delivery_data& other)
      : message_data(other),
        header_(other.header_),
        size_(other.size_),
        token_(other.token_) {
    for (size_t i = 0; i < size_; ++i)
      payload_[i] = other.payload_[i]->copy();
  }

  void append(caf::type_erased_value_ptr x) {
    token_ = caf::add_to_type_token(token_, x->type().first);
    payload_[size_++] = std::move(x);
  }

  message_data* copy() const override { return new delivery_data(*this); }

  void* get_mutable(size_t pos) override {
    return pos == 0 ? &header_ : payload_[pos - 1]->get_mutable();
  }

  caf::error load(size_t pos, caf::deserializer& source) override {
    return pos == 0 ? source(header_) : payload_[pos - 1]->load(source);
  }

  size_t size() const noexcept override { return size_ + 1; }

  uint32_t type_token() const noexcept override { return token_; }

  caf::rtti_pair type(size_t pos) const noexcept override {
    return pos == 0 ? caf::rtti_pair{0, &typeid(topic_header)}
                    : payload_[pos - 1]->type();
  }

  const void* get(size_t pos) const noexcept override {
    return pos == 0 ? &header_ : payload_[pos - 1]->get();
  }

  std::string stringify(size_t pos) const override {
    return pos == 0 ? caf::deep_to_string(header_)
                    : payload_[pos - 1]->stringify();
  }

  caf::type_erased_value_ptr copy(size_t pos) const override {
    return pos == 0 ? caf::make_type_erased_value<topic_header>(header_)
                    : payload_[pos - 1]->copy();
  }

  caf::error save(size_t pos, caf::serializer& sink) const override {
    if (pos == 0) {
      auto header = header_;
      return sink(header);
    }
    return payload_[pos - 1]->save(sink);
  }

private:
  topic_header header_;
  size_t size_ = 0;
  uint32_t token_ = 0xFFFFFFFF;
  caf::type_erased_value_ptr payload_[max_payload];
};

} // namespace

// -- batch_encoder ------------------------------------------------------------

batch_encoder::batch_encoder(caf::actor_system& sys, size_t reserve)
    : sys_(sys), reserve_(reserve) {
  batch_.data.reserve(reserve_);
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
  // Mostly the same signature as the message before.
  size_t known = signatures_.size();
  if (last_signature_ < signatures_.size()
      && signatures_[last_signature_].first == scratch_)
    known = last_signature_;
  for (size_t i = 0; known == signatures_.size() && i < signatures_.size(); ++i)
    if (signatures_[i].first == scratch_)
      known = i;
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
  last_signature_ = known;
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
  auto& buf = batch_.data;
  auto rollback = buf.size();
  size_t topic_idx = topic_index(key, topic);
  put_varint(buf, topic_idx);
  put_varint(buf, (size_t{*sig} << 1) | (deadline != 0 ? 1u : 0u));
  if (deadline != 0)
    put_i64(buf, deadline);
  // The payload's length goes in front of it so that a node that does not
  // know a payload type can skip that message and read on.
  auto length_at = buf.size();
  buf.resize(length_at + 4);
  caf::binary_serializer sink{sys_, buf};
  caf::error err;
  for (size_t i = 1; !err && i < delivery.size(); ++i)
    err = delivery.save(i, sink);
  if (err) {
    buf.resize(rollback);
    return make_error(errc::invalid_argument, "cannot serialize a message on '"
                                                  + topic
                                                  + "': " + to_text(err));
  }
  put_u32(buf, length_at, static_cast<uint32_t>(buf.size() - length_at - 4));
  ++batch_.count;
  return caf::none;
}

topic_batch batch_encoder::take(uint64_t seq) {
  topic_batch result;
  std::swap(result, batch_);
  // One allocation per batch instead of a dozen as the buffer doubles;
  // below glibc's mmap threshold, so no system call either.
  batch_.data.reserve(reserve_);
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

caf::error batch_decoder::decode_one(const char*& pos, const char* end,
                                     const topic_batch& batch, uint32_t& topic,
                                     caf::message& result, bool& skip) {
  auto malformed = [&](const std::string& why) {
    return make_error(errc::bad_input, "malformed topic batch "
                                           + std::to_string(batch.seq) + ": "
                                           + why);
  };
  reader in{pos, end};
  size_t topic_idx = 0;
  size_t code = 0;
  if (!in.varint(topic_idx) || !in.varint(code))
    return malformed("truncated message header");
  auto sig_idx = code >> 1;
  if (topic_idx >= batch.topics.size() || sig_idx >= batch.signatures.size())
    return malformed("index out of range");
  topic_header header;
  uint64_t deadline = 0;
  if ((code & 1) != 0) {
    if (!in.fixed(deadline, 8))
      return malformed("truncated deadline");
    header.deadline_ns = static_cast<int64_t>(deadline);
  }
  uint64_t length = 0;
  if (!in.fixed(length, 4) || length > static_cast<uint64_t>(in.end - in.pos))
    return malformed("truncated payload");
  auto payload = in.pos;
  pos = in.pos + length;
  auto& sig = resolve(batch.signatures[sig_idx]);
  if (!sig.known) {
    skipped_[batch.signatures[sig_idx]] += 1;
    skip = true;
    return caf::none;
  }
  caf::binary_deserializer source{sys_, payload, static_cast<size_t>(length)};
  if (sig.prototypes.size() > delivery_data::max_payload) {
    // Rare: a payload of many elements takes the generic path.
    caf::detail::dynamic_message_data::elements values;
    values.push_back(caf::make_type_erased_value<topic_header>(header));
    for (auto& proto : sig.prototypes) {
      auto value = proto->copy();
      if (auto err = value->load(source))
        return malformed("cannot read a '" + batch.signatures[sig_idx]
                         + "' payload: " + to_text(err));
      values.push_back(std::move(value));
    }
    if (source.remaining() != 0)
      return malformed("a '" + batch.signatures[sig_idx]
                       + "' payload has the wrong length");
    auto data = caf::make_counted<caf::detail::dynamic_message_data>(
        std::move(values));
    result = caf::message{caf::message::data_ptr{std::move(data)}};
  } else {
    auto data = caf::make_counted<delivery_data>(header);
    for (auto& proto : sig.prototypes) {
      auto value = proto->copy();
      if (auto err = value->load(source))
        return malformed("cannot read a '" + batch.signatures[sig_idx]
                         + "' payload: " + to_text(err));
      data->append(std::move(value));
    }
    if (source.remaining() != 0)
      return malformed("a '" + batch.signatures[sig_idx]
                       + "' payload has the wrong length");
    result = caf::message{caf::message::data_ptr{std::move(data)}};
  }
  topic = static_cast<uint32_t>(topic_idx);
  skip = false;
  return caf::none;
}

} // namespace troupe::detail
