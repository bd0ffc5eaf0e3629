// The replay engine's publishing half: routes (filters, remaps, decoders),
// subscribers' credit, deliveries now or through the timing thread, and
// acknowledgements.

#include <algorithm>

#include "troupe/actors/agent.hpp"
#include "troupe/runtime/detail/replay_engine.hpp"
#include "troupe/runtime/detail/runtime_state.hpp"
#include "troupe/runtime/log.hpp"

namespace troupe::detail {

namespace {

/// Handled batches kept for the buffer's next pull, at most.
constexpr size_t max_spent = 128;

int64_t ns_of(caf::actor_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             t.time_since_epoch())
      .count();
}

} // namespace

const replay_engine::route& replay_engine::route_of(const record& rec) {
  const auto& name = rec.topic.empty() ? rec.type : rec.topic;
  auto i = routes_.find(name);
  if (i == routes_.end()) {
    route r;
    r.pass = !name.empty();
    if (r.pass && !opts_.topics.empty())
      r.pass = std::find(opts_.topics.begin(), opts_.topics.end(), name)
               != opts_.topics.end();
    if (r.pass && include_)
      r.pass = std::regex_search(name, *include_);
    if (r.pass && exclude_)
      r.pass = !std::regex_search(name, *exclude_);
    auto remap = remaps_.find(name);
    r.name = remap != remaps_.end() ? remap->second : name;
    i = routes_.emplace(name, std::move(r)).first;
  }
  auto& r = i->second;
  // Decoders may be registered while a replay runs.
  auto version = host_.shared().decoders.version();
  if (r.pass && r.decoder_version != version) {
    r.decoder = host_.shared().decoders.find(name, rec.type);
    r.decoder_version = version;
  }
  return r;
}

bool replay_engine::accept(const record& rec) {
  if (!start_point_)
    start_point_ = rec.elapsed_ns + opts_.start_offset_ns;
  if (rec.elapsed_ns < *start_point_)
    return false;
  if (skip_before_ != no_time && rec.elapsed_ns < skip_before_)
    return false;
  auto end = no_time;
  if (opts_.until_ns != no_time)
    end = opts_.until_ns;
  if (opts_.duration_ns != no_time) {
    auto by_duration = *start_point_ + opts_.duration_ns;
    end = end == no_time ? by_duration : std::min(end, by_duration);
  }
  if (end != no_time && rec.elapsed_ns > end) {
    exhausted_ = true; // records come in time order: nothing later fits
    return false;
  }
  return !exhausted_;
}

replay_engine::subscriber& replay_engine::subscriber_of(const caf::actor& who) {
  auto i = subscribers_.find(who.address());
  if (i == subscribers_.end()) {
    subscriber s;
    s.handle = who;
    // Agents acknowledge replayed batches (credit); other actors get
    // plain deliveries without flow control.
    s.is_agent
        = dynamic_cast<agent*>(caf::actor_cast<caf::abstract_actor*>(who))
          != nullptr;
    i = subscribers_.emplace(who.address(), std::move(s)).first;
    host_.watch(who);
  }
  return i->second;
}

bool replay_engine::publish(record& rec, time_point due, time_point now) {
  auto& r = route_of(rec);
  if (!r.pass) {
    ++filtered_;
    return true;
  }
  auto& view = topics_.lookup(host_.shared().topics, r.name);
  auto& subs = *view.subscribers;
  if (!opts_.drop_when_slow) {
    auto blocked = [this](const subscriber& s) {
      return s.is_agent && s.in_flight >= opts_.window;
    };
    bool stall = tap_ != nullptr && blocked(*tap_);
    for (auto& who : subs)
      stall = stall || blocked(subscriber_of(who));
    if (stall) {
      if (!stalled_since_)
        stalled_since_ = now;
      ask_for_acks(true);
      return false;
    }
  }
  if (stalled_since_) {
    // The replay waited for a slow subscriber: count it and shift the
    // schedule, so the records after it keep their spacing.
    auto waited = now - *stalled_since_;
    stall_ns_ += waited.count();
    ref_time_ += waited;
    stalled_since_.reset();
  }
  std::optional<record> kept;
  if (goes_to_timer(due, now))
    kept = rec; // to put back if a pause cancels it before it fires
  agents_.clear();
  others_.clear();
  auto add_target = [this](subscriber& s) {
    if (!s.is_agent)
      others_.push_back(&s);
    else if (s.in_flight >= opts_.window)
      ++dropped_;
    else
      agents_.push_back(&s);
  };
  for (auto& who : subs)
    add_target(subscriber_of(who));
  if (tap_ != nullptr
      && std::find(subs.begin(), subs.end(), tap_->handle) == subs.end())
    add_target(*tap_);
  topic_header hdr{view.topic->id(), ns_of(due)};
  if (auto* log = host_.shared().tracer())
    log->add(trace_entry{"troupe.broadcaster", trace_kind::published, r.name,
                         caf::make_message(rec.payload), now});
  // One agent alone takes the payload itself; anything else shares one
  // message (a decoded type, or a delivery to several subscribers).
  caf::message shared;
  if (r.decoder) {
    auto msg = (*r.decoder)(hdr, std::move(rec.payload));
    if (!msg) {
      if (decode_failures_++ == 0)
        log::warning("replay: record at line {} on '{}' failed to decode: {} "
                     "(further failures are counted)",
                     rec.line, r.name, to_text(msg.error()));
      return true;
    }
    shared = std::move(*msg);
  } else if (!others_.empty() || agents_.size() > 1) {
    shared = caf::make_message(hdr, std::move(rec.payload));
  }
  auto make_item = [&] {
    return shared.empty()
               ? replay_item{hdr, std::move(rec.payload), {}, rec.elapsed_ns}
               : replay_item{hdr, {}, shared, rec.elapsed_ns};
  };
  view.topic->count_published();
  ++published_;
  ++topic_counts_[r.name];
  for (auto* s : agents_)
    ++s->in_flight;
  if (!kept) {
    // Due now: deliver from this actor.
    publish_lateness_.add((now - due).count());
    for (auto* s : others_)
      s->handle->enqueue(host_.self(), caf::make_message_id(), shared,
                         host_.context());
    for (auto* s : agents_) {
      s->batch.push_back(make_item());
      if (s->batch.size() >= batch_limit_) {
        s->handle->enqueue(host_.self(), caf::make_message_id(),
                           caf::make_message(replay_batch{std::move(s->batch)}),
                           host_.context());
        s->batch.clear();
        s->batch.reserve(batch_limit_);
      }
    }
    return true;
  }
  // Due soon, or behind records not yet fired: the timing thread enqueues
  // it at its time, from its thread. What this actor batched so far leaves
  // first, since the timing thread may fire at once.
  if (handover_->size() == 0)
    flush();
  handover::handed h;
  h.rec = std::move(*kept);
  h.topic = r.name;
  handover::deliveries what;
  what.agents = &agent_handles_;
  what.others = &other_handles_;
  agent_handles_.clear();
  other_handles_.clear();
  for (auto* s : agents_) {
    agent_handles_.push_back(s->handle);
    h.agents.push_back(s->handle.address());
    s->may_hold = true; // see `ask_for_acks`
  }
  for (auto* s : others_)
    other_handles_.push_back(s->handle);
  if (!agents_.empty())
    what.item = make_item();
  what.message = shared;
  handover_->add(std::move(h), ns_of(due), ns_of(now), std::move(what));
  return true;
}

