#include "troupe/runtime/monitor/builtin_points.hpp"

#include <map>
#include <memory>

#include "troupe/messages/core.hpp"
#include "troupe/messages/experiment.hpp"
#include "troupe/messages/replay.hpp"
#include "troupe/runtime/runtime.hpp"

#include <caf/actor_cast.hpp>
#include <caf/sec.hpp>
#include <caf/send.hpp>

namespace troupe {

namespace {

double seconds(caf::timespan d) {
  return std::chrono::duration<double>(d).count();
}

alert_level delay_alert(caf::timespan delay, caf::timespan orange,
                        caf::timespan red) {
  if (delay >= red)
    return alert_level::red;
  if (delay >= orange)
    return alert_level::orange;
  return alert_level::none;
}

point_options child_options(const runtime_points_options& opts,
                            const std::string& group) {
  point_options result;
  result.parent = opts.parent + "/" + group;
  result.dt = opts.dt;
  return result;
}

/// Published counts at the previous poll, per topic.
struct topic_history {
  struct entry {
    uint64_t published = 0;
    caf::actor_clock::time_point time;
  };
  std::map<std::string, entry> topics;
};

point_spec topic_rates(const runtime& rt, const runtime_points_options& opts) {
  auto options = child_options(opts, "topics");
  options.help = "Messages per second published on the topic.";
  auto prefix = options.parent + "/";
  auto hub = caf::actor_cast<caf::actor>(rt.broadcaster());
  auto history = std::make_shared<topic_history>();
  auto timeout = opts.dt;
  return make_family(
      options,
      poll_in_monitor([=](caf::event_based_actor* self, poll_promise p) {
        self->request(hub, timeout, caf::get_atom::value, stats_atom::value)
            .then(
                [=](const std::vector<topic_info>& topics) {
                  auto now = self->clock().now();
                  std::vector<named_reading> out;
                  for (auto& t : topics) {
                    reading rate;
                    auto i = history->topics.find(t.name);
                    if (i != history->topics.end() && now > i->second.time)
                      rate = reading{(t.published - i->second.published)
                                     / seconds(now - i->second.time)};
                    history->topics[t.name] = {t.published, now};
                    out.push_back(named_reading{prefix + t.name, rate, {}});
                  }
                  p.deliver(std::move(out));
                },
                [p](caf::error& err) { p.fail(err); });
      }));
}

/// Answers still expected from agents, and what came so far.
struct agent_round {
  size_t waiting = 0;
  std::vector<named_reading> out;
  poll_promise promise;

