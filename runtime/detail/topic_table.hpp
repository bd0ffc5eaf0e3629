#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "troupe/messages/core.hpp"

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/execution_unit.hpp>
#include <caf/message.hpp>
#include <caf/type_erased_tuple.hpp>

namespace troupe::detail {

using subscriber_list = std::vector<caf::actor>;

using subscriber_snapshot = std::shared_ptr<const subscriber_list>;

class topic_table;

/// One topic. Entries are never deleted, so publishers may keep plain
/// pointers to them. The subscriber list is copy-on-write: a publisher holds
/// a snapshot and delivers without any lock.
class topic_entry {
public:
  /// `owner` (optional) is told about every change of the subscribers.
  topic_entry(uint32_t id, std::string name,
              const topic_table* owner = nullptr);

  uint32_t id() const noexcept { return id_; }

  const std::string& name() const noexcept { return name_; }

  /// Adds `who` unless present; returns whether it was added.
  bool add(const caf::actor& who);

  /// Removes `who`; returns whether it was present.
  bool remove(const caf::actor_addr& who);

  subscriber_snapshot snapshot() const;

  /// Drops every subscriber.
  void clear();

  size_t subscriber_count() const;

  uint64_t version() const noexcept {
    return version_.load(std::memory_order_acquire);
  }

  /// Counts published messages (all publishers, relaxed).
  void count_published(uint64_t n = 1) noexcept {
    published_.fetch_add(n, std::memory_order_relaxed);
  }

  uint64_t published() const noexcept {
    return published_.load(std::memory_order_relaxed);
  }

private:
  uint32_t id_;
  std::string name_;
  const topic_table* owner_;
  mutable std::mutex mtx_;
  subscriber_snapshot subscribers_;
  std::atomic<uint64_t> version_{0};
  std::atomic<uint64_t> published_{0};
};

/// Interns topic names into stable entries with small numeric IDs (IDs start
/// at 1 and are local to one runtime).
class topic_table {
public:
  /// Told, after the fact, that the subscribers of a topic changed. Runs on
  /// the thread that changed them, outside any lock of the table.
  using observer = std::function<void(const topic_entry&)>;

  /// Installs (or, with an empty function, removes) the observer. The
  /// cluster uses it to tell other nodes which topics have subscribers here.
  void set_observer(observer fn);

  /// Calls the observer, if any (used by the entries).
  void notify(const topic_entry& entry) const;

  /// Returns the entry for `name`, creating it on first use.
  topic_entry& intern(const std::string& name);

  /// Returns the entry or nullptr.
  topic_entry* find(const std::string& name) const;

  /// Returns the entry or nullptr.
  topic_entry* find(uint32_t id) const;

  /// Removes `who` from every topic; returns how many lists changed.
  size_t remove_everywhere(const caf::actor_addr& who);

  /// Drops every subscriber of every topic (entries stay valid) and the
  /// observer, without telling it.
  void clear_subscribers();

  /// Returns all entries in ID order.
  std::vector<topic_entry*> entries() const;

private:
  mutable std::shared_mutex mtx_;
  mutable std::mutex observer_mtx_;
  std::shared_ptr<const observer> observer_;
  std::unordered_map<std::string, topic_entry*> by_name_;
  std::deque<std::unique_ptr<topic_entry>> by_id_;
};

/// A publisher's private view of topics: a hit costs one hash lookup and
/// one atomic load. Not thread-safe: one per actor.
class topic_cache {
public:
  struct view {
    topic_entry* topic = nullptr;
    uint64_t version = 0;
    subscriber_snapshot subscribers;
  };

  const view& lookup(topic_table& table, const std::string& name);

  /// Drops every cached snapshot.
  void clear() { views_.clear(); }

private:
  std::unordered_map<std::string, view> views_;
};

/// Whether `xs` is a topic delivery `(topic_header, payload...)`. Cheap
/// enough for every message of a hot path.
inline bool is_topic_delivery(const caf::type_erased_tuple& xs) noexcept {
  if (xs.empty())
    return false;
  auto rtti = xs.type(0);
  if (rtti.first != 0 || rtti.second == nullptr)
    return false; // a builtin type (atom, number, string, ...)
  static const std::type_info& expected = typeid(topic_header);
  if (rtti.second == &expected)
    return true;
  // Same type from another shared object: compare mangled names, but only
  // when the first letter already agrees (it rarely does for other types).
  auto* name = rtti.second->name();
  return name[0] == expected.name()[0] && *rtti.second == expected;
}

/// Enqueues `msg` to every subscriber; returns the number of deliveries.
size_t deliver(const subscriber_list& subscribers,
               const caf::strong_actor_ptr& sender, caf::execution_unit* host,
               const caf::message& msg);

} // namespace troupe::detail