bool replay_engine::goes_to_timer(time_point due, time_point now) {
  if (!precise())
    return false;
  if (due > now)
    return true;
  // A record due now still waits for every record handed to the timing
  // thread before it: delivered from here, it could overtake them (the
  // thread may run late, and fires in its own order). Only once all of
  // them fired can this actor deliver again.
  return handover_->busy();
}

void replay_engine::flush() {
  for (auto& kvp : subscribers_) {
    auto& s = kvp.second;
    if (s.batch.empty())
      continue;
    s.handle->enqueue(host_.self(), caf::make_message_id(),
                      caf::make_message(replay_batch{std::move(s.batch)}),
                      host_.context());
    s.batch.clear();
  }
}

void replay_engine::settle_fired() {
  if (!handover_)
    return;
  if (auto log_ns = handover_->settle())
    last_fired_log_ = *log_ns;
}

void replay_engine::take_back_handed() {
  if (!handover_)
    return;
  // Unclaimed jobs never fire: undo their accounting and requeue their
  // records in order, so a pause loses nothing and repeats nothing.
  auto last = handover_->take_back([this](handover::handed&& h) {
    for (auto& addr : h.agents) {
      auto i = subscribers_.find(addr);
      if (i != subscribers_.end() && i->second.in_flight > 0)
        --i->second.in_flight;
    }
    --published_;
    if (--topic_counts_[h.topic] == 0)
      topic_counts_.erase(h.topic);
    queue_.push_front(std::move(h.rec));
  });
  if (last)
    last_fired_log_ = *last;
  last_published_log_ = last_fired_log_;
}

void replay_engine::on_ack(const caf::actor_addr& from, replay_ack& ack) {
  auto i = subscribers_.find(from);
  if (i != subscribers_.end()) {
    i->second.in_flight -= std::min(i->second.in_flight, ack.count);
    i->second.flush_asked = false;
  }
  delivered_ += ack.count;
  if (!ack.spent.empty() && spent_.size() < max_spent)
    spent_.push_back(std::move(ack.spent));
  for (auto x : ack.lateness_ns)
    delivery_lateness_.add(x);
  if (handover_)
    for (auto x : ack.handoff_ns)
      handover_->learn(x);
  if (stalled_since_)
    pump();
  else if (phase_ == phase::finished)
    answer_waiters();
}

void replay_engine::forget(const caf::actor_addr& who) {
  auto i = subscribers_.find(who);
  if (i == subscribers_.end())
    return;
  if (tap_ == &i->second)
    tap_ = nullptr;
  subscribers_.erase(i);
  // Its unacknowledged records no longer hold anything up.
  if (stalled_since_)
    pump();
  else if (phase_ == phase::finished)
    answer_waiters();
}

void replay_engine::ask_for_acks(bool blocked_only) {
  for (auto& kvp : subscribers_) {
    auto& s = kvp.second;
    if (!s.may_hold || s.in_flight == 0 || s.flush_asked
        || (blocked_only && s.in_flight < opts_.window))
      continue;
    s.flush_asked = true;
    s.handle->enqueue(host_.self(), caf::make_message_id(),
                      caf::make_message(replay_flush{}), host_.context());
  }
}

uint64_t replay_engine::total_in_flight() const {
  uint64_t result = 0;
  for (auto& kvp : subscribers_)
    result += kvp.second.in_flight;
  return result;
}

} // namespace troupe::detail
