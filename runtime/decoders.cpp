#include "troupe/runtime/decoders.hpp"

#include <mutex>

namespace troupe {

std::shared_ptr<const decoder_table::erased>
decoder_table::find(const std::string& topic, const std::string& type) const {
  std::shared_lock<std::shared_mutex> guard{mtx_};
  auto i = by_name_.find(topic);
  if (i == by_name_.end())
    i = by_name_.find(type);
  return i != by_name_.end() ? i->second : nullptr;
}

void decoder_table::add_erased(std::string name, erased fn) {
  std::unique_lock<std::shared_mutex> guard{mtx_};
  by_name_[std::move(name)] = std::make_shared<const erased>(std::move(fn));
  version_.fetch_add(1, std::memory_order_release);
}

} // namespace troupe
