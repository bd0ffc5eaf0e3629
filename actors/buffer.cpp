#include "troupe/actors/buffer.hpp"

#include <algorithm>
#include <deque>
#include <utility>
#include <vector>

#include "troupe/messages/errors.hpp"
#include "troupe/runtime/detail/record_stream.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

namespace troupe {

namespace {

/// Fails the waiting request `id` in `waiting` (if still there) with a
/// timeout error whose text `why` makes; returns whether it was there.
template <class Waiting, class MakeText>
bool expire(Waiting& waiting, uint64_t id, MakeText why) {
  for (auto i = waiting.begin(); i != waiting.end(); ++i)
    if (i->id == id) {
      i->promise.deliver(make_error(errc::timeout, why()));
      waiting.erase(i);
      return true;
    }
  return false;
}

/// Kept bad records (all are counted; the list is for reports).
constexpr size_t max_kept_bad = 1000;

/// Spent payloads kept for reuse, at most (see `buffer_pull::spent`).
constexpr size_t max_pooled = 4096;

/// Payloads larger than this are freed rather than kept for reuse.
constexpr size_t max_pooled_bytes = 4096;

std::string seconds_text(caf::timespan d) {
  if (d == buffer_options::never)
    return "never";
  return detail::format_seconds(d.count(), 1) + " s";
}

size_t footprint(const record& x) {
  auto text = [](const std::string& s) {
    return s.capacity() > 15 ? s.capacity() : 0;
  };
  return sizeof(record) + text(x.topic) + text(x.type) + x.payload.footprint()
         - sizeof(value);
}

struct pending_pull {
  uint64_t id;
  uint32_t max;
  caf::typed_response_promise<record_batch> promise;
};

struct pending_ready {
  uint64_t id;
  caf::typed_response_promise<buffer_status> promise;
};

/// The buffer's store: records in read order, in chunks of up to one slice.
/// Records are read in place into their slot and a pull that takes a whole
/// chunk takes its vector, so a record is not moved between reading and
/// serving, and the slots need no allocation of their own.
class record_store {
public:
  size_t size() const noexcept { return count_; }

  bool empty() const noexcept { return count_ == 0; }

  /// A fresh slot at the back, in a chunk of at most `chunk` records; keep
  /// it with `commit` or give it up with `discard` before anything else.
  record& open_slot(size_t chunk) {
    if (chunks_.empty() || chunks_.back().records.size() >= chunk) {
      chunks_.emplace_back();
      chunks_.back().records.reserve(chunk);
    }
    return chunks_.back().records.emplace_back();
  }

  /// Keeps the slot last opened, which holds `bytes`.
  void commit(size_t bytes) {
    auto& c = chunks_.back();
    c.bytes.push_back(bytes);
    c.remaining_bytes += bytes;
    ++count_;
  }

  /// Drops the slot last opened and returns its payload (for its memory).
  value discard() {
    auto& c = chunks_.back();
    auto result = std::move(c.records.back().payload);
    c.records.pop_back();
    if (c.records.empty())
      chunks_.pop_back();
    return result;
  }

  /// Moves up to `max` records from the front to the back of `out`;
  /// returns their bytes.
  uint64_t take(size_t max, std::vector<record>& out) {
    uint64_t result = 0;
    while (max > 0 && count_ > 0) {
      auto& c = chunks_.front();
      auto available = c.records.size() - c.head;
      if (c.head == 0 && out.empty() && available <= max) {
        out = std::move(c.records);
        result += c.remaining_bytes;
      } else {
        available = std::min(available, max);
        out.reserve(out.size() + available);
        for (size_t i = 0; i < available; ++i, ++c.head) {
          out.push_back(std::move(c.records[c.head]));
          result += c.bytes[c.head];
          c.remaining_bytes -= c.bytes[c.head];
        }
      }
      max -= available;
      count_ -= available;
      if (c.records.empty() || c.head == c.records.size())
        chunks_.pop_front();
    }
    return result;
  }

  void clear() {
    chunks_.clear();
    count_ = 0;
  }

private:
  struct chunk {
    std::vector<record> records;
    /// Each record's size, computed once.
    std::vector<uint64_t> bytes;
    uint64_t remaining_bytes = 0;
    /// Records before this one were taken.
    size_t head = 0;
  };

