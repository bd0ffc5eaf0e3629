#include "troupe/runtime/detail/topic_table.hpp"

#include <algorithm>

#include <caf/message_id.hpp>

namespace troupe::detail {

// -- topic_entry --------------------------------------------------------------

topic_entry::topic_entry(uint32_t id, std::string name,
                         const topic_table* owner)
    : id_(id),
      name_(std::move(name)),
      owner_(owner),
      subscribers_(std::make_shared<const subscriber_list>()) {
  // nop
}

bool topic_entry::add(const caf::actor& who) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    auto& current = *subscribers_;
    if (std::find(current.begin(), current.end(), who) != current.end())
      return false;
    auto next = std::make_shared<subscriber_list>(current);
    next->push_back(who);
    subscribers_ = std::move(next);
    version_.fetch_add(1, std::memory_order_release);
  }
  if (owner_ != nullptr)
    owner_->notify(*this);
  return true;
}

bool topic_entry::remove(const caf::actor_addr& who) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    auto& current = *subscribers_;
    auto pred = [&](const caf::actor& x) {
      return x.address() == who;
    };
    auto i = std::find_if(current.begin(), current.end(), pred);
    if (i == current.end())
      return false;
    auto next = std::make_shared<subscriber_list>();
    next->reserve(current.size() - 1);
    std::copy_if(current.begin(), current.end(), std::back_inserter(*next),
                 [&](const caf::actor& x) { return !pred(x); });
    subscribers_ = std::move(next);
    version_.fetch_add(1, std::memory_order_release);
  }
  if (owner_ != nullptr)
    owner_->notify(*this);
  return true;
}

subscriber_snapshot topic_entry::snapshot() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return subscribers_;
}

void topic_entry::clear() {
  std::lock_guard<std::mutex> guard{mtx_};
  subscribers_ = std::make_shared<const subscriber_list>();
  version_.fetch_add(1, std::memory_order_release);
}

size_t topic_entry::subscriber_count() const {
  return snapshot()->size();
}

// -- topic_table --------------------------------------------------------------

void topic_table::set_observer(observer fn) {
  std::lock_guard<std::mutex> guard{observer_mtx_};
  if (fn)
    observer_ = std::make_shared<const observer>(std::move(fn));
  else
    observer_.reset();
}

void topic_table::notify(const topic_entry& entry) const {
  std::shared_ptr<const observer> fn;
  {
    std::lock_guard<std::mutex> guard{observer_mtx_};
    fn = observer_;
  }
  if (fn)
    (*fn)(entry);
}

topic_entry& topic_table::intern(const std::string& name) {
  {
    std::shared_lock<std::shared_mutex> guard{mtx_};
    auto i = by_name_.find(name);
    if (i != by_name_.end())
      return *i->second;
  }
  std::unique_lock<std::shared_mutex> guard{mtx_};
  auto i = by_name_.find(name);
  if (i != by_name_.end())
    return *i->second;
  auto id = static_cast<uint32_t>(by_id_.size() + 1);
  by_id_.emplace_back(std::make_unique<topic_entry>(id, name, this));
  auto* entry = by_id_.back().get();
  by_name_.emplace(name, entry);
  return *entry;
}

topic_entry* topic_table::find(const std::string& name) const {
  std::shared_lock<std::shared_mutex> guard{mtx_};
  auto i = by_name_.find(name);
  return i != by_name_.end() ? i->second : nullptr;
}

topic_entry* topic_table::find(uint32_t id) const {
  std::shared_lock<std::shared_mutex> guard{mtx_};
  if (id == 0 || id > by_id_.size())
    return nullptr;
  return by_id_[id - 1].get();
}

size_t topic_table::remove_everywhere(const caf::actor_addr& who) {
  size_t result = 0;
  for (auto* entry : entries())
    if (entry->remove(who))
      ++result;
  return result;
}

void topic_table::clear_subscribers() {
  set_observer(observer{});
  for (auto* entry : entries())
    entry->clear();
}

std::vector<topic_entry*> topic_table::entries() const {
  std::shared_lock<std::shared_mutex> guard{mtx_};
  std::vector<topic_entry*> result;
  result.reserve(by_id_.size());
  for (auto& ptr : by_id_)
    result.push_back(ptr.get());
  return result;
}

// -- topic_cache --------------------------------------------------------------

const topic_cache::view& topic_cache::lookup(topic_table& table,
                                             const std::string& name) {
  auto i = views_.find(name);
  if (i == views_.end()) {
    auto& entry = table.intern(name);
    view fresh;
    fresh.topic = &entry;
    fresh.version = entry.version();
    fresh.subscribers = entry.snapshot();
    i = views_.emplace(name, std::move(fresh)).first;
    return i->second;
  }
  auto& cached = i->second;
  auto version = cached.topic->version();
  if (version != cached.version) {
    cached.version = version;
    cached.subscribers = cached.topic->snapshot();
  }
  return cached;
}

// -- free functions -----------------------------------------------------------

size_t deliver(const subscriber_list& subscribers,
               const caf::strong_actor_ptr& sender, caf::execution_unit* host,
               const caf::message& msg) {
  for (auto& subscriber : subscribers)
    subscriber->enqueue(sender, caf::make_message_id(), msg, host);
  return subscribers.size();
}

} // namespace troupe::detail
