#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <utility>

#include "troupe/messages/core.hpp"
#include "troupe/messages/errors.hpp"
#include "troupe/messages/value.hpp"

#include <caf/expected.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>
#include <caf/type_id.hpp>

namespace troupe {

/// Decoders from replayed dynamic values to users' C++ types, by topic or
/// by message type name. A replayed record whose topic (or else type) has a
/// decoder reaches subscribers as that type; otherwise as `troupe::value`.
/// Thread-safe; reached through `runtime::decoders()`.
class decoder_table {
public:
  /// Builds the delivery `(header, T)` from a value.
  using erased = std::function<caf::expected<caf::message>(const topic_header&,
                                                           value&&)>;

  /// Registers `fn : const value& -> caf::expected<T>` (or `T`) for records
  /// on topic `name` or of message type `name`; replaces an earlier one.
  template <class T, class F>
  void add(std::string name, F fn) {
    static_assert(caf::has_type_id<T>::value,
                  "a decoder's result type needs a type ID: add it to a "
                  "CAF_BEGIN_TYPE_ID_BLOCK(..., troupe::first_user_type_id) "
                  "block and register the block on troupe::config");
    add_erased(std::move(name),
               [fn{std::move(fn)}](const topic_header& hdr,
                                   value&& x) -> caf::expected<caf::message> {
                 caf::expected<T> result = fn(static_cast<const value&>(x));
                 if (!result)
                   return std::move(result.error());
                 return caf::make_message(hdr, std::move(*result));
               });
  }

  /// The decoder for `topic`, else for `type`; nullptr if neither has one.
  std::shared_ptr<const erased> find(const std::string& topic,
                                     const std::string& type) const;

  /// Changes whenever a decoder is added (lets users of `find` cache).
  uint64_t version() const noexcept {
    return version_.load(std::memory_order_acquire);
  }

private:
  void add_erased(std::string name, erased fn);

  mutable std::shared_mutex mtx_;
  std::map<std::string, std::shared_ptr<const erased>> by_name_;
  std::atomic<uint64_t> version_{0};
};

} // namespace troupe