  std::deque<chunk> chunks_;
  size_t count_ = 0;
};

struct buffer_state {
  std::shared_ptr<record_source> source;
  buffer_options opts;
  record_store store;
  uint64_t stored_bytes = 0;
  bool running = false;
  bool ready = false;
  bool exhausted = false;
  bool filling = false;
  caf::error failure;
  uint64_t records_read = 0;
  uint64_t records_served = 0;
  uint64_t peak_stored = 0;
  uint64_t bad_count = 0;
  std::vector<bad_record> bad;
  std::vector<pending_pull> pulls;
  std::vector<pending_ready> readies;
  /// Payloads of handled records whose memory the next reads reuse: the
  /// reader then allocates nothing, and nothing allocated here is freed on
  /// another thread (which contends for the allocator's lock).
  std::vector<value> pool;
  uint64_t next_id = 1;
  static inline const char* name = "troupe.buffer";

  bool full() const {
    return store.size() >= opts.max_records || stored_bytes >= opts.max_bytes;
  }

  buffer_status status() const {
    buffer_status result;
    result.running = running;
    result.ready = ready;
    result.data_pending = !exhausted;
    result.stored = store.size();
    result.stored_bytes = stored_bytes;
    result.records_read = records_read;
    result.records_served = records_served;
    result.peak_stored = peak_stored;
    result.bad_count = bad_count;
    result.bytes_read = source->bytes_read();
    result.bytes_total = source->bytes_total();
    result.bad_records = bad;
    return result;
  }

  void note_bad(bad_record why) {
    ++bad_count;
    if (bad.size() < max_kept_bad)
      bad.push_back(why);
    if (opts.stop_on_bad) {
      failure = make_error(errc::bad_input, why.file + ":"
                                                + std::to_string(why.line)
                                                + ": " + why.reason);
      exhausted = true;
    }
  }

  /// Takes back the payloads of handled replay batches for reuse.
  void recycle(std::vector<caf::message>& spent) {
    for (auto& msg : spent) {
      // Only a batch nobody else holds may be taken apart.
      if (msg.size() != 1 || !msg.match_element<replay_batch>(0)
          || !msg.cvals()->unique())
        continue;
      for (auto& item : msg.get_mutable_as<replay_batch>(0).items) {
        if (pool.size() >= max_pooled)
          break;
        auto& payload = item.payload;
        if (payload.items().capacity() > 0
            && payload.footprint() <= max_pooled_bytes)
          pool.push_back(std::move(payload));
      }
    }
    spent.clear();
  }

  /// Keeps `payload`'s memory for the next reads.
  void keep(value&& payload) {
    if (payload.items().capacity() > 0 && pool.size() < max_pooled)
      pool.push_back(std::move(payload));
  }

  /// Reads up to one slice; returns whether more reading is useful.
  bool read_slice() {
    bad_record why;
    for (uint32_t i = 0; i < opts.slice && !full() && !exhausted; ++i) {
      auto& slot = store.open_slot(opts.slice);
      if (!pool.empty()) {
        slot.payload = std::move(pool.back());
        pool.pop_back();
      }
      auto result = source->next(slot, why);
      if (result == record_source::result::record) {
        ++records_read;
        auto bytes = footprint(slot);
        stored_bytes += bytes;
        store.commit(bytes);
        continue;
      }
      keep(store.discard());
      if (result == record_source::result::end)
        exhausted = true;
      else
        note_bad(std::move(why));
    }
    peak_stored = std::max<uint64_t>(peak_stored, store.size());
    if (full() || exhausted)
      ready = true;
    return running && !full() && !exhausted;
  }

  record_batch take(uint32_t max) {
    record_batch result;
    auto before = store.size();
    stored_bytes -= store.take(max, result.records);
    records_served += before - store.size();
    result.exhausted = exhausted && store.empty() && !failure;
    return result;
  }

