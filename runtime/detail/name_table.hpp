#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>

namespace troupe::detail {

/// Name -> actor map of one runtime. Writers are rare (registration and
/// exit); readers are every `send_to`, so readers keep a `name_cache` that
/// only falls back to this table when the table's version moved.
class name_table {
public:
  /// Told about every change after it happened: `name` now maps to
  /// `handle` (`added`), or the entry `name` -> `handle` was removed. Runs on
  /// the thread that changed the table, outside its lock.
  using observer = std::function<void(const std::string& name,
                                      const caf::actor& handle, bool added)>;

  /// Installs (or, with an empty function, removes) the observer. The
  /// cluster uses it to tell other nodes about local names.
  void set_observer(observer fn);

  /// Inserts `name`; returns false when the name is taken. An invalid
  /// `handle` reserves the name (lookups then find nothing) until `assign`.
  bool try_insert(const std::string& name, caf::actor handle);

  /// Points a reserved name (inserted with an invalid handle) or a taken one
  /// at `handle`.
  void assign(const std::string& name, caf::actor handle);

  /// Removes `name` if it still maps to `who`.
  bool erase(const std::string& name, const caf::actor_addr& who);

  /// Removes `name` whatever it maps to.
  bool erase(const std::string& name);

  /// Returns the actor or an invalid handle.
  caf::actor find(const std::string& name) const;

  /// Returns all names, sorted.
  std::vector<std::string> names() const;

  size_t size() const;

  /// Drops every entry and the observer (the runtime does this once all
  /// actors are done, so no handle outlives the actor system). Tells no
  /// observer.
  void clear();

  /// Changes whenever an entry is added or removed.
  uint64_t version() const noexcept {
    return version_.load(std::memory_order_acquire);
  }

private:
  /// Removes `name` if `pred` holds for its actor; tells the observer.
  template <class Predicate>
  bool erase_if(const std::string& name, Predicate pred);

  void notify(const std::shared_ptr<const observer>& fn,
              const std::string& name, const caf::actor& handle,
              bool added) const;

  mutable std::shared_mutex mtx_;
  std::unordered_map<std::string, caf::actor> map_;
  std::atomic<uint64_t> version_{0};
  /// Read under `mtx_` by writers only, so lookups never touch it.
  std::shared_ptr<const observer> observer_;
};

/// A reader's private cache over a `name_table`: a hit costs one atomic load
/// and one hash lookup, no lock. Not thread-safe: one per actor.
class name_cache {
public:
  name_cache() = default;

  name_cache(const name_cache&) = delete;

  name_cache& operator=(const name_cache&) = delete;

  /// Drops every cached handle.
  void clear() {
    entries_.clear();
    last_ = entries_.end();
  }

  /// The reference stays valid until the next call.
  const caf::actor& lookup(const name_table& table, const std::string& name);

private:
  struct entry {
    caf::actor handle;
    uint64_t version;
  };

  using map_type = std::unordered_map<std::string, entry>;

  /// Bounds the cache when callers address many distinct names.
  static constexpr size_t max_entries = 4096;

  map_type entries_;

  /// The entry of the previous lookup: agents mostly talk to the same peer
  /// many times in a row, and comparing one short string is cheaper than
  /// hashing it.
  map_type::iterator last_ = entries_.end();
};

} // namespace troupe::detail
