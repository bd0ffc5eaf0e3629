#include "troupe/actors/replay_resource.hpp"

#include <chrono>

#include "troupe/actors/monitor.hpp"
#include "troupe/runtime/log.hpp"
#include "troupe/runtime/monitor/builtin_points.hpp"
#include "troupe/runtime/runtime.hpp"

#include <caf/actor_cast.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

namespace troupe {

namespace {

caf::error bad_attribute(const std::string& name, const std::string& why) {
  return make_error(errc::invalid_config, "attribute '" + name + "': " + why);
}

std::vector<std::string> string_list(const attributes& attrs,
                                     const std::string& name) {
  std::vector<std::string> result;
  auto i = attrs.find(name);
  if (i == attrs.end())
    return result;
  if (auto lst = caf::get_if<caf::config_value::list>(&i->second))
    for (auto& x : *lst)
      if (auto str = caf::get_if<std::string>(&x))
        result.push_back(*str);
  return result;
}

int64_t nanoseconds(const attributes& attrs, const std::string& name) {
  return attr_or<caf::timespan>(attrs, name, caf::timespan{0}).count();
}

} // namespace

caf::expected<replay_settings> make_replay_settings(const attributes& attrs) {
  replay_settings result;
  result.paths = string_list(attrs, "paths");
  if (result.paths.empty())
    return bad_attribute("paths", "names no log file or folder");
  auto& r = result.replay;
  r.speed = attr_or<double>(attrs, "speed", 1.0);
  r.max_rate = attr_or<bool>(attrs, "max_rate", false);
  if (!r.max_rate && !(r.speed > 0))
    return bad_attribute("speed", "must be > 0");
  r.loop = attr_or<bool>(attrs, "loop", false);
  r.start_offset_ns = nanoseconds(attrs, "start_offset");
  auto length = nanoseconds(attrs, "duration");
  r.duration_ns = length > 0 ? length : no_time;
  r.delay_ns = nanoseconds(attrs, "delay");
  r.topics = string_list(attrs, "topics");
  r.include = attr_or<std::string>(attrs, "include", {});
  r.exclude = attr_or<std::string>(attrs, "exclude", {});
  r.remaps = string_list(attrs, "remap");
  r.drop_when_slow = attr_or<bool>(attrs, "drop_when_slow", false);
  auto window = attr_or<int64_t>(attrs, "window", 1024);
  if (window < 1 || window > UINT32_MAX)
    return bad_attribute("window", "must be between 1 and 2^32 - 1");
  r.window = static_cast<uint32_t>(window);
  r.clock_hz = attr_or<double>(attrs, "clock_hz", 0.0);
  if (!(r.clock_hz >= 0))
    return bad_attribute("clock_hz", "must be >= 0");
  r.clock_topic = attr_or<std::string>(attrs, "clock_topic", "/clock");
  result.read.include_raw = attr_or<bool>(attrs, "include_raw", false);
  auto ahead = attr_or<int64_t>(attrs, "read_ahead", 5000);
  if (ahead < 1)
    return bad_attribute("read_ahead", "must be at least 1");
  result.buffer.max_records = static_cast<uint64_t>(ahead);
  auto on_bad = attr_or<std::string>(attrs, "on_bad_record", "skip");
  if (on_bad != "skip" && on_bad != "stop")
    return bad_attribute("on_bad_record",
                         "expected \"skip\" or \"stop\", got \"" + on_bad
                             + "\"");
  result.buffer.stop_on_bad = on_bad == "stop";
  if (auto err = validate(result.buffer))
    return bad_attribute("read_ahead", to_text(err));
  return result;
}

replay_resource::replay_resource(caf::actor_config& cfg, resource_setup setup)
    : resource(cfg, std::move(setup)) {
  // nop
}

replay_resource::~replay_resource() {
  // nop
}

resource_type_info replay_resource::type_info() {
  using caf::config_value;
  auto none = config_value{config_value::list{}};
  auto zero = config_value{caf::timespan{0}};
  auto text = [](const char* x) {
    return config_value{std::string{x}};
  };
  resource_type_info result;
  result.name = type_name;
  result.description = "a replay of logs through a buffer and a broadcaster";
  result.attributes = {
      {"paths", attr_kind::string_list, none, true,
       "MCL_LOG or JSON Lines files, or folders of them"},
      {"speed", attr_kind::real, config_value{1.0}, false,
       "log seconds per wall second"},
      {"max_rate", attr_kind::boolean, config_value{false}, false,
       "as fast as the subscribers take records (speed ignored)"},
      {"loop", attr_kind::boolean, config_value{false}, false,
       "start again after the last record (never stops by itself)"},
      {"start_offset", attr_kind::duration, zero, false,
       "skip this much log time after the first record"},
      {"duration", attr_kind::duration, zero, false,
       "end this much log time after the start point (0: the whole log)"},
      {"delay", attr_kind::duration, zero, false,
       "wait this long between start and the first record"},
      {"topics", attr_kind::string_list, none, false,
       "only these topics (empty: all)"},
      {"include", attr_kind::string, text(""), false,
       "only topics matching this regular expression"},
      {"exclude", attr_kind::string, text(""), false,
       "no topics matching this regular expression"},
      {"remap", attr_kind::string_list, none, false,
       "topic renames, each \"from:=to\""},
      {"include_raw", attr_kind::boolean, config_value{false}, false,
       "also read raw-data (>>> None) logs found in folders"},
      {"read_ahead", attr_kind::integer, config_value{int64_t{5000}}, false,
       "records buffered ahead"},
      {"on_bad_record", attr_kind::string, text("skip"), false,
       "\"skip\" (count and go on) or \"stop\" (the resource fails)"},
      {"drop_when_slow", attr_kind::boolean, config_value{false}, false,
       "drop records for a slow subscriber instead of waiting"},
      {"window", attr_kind::integer, config_value{int64_t{1024}}, false,
       "records a subscriber may have unacknowledged"},
      {"clock_hz", attr_kind::real, config_value{0.0}, false,
       "publish the replay clock this often per second (0: never)"},
      {"clock_topic", attr_kind::string, text("/clock"), false,
       "topic of the replay clock"},
  };
  result.factory = [](caf::local_actor& parent, resource_setup setup) {
    return parent.spawn<replay_resource, caf::monitored>(std::move(setup));
  };
  return result;
}

void replay_resource::on_deploy() {
  if (rt() == nullptr) {
    fail("replay resources need a runtime");
    return;
  }
  auto settings = make_replay_settings(attrs());
  if (!settings) {
    fail(to_text(settings.error()));
    return;
  }
  auto source = open_logs(settings->paths, settings->read);
  if (!source) {
    fail("cannot open the logs: " + to_text(source.error()));
    return;
  }
  drop_replay(); // a deploy after a restart starts afresh
  settings_ = std::move(*settings);
  buffer_ = rt()->spawn_buffer(
      std::shared_ptr<record_source>{std::move(*source)}, settings_.buffer);
  broadcaster_ = spawn_broadcaster(system(), rt()->state());
  rt()->adopt(caf::actor_cast<caf::actor>(broadcaster_));
  // Loading checks the options the attributes cannot (e.g. the regular
  // expressions), so that a bad one fails the deploy, not the start.
  request(broadcaster_, caf::infinite,
          replay_load{caf::actor_cast<caf::actor>(buffer_), settings_.replay})
      .then(
          [this] {
            add_points();
            done();
          },
          [this](caf::error& err) {
            fail("cannot load the replay: " + to_text(err));
          });
}

void replay_resource::add_points() {
  auto mon = caf::actor_cast<monitor_actor>(setup().monitor);
  if (!mon || points_added_)
    return;
  points_added_ = true;
  auto spec = replay_points(resource_name(),
                            caf::actor_cast<caf::actor>(broadcaster_));
  first_point_ = spec.names.front();
  request(mon, caf::infinite, caf::add_atom::value, std::move(spec))
      .then([] {},
            [this](caf::error& err) {
              log::warning("replay '{}': no monitor points: {}",
                           resource_name(), to_text(err));
            });
}

void replay_resource::remove_points() {
  auto mon = caf::actor_cast<monitor_actor>(setup().monitor);
  if (!mon || !points_added_)
    return;
  points_added_ = false;
  // Removes every point of the poll. Also runs while the manager exits:
  // nothing waits for the answer.
  caf::anon_send(mon, caf::delete_atom::value, first_point_);
}

void replay_resource::drop_replay() {
  ++run_;
  remove_points();
  for (auto who : {caf::actor_cast<caf::actor>(broadcaster_),
                   caf::actor_cast<caf::actor>(buffer_)})
    if (who) // anonymous: this also runs while the manager is destroyed
      caf::anon_send_exit(who, caf::exit_reason::user_shutdown);
  broadcaster_ = nullptr;
  buffer_ = nullptr;
}

void replay_resource::on_start() {
  stopping_ = false;
  start_replay();
}

void replay_resource::start_replay() {
  auto run = ++run_;
  request(broadcaster_, caf::infinite, replay_start{})
      .then(
          [this, run](bool) {
            if (run != run_)
              return;
            done();
            request(broadcaster_, caf::infinite, replay_await_end{})
                .then([this, run](
                          const replay_status& st) { on_replay_end(run, st); },
                      [this, run](caf::error& err) {
                        if (run == run_ && !stopping_)
                          fail("the replay ended: " + to_text(err));
                      });
          },
          [this](caf::error& err) {
            fail("cannot start the replay: " + to_text(err));
          });
}

void replay_resource::on_replay_end(uint64_t run, const replay_status& st) {
  if (run != run_ || stopping_)
    return; // an earlier run, or the stop we asked for
  if (st.state == "failed")
    fail("replay failed: " + st.error);
  else
    finished();
}

void replay_resource::on_stop() {
  stopping_ = true;
  request(broadcaster_, caf::infinite, replay_stop{})
      .then([this](bool) { done(); },
            [this](caf::error& err) {
              fail("cannot stop the replay: " + to_text(err));
            });
}

void replay_resource::on_release() {
  drop_replay();
  done();
}

} // namespace troupe