  /// Answers what can be answered.
  void serve() {
    while (!pulls.empty()) {
      auto& front = pulls.front();
      if (!store.empty() || (exhausted && !failure)) {
        front.promise.deliver(take(front.max));
      } else if (failure) {
        front.promise.deliver(failure);
      } else {
        break;
      }
      pulls.erase(pulls.begin());
    }
    if (ready) {
      for (auto& waiter : readies)
        waiter.promise.deliver(status());
      readies.clear();
    }
  }
};

using buffer_pointer = buffer_actor::stateful_pointer<buffer_state>;

void keep_filling(buffer_pointer self) {
  auto& st = self->state;
  if (st.running && !st.filling && !st.full() && !st.exhausted) {
    st.filling = true;
    self->send(self, buffer_fill{});
  }
}

buffer_actor::behavior_type buffer_impl(buffer_pointer self,
                                        std::shared_ptr<record_source> source,
                                        buffer_options opts) {
  self->state.source = std::move(source);
  self->state.opts = opts;
  return {
      [self](buffer_start) {
        auto& st = self->state;
        if (st.running)
          return false;
        st.running = true;
        keep_filling(self);
        return true;
      },
      [self](buffer_stop) {
        auto& st = self->state;
        if (!st.running)
          return false;
        st.running = false;
        return true;
      },
      [self](buffer_reset) -> caf::result<bool> {
        auto& st = self->state;
        st.running = false;
        st.store.clear();
        st.pool.clear();
        st.stored_bytes = 0;
        st.ready = false;
        st.exhausted = false;
        st.failure = caf::error{};
        st.bad.clear();
        st.bad_count = 0;
        for (auto& pull : st.pulls)
          pull.promise.deliver(
              make_error(errc::wrong_state, "the buffer was reset"));
        st.pulls.clear();
        if (auto err = st.source->rewind())
          return err;
        return true;
      },
      [self](buffer_pull& pull) -> caf::result<record_batch> {
        auto& st = self->state;
        st.recycle(pull.spent);
        if (pull.max == 0)
          return make_error(errc::invalid_argument, "pull of 0 records");
        if (st.pulls.empty() && (!st.store.empty() || st.exhausted)) {
          if (st.store.empty() && st.failure)
            return st.failure;
          auto result = st.take(pull.max);
          keep_filling(self);
          return result;
        }
        auto id = st.next_id++;
        auto promise = self->make_response_promise<record_batch>();
        st.pulls.push_back(pending_pull{id, pull.max, promise});
        if (st.opts.pop_timeout != buffer_options::never)
          self->delayed_send(self, st.opts.pop_timeout, buffer_timeout{id});
        keep_filling(self);
        return promise;
      },
      [self](buffer_query) { return self->state.status(); },
      [self](buffer_await_ready) -> caf::result<buffer_status> {
        auto& st = self->state;
        if (st.ready)
          return st.status();
        auto id = st.next_id++;
        auto promise = self->make_response_promise<buffer_status>();
        st.readies.push_back(pending_ready{id, promise});
        if (st.opts.ready_timeout != buffer_options::never)
          self->delayed_send(self, st.opts.ready_timeout, buffer_timeout{id});
        return promise;
      },
      [self](buffer_fill) {
        auto& st = self->state;
        st.filling = false;
        if (!st.running)
          return;
        st.read_slice();
        st.serve();
        keep_filling(self);
      },
      [self](buffer_timeout timeout) {
        auto& st = self->state;
        auto not_running = st.running ? "" : "; the buffer is not running";
        if (expire(st.pulls, timeout.id, [&] {
              return "buffer: no record arrived within "
                     + seconds_text(st.opts.pop_timeout) + " after "
                     + std::to_string(st.records_served)
                     + " served; raise pop_timeout (current value "
                     + seconds_text(st.opts.pop_timeout) + ")" + not_running;
            }))
          return;
        expire(st.readies, timeout.id, [&] {
          return "buffer not ready (full or exhausted) within "
                 + seconds_text(st.opts.ready_timeout) + " with "
                 + std::to_string(st.store.size()) + " of "
                 + std::to_string(st.opts.max_records)
                 + " records stored; raise ready_timeout (current value "
                 + seconds_text(st.opts.ready_timeout) + ")" + not_running;
        });
      },
  };
}

} // namespace

caf::error validate(const buffer_options& opts) {
  if (opts.max_records == 0)
    return make_error(errc::invalid_argument,
                      "read-ahead (max_records) must be a positive integer");
  if (opts.max_bytes == 0)
    return make_error(errc::invalid_argument,
                      "read-ahead bytes (max_bytes) must be positive");
  if (opts.slice == 0)
    return make_error(errc::invalid_argument, "slice must be positive");
  if (opts.pop_timeout.count() <= 0 || opts.ready_timeout.count() <= 0)
    return make_error(errc::invalid_argument,
                      "buffer timeouts must be positive (or never)");
  return caf::none;
}

buffer_actor spawn_buffer(caf::actor_system& sys,
                          std::shared_ptr<record_source> source,
                          buffer_options opts, bool detached) {
  if (detached)
    return sys.spawn<caf::detached>(buffer_impl, std::move(source), opts);
  return sys.spawn(buffer_impl, std::move(source), opts);
}

} // namespace troupe
