#include "troupe/actors/monitor.hpp"

#include <cmath>

#include "troupe/messages/errors.hpp"
#include "troupe/runtime/log.hpp"
#include "troupe/runtime/monitor/detail/format.hpp"
#include "troupe/runtime/monitor/detail/monitor_core.hpp"
#include "troupe/runtime/runtime.hpp"

#include <caf/actor_cast.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/message_handler.hpp>

namespace troupe {

namespace {

/// The monitor actor: receives messages, the core does the work. Its public
/// messages are checked against `monitor_actor` at compile time (the typed
/// behavior below); the timer and the workers' wake-up are internal and
/// handled after them.
class monitor_impl : public caf::event_based_actor {
public:
  using super = caf::event_based_actor;

  monitor_impl(caf::actor_config& cfg, monitor_config mcfg)
      : super(cfg), start_(mcfg.start), core_(this, std::move(mcfg)) {
    // nop
  }

  const char* name() const override { return "troupe.monitor"; }

  caf::behavior make_behavior() override {
    set_down_handler(
        [this](caf::down_msg& down) { core_.unsubscribe(down.source); });
    set_error_handler([](caf::error& err) {
      log::warning("monitor: received an error: {}", to_text(err));
    });
    if (start_)
      core_.start();
    caf::message_handler internal{
        [this](caf::tick_atom) { core_.on_timer(); },
        [this](polled_atom) { core_.on_polled(); },
    };
    auto impl = interface().unbox().as_behavior_impl()->or_else(
        internal.as_behavior_impl());
    return caf::behavior{std::move(impl)};
  }

  void on_exit() override {
    core_.shut_down();
    super::on_exit();
  }

private:
  static caf::result<void> done(caf::error err) {
    if (err)
      return err;
    return caf::unit;
  }

  monitor_actor::behavior_type interface() {
    return {
        [this](caf::add_atom, point_spec& spec) {
          return done(core_.add(std::move(spec)));
        },
        [this](caf::add_atom, const std::string& name,
               const std::string& parent) {
          return done(core_.add_group(name, parent));
        },
        [this](caf::delete_atom, const std::string& name)
            -> caf::result<std::vector<std::string>> {
          auto removed = core_.remove(name);
          if (!removed)
            return std::move(removed.error());
          return std::move(*removed);
        },
        [this](caf::put_atom, const std::string& name, reading& value) {
          return done(core_.push(name, std::move(value)));
        },
        [this](caf::put_atom, std::vector<named_reading>& values) {
          return done(core_.push(std::move(values)));
        },
        [this](caf::get_atom,
               const std::string& name) -> caf::result<point_info> {
          auto info = core_.lookup(name);
          if (!info)
            return std::move(info.error());
          return std::move(*info);
        },
        [this](caf::get_atom, snapshot_atom) { return core_.snapshot(); },
        [this](caf::subscribe_atom, const std::string& subtree,
               const caf::actor& who) {
          return done(core_.subscribe(subtree, who));
        },
        [this](caf::unsubscribe_atom, const caf::actor& who) {
          return done(core_.unsubscribe(who.address()));
        },
        [this](caf::add_atom, update_callback& cb) -> caf::result<uint64_t> {
          auto id = core_.add_callback(std::move(cb));
          if (!id)
            return std::move(id.error());
          return *id;
        },
        [this](caf::delete_atom, uint64_t id) {
          return done(core_.remove_callback(id));
        },
        [this](start_atom) { return core_.start(); },
        [this](stop_atom) { return core_.stop(); },
        [this](caf::put_atom, critical_atom, const caf::actor& handler) {
          core_.set_failure_handler(handler);
          return caf::result<void>{caf::unit};
        },
    };
  }

  bool start_;
  detail::monitor_core core_;
};

} // namespace

caf::error validate(const monitor_config& cfg) {
  using detail::format_duration;
  auto bad = [](const std::string& why) {
    return make_error(errc::invalid_config, "monitor: " + why);
  };
  if (cfg.workers == 0 || cfg.workers > 1024)
    return bad("workers must be between 1 and 1024 (got "
               + std::to_string(cfg.workers) + ")");
  if (cfg.tick <= caf::timespan::zero() || cfg.tick > std::chrono::hours{1})
    return bad("tick must be above 0 and at most 1 h (got "
               + format_duration(cfg.tick) + ")");
  if (cfg.default_dt < caf::timespan::zero()
      || cfg.default_dt > std::chrono::hours{24 * 365})
    return bad("default dt must be between 0 and 365 days (got "
               + format_duration(cfg.default_dt) + ")");
  if (!std::isfinite(cfg.stale_factor) || cfg.stale_factor < 0)
    return bad("stale factor must be 0 (never stale) or positive (got "
               + std::to_string(cfg.stale_factor) + ")");
  if (cfg.poll_wave == 0)
    return bad("poll wave must be at least 1");
  if (cfg.poll_wave_gap < caf::timespan::zero()
      || cfg.poll_wave_gap > std::chrono::seconds{1})
    return bad("poll wave gap must be between 0 and 1 s (got "
               + format_duration(cfg.poll_wave_gap) + ")");
  if (cfg.shutdown_grace.count() < 0)
    return bad("shutdown grace must not be negative");
  return caf::none;
}

caf::expected<monitor_actor> spawn_monitor(runtime& rt, monitor_config cfg) {
  if (auto err = validate(cfg))
    return err;
  auto handle = rt.spawn<monitor_impl>(std::move(cfg));
  return caf::actor_cast<monitor_actor>(handle);
}

} // namespace troupe
