#include "troupe/actors/buffer.hpp"

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

/// Kept bad records (all are counted; the list is for reports).
constexpr size_t max_kept_bad = 1000;

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

/// A stored record with its size, computed once.
struct stored_record {
  record rec;
  size_t bytes;
};

struct buffer_state {
  std::shared_ptr<record_source> source;
  buffer_options opts;
  std::deque<stored_record> store;
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

  /// Reads up to one slice; returns whether more reading is useful.
  bool read_slice() {
    record rec;
    bad_record why;
    for (uint32_t i = 0; i < opts.slice && !full() && !exhausted; ++i) {
      switch (source->next(rec, why)) {
        case record_source::result::end: exhausted = true; break;
        case record_source::result::bad: note_bad(std::move(why)); break;
        case record_source::result::record: {
          ++records_read;
          auto bytes = footprint(rec);
          stored_bytes += bytes;
          store.push_back(stored_record{std::move(rec), bytes});
        }
      }
    }
    peak_stored = std::max<uint64_t>(peak_stored, store.size());
    if (full() || exhausted)
      ready = true;
    return running && !full() && !exhausted;
  }

  record_batch take(uint32_t max) {
    record_batch result;
    auto n = std::min<size_t>(max, store.size());
    result.records.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      stored_bytes -= store.front().bytes;
      result.records.push_back(std::move(store.front().rec));
      store.pop_front();
    }
    records_served += n;
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
      [self](buffer_pull pull) -> caf::result<record_batch> {
        auto& st = self->state;
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
        for (auto i = st.pulls.begin(); i != st.pulls.end(); ++i) {
          if (i->id != timeout.id)
            continue;
          i->promise.deliver(make_error(
              errc::timeout,
              "buffer: no record arrived within "
                  + seconds_text(st.opts.pop_timeout) + " after "
                  + std::to_string(st.records_served)
                  + " served; raise pop_timeout (current value "
                  + seconds_text(st.opts.pop_timeout) + ")"
                  + (st.running ? "" : "; the buffer is not running")));
          st.pulls.erase(i);
          return;
        }
        for (auto i = st.readies.begin(); i != st.readies.end(); ++i) {
          if (i->id != timeout.id)
            continue;
          i->promise.deliver(make_error(
              errc::timeout,
              "buffer not ready (full or exhausted) within "
                  + seconds_text(st.opts.ready_timeout) + " with "
                  + std::to_string(st.store.size()) + " of "
                  + std::to_string(st.opts.max_records)
                  + " records stored; raise ready_timeout (current value "
                  + seconds_text(st.opts.ready_timeout) + ")"
                  + (st.running ? "" : "; the buffer is not running")));
          st.readies.erase(i);
          return;
        }
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