  void done() {
    if (--waiting == 0)
      promise.deliver(std::move(out));
  }
};

point_spec unexpected_counts(const runtime& rt,
                             const runtime_points_options& opts) {
  auto options = child_options(opts, "agents");
  options.help = "Messages the agent dropped for lack of a handler.";
  auto prefix = options.parent + "/";
  std::weak_ptr<detail::runtime_state> weak = rt.state();
  auto timeout = opts.dt;
  auto level = opts.unexpected_alert;
  return make_family(
      options,
      poll_in_monitor([=](caf::event_based_actor* self, poll_promise p) {
        auto state = weak.lock();
        if (!state) {
          p.fail("the runtime is gone");
          return;
        }
        auto round = std::make_shared<agent_round>();
        round->promise = p;
        auto names = state->names.names();
        round->waiting = names.size() + 1;
        for (auto& name : names) {
          // The runtime's own named actors ("troupe.failures") are no
          // agents; asking them would only print CAF's warning.
          auto who = name.compare(0, 7, "troupe.") == 0
                         ? caf::actor{}
                         : state->names.find(name);
          if (!who) {
            --round->waiting;
            continue;
          }
          self->request(who, timeout, caf::get_atom::value, stats_atom::value)
              .then(
                  [=](const agent_stats& stats) {
                    uint64_t dropped = 0;
                    for (auto& kvp : stats.unexpected)
                      dropped += kvp.second;
                    round->out.push_back(named_reading{
                        prefix + name,
                        reading{dropped,
                                dropped > 0 ? level : alert_level::none},
                        {}});
                    round->done();
                  },
                  [=](caf::error& err) {
                    // Actors registered by name that are no agents do not
                    // know the request: they are not shown.
                    if (err != caf::sec::unexpected_message)
                      round->out.push_back(
                          named_reading{prefix + name, {}, to_text(err)});
                    round->done();
                  });
        }
        round->done();
      }));
}

point_spec monitor_queue(const runtime_points_options& opts) {
  auto options = child_options(opts, "mailbox");
  options.help = "Messages waiting in the monitor's mailbox.";
  return make_point(
      options.parent + "/monitor queued", options,
      poll_in_monitor([](caf::event_based_actor* self, poll_promise p) {
        // Safe here: the poll runs in the monitor's own
        // context.
        p.deliver(static_cast<uint64_t>(self->mailbox().size()));
      }));
}

} // namespace

point_spec mailbox_point(std::string name, caf::actor target,
                         point_options options, caf::timespan orange,
                         caf::timespan red) {
  if (options.help.empty())
    options.help = "Seconds a message waits in the actor's mailbox.";
  if (options.unit.empty())
    options.unit = "seconds";
  auto timeout = options.dt.value_or(std::chrono::seconds{10});
  if (timeout <= caf::timespan::zero())
    timeout = std::chrono::seconds{1};
  return make_point(
      std::move(name), std::move(options),
      poll_in_monitor([=](caf::event_based_actor* self, poll_promise p) {
        if (!target) {
          p.fail("no actor to probe");
          return;
        }
        auto sent = self->clock().now();
        self->request(target, timeout, caf::sys_atom::value,
                      caf::get_atom::value, std::string{"info"})
            .then(
                [=](caf::ok_atom, const std::string&,
                    const caf::strong_actor_ptr&, const std::string&) {
                  auto delay = self->clock().now() - sent;
                  p.deliver(
                      reading{seconds(delay), delay_alert(delay, orange, red)});
                },
                [p](caf::error& err) { p.fail(err); });
      }));
}

std::vector<point_spec> runtime_points(runtime& rt, const monitor_actor& mon,
                                       const runtime_points_options& opts) {
  std::vector<point_spec> result;
  result.push_back(topic_rates(rt, opts));
  result.push_back(unexpected_counts(rt, opts));
  auto mailbox = child_options(opts, "mailbox");
  auto prefix = mailbox.parent + "/";
  auto probe = [&](const std::string& name, caf::actor who) {
    result.push_back(mailbox_point(prefix + name, std::move(who), mailbox,
                                   opts.mailbox_orange, opts.mailbox_red));
  };
  probe("directory", caf::actor_cast<caf::actor>(rt.directory()));
  probe("broadcaster", caf::actor_cast<caf::actor>(rt.broadcaster()));
  probe("monitor", caf::actor_cast<caf::actor>(mon));
  result.push_back(monitor_queue(opts));
  return result;
}

point_spec resource_state_points(caf::actor controller,
                                 const experiment_points_options& opts) {
  point_options options;
  options.parent = opts.parent + "/resources";
  options.dt = opts.dt;
  options.help = "State of the experiment's resource.";
  auto prefix = options.parent + "/";
  return make_family(
      options,
      poll_request(
          std::move(controller), opts.dt,
          [prefix](const resource_list& xs) {
            std::vector<named_reading> out;
            for (auto& r : xs.resources) {
              auto level = alert_level::none;
              if (r.state == resource_state::failed)
                level = r.critical ? alert_level::red : alert_level::orange;
              out.push_back(named_reading{
                  prefix + r.name, reading{to_string(r.state), level}, {}});
            }
            return out;
          },
          list_resources{}));
}

point_spec replay_points(const std::string& name, caf::actor broadcaster,
                         const experiment_points_options& opts) {
  point_options options;
  options.parent = opts.parent + "/replays/" + name;
  options.dt = opts.dt;
  options.help = "Position (log seconds), state, p99 delivery lateness "
                 "(seconds) and stall time (seconds) of the replay.";
  auto prefix = options.parent + "/";
  auto orange = opts.lateness_orange;
  auto red = opts.lateness_red;
  return make_points(
      {prefix + "position", prefix + "state", prefix + "lateness",
       prefix + "stall"},
      options,
      poll_request(
          std::move(broadcaster), opts.dt,
          [orange, red](const replay_status& st) {
            auto late = caf::timespan{st.delivery_lateness.p99};
            auto failed = st.state == "failed";
            return std::make_tuple(
                reading{static_cast<double>(st.position_ns) / 1e9},
                reading{st.state,
                        failed ? alert_level::red : alert_level::none},
                reading{seconds(late), delay_alert(late, orange, red)},
                reading{static_cast<double>(st.stall_ns) / 1e9});
          },
          replay_query{}));
}

void add_runtime_points(runtime& rt, const monitor_actor& mon,
                        const runtime_points_options& opts) {
  caf::anon_send(mon, caf::add_atom::value, opts.parent, std::string{});
  for (auto group : {"topics", "agents", "mailbox"})
    caf::anon_send(mon, caf::add_atom::value, opts.parent + "/" + group,
                   opts.parent);
  for (auto& spec : runtime_points(rt, mon, opts))
    caf::anon_send(mon, caf::add_atom::value, std::move(spec));
}

} // namespace troupe
