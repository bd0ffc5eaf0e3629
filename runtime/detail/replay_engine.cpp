#include "troupe/runtime/detail/replay_engine.hpp"

#include <algorithm>
#include <cmath>

#include "troupe/messages/errors.hpp"
#include "troupe/runtime/detail/runtime_state.hpp"

namespace troupe::detail {

namespace {

/// Records handed to the timing thread ahead of their time, at most.
constexpr size_t max_handed = 1024;

/// Records a subscriber may hold its acknowledgement back for in a
/// real-time replay: a fraction of the window, so that holding back never
/// stalls the replay by itself, and few enough that the lateness figures
/// and the hand-over lead stay current.
uint32_t held_ack_limit(uint32_t window) {
  return std::clamp<uint32_t>(window / 4, 1, 32);
}

/// How far ahead of its due time a record goes to the timing thread.
constexpr auto handoff_horizon = std::chrono::milliseconds{100};

/// The timing thread asks for more when this few jobs are left.
constexpr size_t low_water_mark = 8;

/// Items per replay_batch at most (keeps each agent turn short).
constexpr size_t max_batch = 64;

/// Items per replay_batch at most in a max-rate replay, as a share of the
/// window: bigger batches mean fewer messages and wake-ups per record, and
/// a quarter of the window keeps the subscriber busy while the next batch
/// is built.
constexpr uint32_t max_rate_batch_share = 4;

caf::error bad_option(const std::string& what) {
  return make_error(errc::invalid_argument, "replay option " + what);
}

caf::error not_loaded() {
  return make_error(errc::wrong_state, "the broadcaster has no replay loaded");
}

} // namespace

replay_host::~replay_host() {
  // nop
}

std::string to_string(replay_engine::phase x) {
  switch (x) {
    case replay_engine::phase::unloaded: return "unloaded";
    case replay_engine::phase::idle: return "idle";
    case replay_engine::phase::waiting: return "waiting";
    case replay_engine::phase::running: return "running";
    case replay_engine::phase::paused: return "paused";
    case replay_engine::phase::finished: return "finished";
    case replay_engine::phase::stopped: return "stopped";
    case replay_engine::phase::failed: return "failed";
  }
  return "?";
}

replay_engine::replay_engine(replay_host& host) : host_(host) {
  // nop
}

replay_engine::~replay_engine() {
  // The timing thread's jobs reference this engine's histogram.
  handover_.reset();
}

caf::error replay_engine::load(replay_options opts, bool precise_allowed) {
  if (!opts.max_rate && !(opts.speed > 0 && std::isfinite(opts.speed)))
    return bad_option("speed must be a number > 0");
  if (opts.window == 0)
    return bad_option("window must be at least 1");
  if (opts.pull_size == 0)
    return bad_option("pull size must be at least 1");
  if (opts.start_offset_ns < 0 || opts.delay_ns < 0)
    return bad_option("start offset and delay must not be negative");
  if (opts.duration_ns != no_time && opts.duration_ns < 0)
    return bad_option("duration must not be negative");
  if (!(opts.clock_hz >= 0 && std::isfinite(opts.clock_hz)))
    return bad_option("clock rate must be >= 0");
  if (opts.clock_hz > 0 && opts.clock_topic.empty())
    return bad_option("clock topic must not be empty");
  std::optional<std::regex> include;
  std::optional<std::regex> exclude;
  try {
    if (!opts.include.empty())
      include.emplace(opts.include, std::regex::ECMAScript);
    if (!opts.exclude.empty())
      exclude.emplace(opts.exclude, std::regex::ECMAScript);
  } catch (const std::regex_error& ex) {
    return bad_option("include/exclude: bad regular expression: "
                      + std::string{ex.what()});
  }
  std::map<std::string, std::string> remaps;
  for (auto& remap : opts.remaps) {
    auto sep = remap.find(":=");
    if (sep == std::string::npos || sep == 0 || sep + 2 == remap.size())
      return bad_option("remap '" + remap + "': expected from:=to");
    remaps[remap.substr(0, sep)] = remap.substr(sep + 2);
  }
  // Replace whatever ran before.
  handover_.reset();
  next_generation();
  opts_ = std::move(opts);
  include_ = std::move(include);
  exclude_ = std::move(exclude);
  remaps_ = std::move(remaps);
  routes_.clear();
  queue_.clear();
  batch_limit_
      = opts_.max_rate
            ? std::max<size_t>(max_batch, opts_.window / max_rate_batch_share)
            : max_batch;
  exhausted_ = false;
  have_reference_ = false;
  speed_ = opts_.speed;
  start_point_.reset();
  skip_before_ = no_time;
  stalled_since_.reset();
  stall_ns_ = 0;
  burst_left_ = 0;
  published_ = delivered_ = filtered_ = dropped_ = decode_failures_ = 0;
  loops_ = 0;
  last_published_log_ = last_fired_log_ = 0;
  topic_counts_.clear();
  publish_lateness_.clear();
  delivery_lateness_.clear();
  error_.clear();
  failure_ = caf::error{};
  tap_ = nullptr;
  if (opts_.tap) {
    tap_ = &subscriber_of(opts_.tap);
    tap_->is_agent = true; // taps acknowledge batches
  }
  phase_ = phase::idle;
  if (opts_.precise && !opts_.max_rate) {
    std::unique_ptr<job_timer> timer;
    if (auto& make = host_.shared().replay_timer)
      timer = make(&publish_lateness_, host_.waker(), low_water_mark);
    else if (precise_allowed)
      timer = std::make_unique<timing_thread>(&publish_lateness_, host_.waker(),
                                              low_water_mark);
    if (timer)
      handover_ = std::make_unique<handover>(std::move(timer), host_.self(),
                                             held_ack_limit(opts_.window));
  }
  return caf::none;
}

// -- controls -----------------------------------------------------------------

caf::expected<bool> replay_engine::start() {
  switch (phase_) {
    case phase::unloaded: return not_loaded();
    case phase::running:
    case phase::waiting: return false;
    case phase::paused: return resume();
    case phase::idle:
      restart_buffer(opts_.start_paused ? phase::paused : phase::running,
                     false);
      pending_delay_ = true;
      return true;
    default:
      restart_buffer(opts_.start_paused ? phase::paused : phase::running, true);
      pending_delay_ = true;
      return true;
  }
}

caf::expected<bool> replay_engine::pause() {
  if (phase_ == phase::unloaded)
    return not_loaded();
  if (phase_ == phase::waiting && resume_to_ == phase::running) {
    resume_to_ = phase::paused;
    return true;
  }
  if (phase_ != phase::running)
    return false;
  auto now = host_.now();
  take_back_handed();
  if (stalled_since_) {
    stall_ns_ += (now - *stalled_since_).count();
    stalled_since_.reset();
  }
  phase_ = phase::paused;
  paused_at_ = now;
  paused_log_valid_ = have_reference_;
  if (have_reference_)
    paused_log_ = std::max(log_time_at(now), last_published_log_);
  armed_.reset();
  flush();
  return true;
}

caf::expected<bool> replay_engine::resume() {
  if (phase_ == phase::unloaded)
    return not_loaded();
  if (phase_ == phase::waiting && resume_to_ == phase::paused) {
    resume_to_ = phase::running;
    return true;
  }
  if (phase_ != phase::paused)
    return false;
  phase_ = phase::running;
  burst_left_ = 0;
  if (paused_log_valid_)
    retake_reference(paused_log_, host_.now());
  else
    have_reference_ = false;
  pump();
  return true;
}

caf::expected<bool> replay_engine::toggle() {
  if (phase_ == phase::running)
    return pause();
  if (phase_ == phase::paused)
    return resume();
  return start();
}

caf::expected<bool> replay_engine::step() {
  return burst(1);
}

caf::expected<bool> replay_engine::burst(uint32_t n) {
  if (phase_ == phase::unloaded)
    return not_loaded();
  if (n == 0)
    return make_error(errc::invalid_argument, "burst of 0 records");
  if (phase_ == phase::running)
    pause();
  if (phase_ == phase::paused) {
    if (queue_.empty() && exhausted_ && !(handover_ && handover_->size() > 0))
      return false; // nothing left
    burst_left_ = n;
    pump();
    return true;
  }
  if (phase_ == phase::waiting) {
    resume_to_ = phase::paused;
    burst_left_ = n;
    return true;
  }
  // idle, stopped, finished or failed: start paused, then step.
  restart_buffer(phase::paused, phase_ != phase::idle);
  burst_left_ = n;
  return true;
}

caf::expected<bool> replay_engine::seek(int64_t to_ns) {
  if (phase_ == phase::unloaded)
    return not_loaded();
  if (to_ns < 0)
    return make_error(errc::invalid_argument, "seek to a negative time");
  skip_before_ = to_ns;
  if (phase_ == phase::running || phase_ == phase::paused
      || phase_ == phase::waiting) {
    auto then = phase_ == phase::waiting ? resume_to_ : phase_;
    restart_buffer(then, true);
    // The schedule continues from the seek point.
    have_reference_ = false;
    paused_log_ = to_ns;
    paused_log_valid_ = true;
  }
  return true;
}

caf::expected<bool> replay_engine::set_speed(double speed) {
  if (phase_ == phase::unloaded)
    return not_loaded();
  if (!(speed > 0 && std::isfinite(speed)))
    return make_error(errc::invalid_argument, "speed must be a number > 0");
  if (speed == speed_)
    return false;
  if (phase_ == phase::running && have_reference_) {
    auto now = host_.now();
    take_back_handed();
    auto position = std::max(log_time_at(now), last_published_log_);
    speed_ = speed;
    retake_reference(position, now);
    armed_.reset();
    pump();
  } else {
    speed_ = speed;
  }
  return true;
}

caf::expected<bool> replay_engine::stop() {
  if (phase_ == phase::unloaded)
    return not_loaded();
  if (phase_ == phase::idle || phase_ == phase::stopped)
    return false;
  next_generation();
  queue_.clear();
  exhausted_ = false;
  pull_in_flight_ = false;
  have_reference_ = false;
  skip_before_ = no_time;
  burst_left_ = 0;
  stalled_since_.reset();
  host_.reset();
  finish(phase::stopped);
  return true;
}

replay_status replay_engine::status() const {
  replay_status result;
  result.state = to_string(phase_);
  result.speed = speed_;
  result.position_ns = last_published_log_;
  if (phase_ == phase::running && have_reference_)
    result.position_ns
        = std::max(log_time_at(host_.now()), last_published_log_);
  result.published = published_;
  result.delivered = delivered_;
  result.filtered = filtered_;
  result.dropped = dropped_;
  result.decode_failures = decode_failures_;
  result.loops = loops_;
  result.stall_ns = stall_ns_;
  if (stalled_since_)
    result.stall_ns += (host_.now() - *stalled_since_).count();
  result.topics = topic_counts_;
  result.publish_lateness = publish_lateness_.summary();
  result.delivery_lateness = delivery_lateness_.summary();
  result.error = error_;
  return result;
}

void replay_engine::await_end(
    caf::typed_response_promise<replay_status> promise) {
  end_waiters_.push_back(std::move(promise));
  answer_waiters();
}

// -- events -------------------------------------------------------------------

void replay_engine::on_tick(uint64_t generation) {
  if (generation != 0 && generation != generation_)
    return;
  armed_.reset();
  pump();
}

void replay_engine::on_ready(uint64_t generation) {
  if (generation != generation_ || phase_ != phase::waiting)
    return;
  phase_ = resume_to_;
  if (phase_ == phase::paused) {
    paused_at_ = host_.now();
    if (!paused_log_valid_)
      paused_log_ = 0;
  }
  pump();
}

void replay_engine::on_records(uint64_t generation, record_batch batch) {
  if (generation != generation_)
    return;
  pull_in_flight_ = false;
  for (auto& rec : batch.records)
    if (accept(rec))
      queue_.push_back(std::move(rec));
  if (batch.exhausted)
    exhausted_ = true;
  pump();
}

void replay_engine::on_error(uint64_t generation, const caf::error& err) {
  if (generation != generation_)
    return;
  pull_in_flight_ = false;
  // What was read before the error still goes out; then the replay fails.
  failure_ = err;
  error_ = to_text(err);
  exhausted_ = true;
  if (phase_ == phase::waiting)
    finish(phase::failed);
  else
    pump();
}

// -- scheduling ---------------------------------------------------------------

void replay_engine::next_generation() {
  take_back_handed();
  ++generation_;
  armed_.reset();
  pull_in_flight_ = false;
}

void replay_engine::restart_buffer(phase then, bool rewind) {
  next_generation();
  queue_.clear();
  exhausted_ = false;
  have_reference_ = false;
  stalled_since_.reset();
  resume_to_ = then;
  phase_ = phase::waiting;
  host_.prepare(rewind, generation_);
}

replay_engine::time_point replay_engine::due_of(const record& rec) const {
  auto diff = rec.elapsed_ns - ref_log_;
  auto scaled = speed_ == 1.0 ? diff
                              : static_cast<int64_t>(std::llround(
                                  static_cast<double>(diff) / speed_));
  return ref_time_ + std::chrono::nanoseconds{scaled};
}

int64_t replay_engine::log_time_at(time_point t) const {
  auto diff = (t - ref_time_).count();
  return ref_log_
         + (speed_ == 1.0 ? diff
                          : static_cast<int64_t>(std::llround(
                              static_cast<double>(diff) * speed_)));
}

void replay_engine::retake_reference(int64_t log_ns, time_point at) {
  have_reference_ = true;
  ref_log_ = log_ns;
  ref_time_ = at;
}

void replay_engine::arm(time_point t) {
  if (armed_ && *armed_ <= t)
    return; // an earlier wake-up is pending; it re-arms
  armed_ = t;
  host_.wake_at(t, generation_);
}

void replay_engine::maybe_pull() {
  if (pull_in_flight_ || exhausted_ || queue_.size() >= opts_.pull_size)
    return;
  pull_in_flight_ = true;
  host_.pull(opts_.pull_size, generation_, std::move(spent_));
  spent_.clear();
}

void replay_engine::pump() {
  settle_fired();
  bool stepping = phase_ == phase::paused && burst_left_ > 0;
  if (phase_ != phase::running && !stepping) {
    flush();
    return;
  }
  auto now = host_.now();
  for (;;) {
    if (queue_.empty()) {
      if (exhausted_) {
        if (!handover_ || !handover_->busy())
          end_of_log();
      } else {
        maybe_pull();
      }
      break;
    }
    auto& rec = queue_.front();
    if (!have_reference_) {
      auto origin = skip_before_ != no_time
                        ? std::max(skip_before_, *start_point_)
                        : *start_point_;
      auto at = now;
      if (pending_delay_)
        at += std::chrono::nanoseconds{opts_.delay_ns};
      pending_delay_ = false;
      retake_reference(origin, at);
      next_clock_ = at;
    }
    bool immediate = stepping || opts_.max_rate;
    auto due = immediate ? now : due_of(rec);
    if (!immediate) {
      if (precise()) {
        if (due > now + handoff_horizon) {
          // Wake when half the horizon is left, to hand several at once.
          arm(due - handoff_horizon / 2);
          break;
        }
        if (handover_->size() >= max_handed)
          break; // the timing thread asks for more at its low-water mark
      } else if (due > now) {
        arm(due);
        break;
      }
    }
    if (!publish(rec, due, now))
      break; // stalled: an acknowledgement resumes
    last_published_log_ = rec.elapsed_ns;
    if (stepping) {
      paused_log_ = rec.elapsed_ns;
      paused_log_valid_ = true;
    }
    queue_.pop_front();
    maybe_pull();
    if (stepping && --burst_left_ == 0)
      break;
  }
  if (handover_)
    handover_->close();
  if (phase_ == phase::running)
    publish_clock(now);
  flush();
}

void replay_engine::end_of_log() {
  if (failure_) {
    finish(phase::failed);
    return;
  }
  if (opts_.loop && phase_ == phase::running && published_ > 0) {
    ++loops_;
    skip_before_ = no_time;
    restart_buffer(phase::running, true);
    return;
  }
  if (phase_ == phase::paused && burst_left_ > 0)
    burst_left_ = 0;
  finish(phase::finished);
}

void replay_engine::finish(phase how) {
  take_back_handed();
  phase_ = how;
  armed_.reset();
  flush();
  answer_waiters();
}

void replay_engine::answer_waiters() {
  if (phase_ == phase::finished && !end_waiters_.empty())
    ask_for_acks(false); // the end waits for every acknowledgement
  bool ended = phase_ == phase::stopped || phase_ == phase::failed
               || (phase_ == phase::finished && total_in_flight() == 0);
  if (!ended || end_waiters_.empty())
    return;
  auto result = status();
  for (auto& waiter : end_waiters_)
    waiter.deliver(result);
  end_waiters_.clear();
}

void replay_engine::publish_clock(time_point now) {
  if (opts_.clock_hz <= 0 || !have_reference_)
    return;
  auto period = std::chrono::nanoseconds{
      static_cast<int64_t>(std::llround(1e9 / opts_.clock_hz))};
  if (now >= next_clock_) {
    auto& view = topics_.lookup(host_.shared().topics, opts_.clock_topic);
    view.topic->count_published();
    auto stamp = std::chrono::duration_cast<std::chrono::nanoseconds>(
                     next_clock_.time_since_epoch())
                     .count();
    if (!view.subscribers->empty())
      deliver(*view.subscribers, host_.self(), host_.context(),
              caf::make_message(topic_header{view.topic->id(), stamp},
                                log_time_at(now)));
    next_clock_ += period;
    if (next_clock_ <= now)
      next_clock_ = now + period;
  }
  arm(next_clock_);
}

} // namespace troupe::detail
