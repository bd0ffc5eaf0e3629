#include "troupe/runtime/detail/name_table.hpp"

#include <algorithm>
#include <mutex>

namespace troupe::detail {

void name_table::set_observer(observer fn) {
  std::unique_lock<std::shared_mutex> guard{mtx_};
  if (fn)
    observer_ = std::make_shared<const observer>(std::move(fn));
  else
    observer_.reset();
}

void name_table::notify(const std::shared_ptr<const observer>& fn,
                        const std::string& name, const caf::actor& handle,
                        bool added) const {
  if (fn && handle)
    (*fn)(name, handle, added);
}

bool name_table::try_insert(const std::string& name, caf::actor handle) {
  std::shared_ptr<const observer> fn;
  {
    std::unique_lock<std::shared_mutex> guard{mtx_};
    auto [i, added] = map_.emplace(name, handle);
    if (!added)
      return false;
    version_.fetch_add(1, std::memory_order_release);
    fn = observer_;
  }
  notify(fn, name, handle, true);
  return true;
}

void name_table::assign(const std::string& name, caf::actor handle) {
  std::shared_ptr<const observer> fn;
  caf::actor previous;
  {
    std::unique_lock<std::shared_mutex> guard{mtx_};
    auto& slot = map_[name];
    previous = std::move(slot);
    slot = handle;
    version_.fetch_add(1, std::memory_order_release);
    fn = observer_;
  }
  if (previous != handle) {
    notify(fn, name, previous, false);
    notify(fn, name, handle, true);
  }
}

bool name_table::erase(const std::string& name, const caf::actor_addr& who) {
  return erase_if(name,
                  [&](const caf::actor& x) { return x.address() == who; });
}

bool name_table::erase(const std::string& name) {
  return erase_if(name, [](const caf::actor&) { return true; });
}

template <class Predicate>
bool name_table::erase_if(const std::string& name, Predicate pred) {
  std::shared_ptr<const observer> fn;
  caf::actor previous;
  {
    std::unique_lock<std::shared_mutex> guard{mtx_};
    auto i = map_.find(name);
    if (i == map_.end() || !pred(i->second))
      return false;
    previous = std::move(i->second);
    map_.erase(i);
    version_.fetch_add(1, std::memory_order_release);
    fn = observer_;
  }
  notify(fn, name, previous, false);
  return true;
}

caf::actor name_table::find(const std::string& name) const {
  std::shared_lock<std::shared_mutex> guard{mtx_};
  auto i = map_.find(name);
  return i != map_.end() ? i->second : caf::actor{};
}

std::vector<std::string> name_table::names() const {
  std::vector<std::string> result;
  {
    std::shared_lock<std::shared_mutex> guard{mtx_};
    result.reserve(map_.size());
    for (auto& kvp : map_)
      if (kvp.second)
        result.emplace_back(kvp.first);
  }
  std::sort(result.begin(), result.end());
  return result;
}

size_t name_table::size() const {
  std::shared_lock<std::shared_mutex> guard{mtx_};
  return map_.size();
}

void name_table::clear() {
  std::unique_lock<std::shared_mutex> guard{mtx_};
  map_.clear();
  observer_.reset();
  version_.fetch_add(1, std::memory_order_release);
}

const caf::actor& name_cache::lookup(const name_table& table,
                                     const std::string& name) {
  // Read the version before the table: a concurrent change then at worst
  // makes the next lookup refresh once more.
  auto version = table.version();
  if (last_ != entries_.end() && last_->first == name
      && last_->second.version == version)
    return last_->second.handle;
  auto i = entries_.find(name);
  if (i == entries_.end()) {
    if (entries_.size() >= max_entries)
      clear();
    i = entries_.emplace(name, entry{caf::actor{}, version - 1}).first;
  }
  last_ = i;
  if (i->second.version != version)
    i->second = entry{table.find(name), version};
  return i->second.handle;
}

} // namespace troupe::detail
