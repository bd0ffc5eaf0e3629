#include "troupe/actors/node.hpp"

#include <algorithm>

#include "troupe/actors/topic_sink.hpp"
#include "troupe/messages/errors.hpp"
#include "troupe/runtime/cluster/catalog.hpp"
#include "troupe/runtime/cluster/gate.hpp"
#include "troupe/runtime/cluster/node_state.hpp"
#include "troupe/runtime/cluster/transport.hpp"
#include "troupe/runtime/detail/runtime_state.hpp"
#include "troupe/runtime/log.hpp"
#include "troupe/runtime/runtime.hpp"

#include <caf/actor_system.hpp>
#include <caf/exit_reason.hpp>
#include <caf/io/fwd.hpp>
#include <caf/io/scribe.hpp>

namespace troupe::detail {

// -- dialing and accepting ----------------------------------------------------

void start_dial(node_pointer self, endpoint to,
                std::optional<caf::response_promise> promise,
                std::string member) {
  auto& st = self->state;
  auto id = st.next_dial++;
  st.dials.emplace(id, pending_dial{to, std::move(promise), std::move(member)});
  caf::weak_actor_ptr weak{self->ctrl()};
  auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
      st.opts.connect_timeout);
  st.gate->dial(to, timeout,
                [weak, id, peer = to_string(to)](detail::owned_socket sock,
                                                 std::string error,
                                                 bool refused) {
                  auto handoff = socket_handoff{
                      std::make_shared<detail::owned_socket>(std::move(sock)),
                      peer, id, std::move(error), refused};
                  if (auto strong = caf::actor_cast<caf::actor>(weak))
                    caf::anon_send(strong, std::move(handoff));
                });
}

namespace {

void finish_dial(node_pointer self, uint64_t id, caf::expected<std::string> x) {
  auto& st = self->state;
  auto i = st.dials.find(id);
  if (i == st.dials.end())
    return;
  auto dial = std::move(i->second);
  st.dials.erase(i);
  if (dial.promise) {
    if (x)
      dial.promise->deliver(std::move(*x));
    else
      dial.promise->deliver(std::move(x.error()));
  }
  if (!x && !dial.member.empty()) {
    log::debug("dialing node '{}' at {} failed: {}", dial.member,
               to_string(dial.to), to_text(x.error()));
    auto& delay = st.backoff[dial.member];
    if (delay.count() > 0 && st.peers.count(dial.member) == 0) {
      delay = std::min<caf::timespan>(2 * delay, std::chrono::seconds{2});
      self->delayed_send(self, delay, caf::connect_atom::value, dial.member);
    }
  }
}

void on_dialed(node_pointer self, socket_handoff& x) {
  auto& st = self->state;
  auto i = st.dials.find(x.request);
  if (i == st.dials.end())
    return;
  auto target = to_string(i->second.to);
  if (!x.error.empty()) {
    auto code = x.refused ? errc::unauthorized : errc::io_error;
    finish_dial(
        self, x.request,
        make_error(code, "cannot connect to " + target + ": " + x.error));
    return;
  }
  auto scribe = detail::make_scribe(self->system(), std::move(*x.socket),
                                    st.opts.tls.enabled(), false);
  if (!scribe) {
    finish_dial(self, x.request, scribe.error());
    return;
  }
  auto id = x.request;
  auto fail = [self, id, target](caf::error& err) {
    finish_dial(
        self, id,
        make_error(code_of(err) == errc::none ? errc::unauthorized
                                              : code_of(err),
                   "cannot connect to " + target + ": " + to_text(err)));
  };
  self->request(st.basp, st.opts.connect_timeout, caf::connect_atom::value,
                std::move(*scribe), i->second.to.port)
      .then(
          [self, id, target, fail](const caf::node_id&,
                                   caf::strong_actor_ptr ptr,
                                   const std::set<std::string>& sigs) mutable {
            if (!ptr || sigs != self->state.sigs) {
              caf::error err = make_error(
                  errc::unsupported, "the node runs an incompatible troupe "
                                     "version");
              fail(err);
              return;
            }
            auto handle = caf::actor_cast<node_actor>(ptr);
            self->request(handle, self->state.opts.connect_timeout,
                          hello_atom::value, make_hello(self))
                .then(
                    [self, id, handle, target](const node_hello& hello) {
                      if (auto err
                          = open_session(self, hello, handle, target, true))
                        finish_dial(self, id, err);
                      else
                        finish_dial(self, id, hello.self.name);
                    },
                    fail);
          },
          fail);
}

void on_accepted(node_pointer self, socket_handoff& x) {
  auto& st = self->state;
  auto scribe = detail::make_scribe(self->system(), std::move(*x.socket),
                                    st.opts.tls.enabled(), true);
  if (!scribe) {
    log::warning("connection from {}: {}", x.peer, to_text(scribe.error()));
    return;
  }
  log::info("authenticated a connection from {}", x.peer);
  st.unintroduced[x.peer] = self->clock().now();
  // The BASP broker takes the socket as if it had accepted it, with this
  // actor as the one published there: the peer's only handle.
  caf::anon_send(st.basp, caf::publish_atom::value, std::move(*scribe),
                 st.gate->port(), caf::actor_cast<caf::strong_actor_ptr>(self),
                 st.sigs);
}

// -- heartbeats ---------------------------------------------------------------

void on_tick(node_pointer self) {
  auto& st = self->state;
  auto now = self->clock().now();
  ++st.beat;
  std::vector<std::string> silent;
  for (auto& kvp : st.peers) {
    self->send(kvp.second.handle, heartbeat_atom::value, st.beat);
    if (now - kvp.second.last_seen > st.opts.heartbeat_timeout)
      silent.push_back(kvp.first);
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                st.opts.heartbeat_timeout)
                .count();
  for (auto& name : silent)
    lose_peer(self, name, "no heartbeat for " + std::to_string(ms) + " ms",
              false);
  for (auto i = st.unintroduced.begin(); i != st.unintroduced.end();) {
    if (now - i->second > st.opts.connect_timeout) {
      log::warning(
          "{} passed the secret check but never introduced itself{}", i->first,
          st.opts.tls.enabled() ? " (its TLS certificate was probably refused)"
                                : "");
      i = st.unintroduced.erase(i);
    } else {
      ++i;
    }
  }
  self->delayed_send(self, st.opts.heartbeat_interval, caf::tick_atom::value);
}

void on_down(node_pointer self, const caf::down_msg& down) {
  auto& st = self->state;
  for (auto& kvp : st.peers) {
    if (kvp.second.handle.address() == down.source) {
      lose_peer(self, kvp.first, "connection closed", false);
      return;
    }
    if (kvp.second.forwarder.address() == down.source) {
      lose_peer(self, kvp.first, to_text(down.reason), false);
      return;
    }
  }
  auto& obs = st.observers;
  obs.erase(std::remove_if(obs.begin(), obs.end(),
                           [&](const caf::actor& x) {
                             return x.address() == down.source;
                           }),
            obs.end());
}

} // namespace

} // namespace troupe::detail

namespace troupe {

namespace {

using namespace detail;

node_actor::behavior_type node_impl(node_pointer self, runtime* rt,
                                    node_setup setup) {
  auto& st = self->state;
  st.opts = std::move(setup.options);
  st.self = std::move(setup.self);
  st.rt = rt;
  st.shared = rt->state();
  st.gate = std::move(setup.gate);
  st.agents = st.opts.agents != nullptr ? st.opts.agents : &catalog::global();
  st.observers = st.opts.observers;
  st.basp = detail::basp_broker(self->system());
  st.sigs = self->system().message_types<node_actor>();
  st.sink = spawn_topic_sink(self->system(), st.shared);
  for (auto& who : st.observers)
    self->monitor(who);
  // The tables tell this actor about local changes. Weak handles: the
  // tables live as long as the runtime, this actor maybe not.
  caf::weak_actor_ptr weak{self->ctrl()};
  st.shared->names.set_observer(
      [weak](const std::string& name, const caf::actor& handle, bool added) {
        if (auto strong = caf::actor_cast<caf::actor>(weak))
          caf::anon_send(strong, caf::update_atom::value, name, handle, added);
      });
  st.shared->topics.set_observer([weak](const detail::topic_entry& entry) {
    if (auto strong = caf::actor_cast<caf::actor>(weak))
      caf::anon_send(strong, caf::update_atom::value, entry.name());
  });
  for (auto* entry : st.shared->topics.entries())
    if (has_local_subscribers(self, *entry))
      st.interest.insert(entry->name());
  st.gate->start(
      [weak](detail::owned_socket sock, std::string peer) {
        auto handoff = socket_handoff{
            std::make_shared<detail::owned_socket>(std::move(sock)),
            std::move(peer), 0, std::string{}, false};
        if (auto strong = caf::actor_cast<caf::actor>(weak))
          caf::anon_send(strong, std::move(handoff));
      },
      [](const std::string& peer, const std::string& why) {
        log::warning("refused a connection from {}: {}", peer, why);
      });
  // Runs after the state is gone: capture what it needs.
  self->attach_functor(
      [gate = st.gate, shared = st.shared, sink = st.sink](const caf::error&) {
        gate->stop();
        shared->names.set_observer({});
        shared->topics.set_observer({});
        caf::anon_send_exit(sink, caf::exit_reason::user_shutdown);
      });
  self->set_down_handler([self](caf::down_msg& down) { on_down(self, down); });
  self->delayed_send(self, st.opts.heartbeat_interval, caf::tick_atom::value);
  return {
      // -- from peers
      // -----------------------------------------------------------
      [self](hello_atom, node_hello& hello) -> caf::result<node_hello> {
        auto sender = self->current_sender();
        if (!sender || sender->node() == self->system().node())
          return make_error(errc::invalid_argument,
                            "hello comes from other nodes only");
        auto handle = caf::actor_cast<node_actor>(sender);
        // The advertised address first; the connection's real address
        // replaces it for logs once the middleman told it.
        auto remote = to_string(endpoint{hello.self.host, hello.self.port});
        if (auto err = open_session(self, hello, handle, remote, false))
          return err;
        auto name = hello.self.name;
        self->request(self->state.basp, self->state.opts.request_timeout,
                      caf::get_atom::value, sender->node())
            .then(
                [self, name](const caf::node_id&, const std::string& host,
                             uint16_t port) {
                  auto i = self->state.peers.find(name);
                  if (i != self->state.peers.end() && !host.empty()) {
                    i->second.remote = to_string(endpoint{host, port});
                    self->state.unintroduced.erase(i->second.remote);
                    if (i->second.address.host.empty())
                      i->second.address.host = host;
                  }
                  announce_joined(self, name);
                },
                [self, name](caf::error&) { announce_joined(self, name); });
        return make_hello(self);
      },
      [self](names_update& update) {
        auto* p = peer_of(self, self->current_sender());
        if (p == nullptr)
          return;
        for (auto& name : update.removed)
          remove_remote_name(self, *p, name);
        for (auto& entry : update.added)
          add_remote_name(self, *p, entry);
      },
      [self](topics_update& update) {
        auto* p = peer_of(self, self->current_sender());
        if (p == nullptr)
          return;
        for (auto& topic : update.removed)
          forward_topic(self, *p, topic, false);
        for (auto& topic : update.added)
          forward_topic(self, *p, topic, true);
        resolve_topic_waiters(self);
      },
      [self](heartbeat_atom, uint64_t) {
        if (auto* p = peer_of(self, self->current_sender()))
          p->last_seen = self->clock().now();
      },
      [self](goodbye_atom, const std::string& why) {
        if (auto* p = peer_of(self, self->current_sender())) {
          auto name = p->address.name;
          lose_peer(self, name, why, true);
        }
      },
      [self](caf::join_atom, const node_address& member) {
        if (peer_of(self, self->current_sender()) != nullptr)
          consider_member(self, member);
      },
      [self](caf::spawn_atom,
             const spawn_request& req) -> caf::result<caf::actor> {
        auto result = self->state.agents->spawn(*self->state.rt, req);
        if (!result)
          return make_error(code_of(result.error()) == errc::none
                                ? errc::invalid_argument
                                : code_of(result.error()),
                            "node '" + self->state.self.name
                                + "': " + to_text(result.error()));
        return std::move(*result);
      },
      [self](caf::spawn_atom, place_resource& req) {
        return host_resource(self, req);
      },
      // -- local API
      // ------------------------------------------------------------
      [self](caf::connect_atom, const std::string& host,
             uint16_t port) -> caf::result<std::string> {
        auto& st = self->state;
        for (auto& kvp : st.peers)
          if (kvp.second.address.host == host
              && kvp.second.address.port == port)
            return kvp.first;
        auto rp = self->make_response_promise();
        // A background dial to the same place answers this request too.
        for (auto& kvp : st.dials) {
          auto& dial = kvp.second;
          if (dial.to.host == host && dial.to.port == port && !dial.promise) {
            dial.promise = rp;
            return rp;
          }
        }
        start_dial(self, endpoint{host, port}, rp, std::string{});
        return rp;
      },
      [self](caf::spawn_atom, const std::string& node,
             const spawn_request& req) -> caf::result<caf::actor> {
        auto& st = self->state;
        if (node == st.self.name) {
          auto result = st.agents->spawn(*st.rt, req);
          if (!result)
            return std::move(result.error());
          return std::move(*result);
        }
        auto i = st.peers.find(node);
        if (i == st.peers.end())
          return make_error(errc::not_found,
                            "no node named '" + node + "' is connected");
        auto rp = self->make_response_promise();
        self->request(i->second.handle, st.opts.request_timeout,
                      caf::spawn_atom::value, req)
            .then(
                [self, rp, node, name = req.name](caf::actor& handle) mutable {
                  // Enter the name now: the peer's update may still be under
                  // way and the caller will send to it next.
                  if (!name.empty()) {
                    auto i = self->state.peers.find(node);
                    if (i != self->state.peers.end())
                      add_remote_name(self, i->second,
                                      name_entry{name, handle});
                  }
                  rp.deliver(std::move(handle));
                },
                [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
        return rp;
      },
      [self](caf::spawn_atom, const std::string& node, place_resource& req) {
        return place_on(self, node, req);
      },
      [self](caf::join_atom, node_events_atom, const caf::actor& who) {
        if (!who)
          return;
        self->state.observers.push_back(who);
        self->monitor(who);
      },
      [self](caf::get_atom, peers_atom) {
        std::vector<node_status> result;
        for (auto& kvp : self->state.peers) {
          node_status x;
          x.address = kvp.second.address;
          for (auto& name : kvp.second.names)
            x.names.push_back(name.first);
          x.topics.assign(kvp.second.topics.begin(), kvp.second.topics.end());
          x.dialed = kvp.second.dialed;
          result.push_back(std::move(x));
        }
        return result;
      },
      [self](await_atom, const std::string& name) -> caf::result<caf::actor> {
        if (auto handle = self->state.shared->names.find(name))
          return handle;
        if (self->state.name_waiters.size() >= max_waiters)
          return make_error(errc::wrong_state, "too many waiters");
        auto rp = self->make_response_promise();
        self->state.name_waiters.emplace(name, rp);
        return rp;
      },
      [self](await_atom, names_atom, const std::string& node,
             const std::string& name) -> caf::result<caf::actor> {
        auto& st = self->state;
        if (node == st.self.name)
          return self->delegate(caf::actor_cast<node_actor>(self),
                                await_atom::value, name);
        auto i = st.peers.find(node);
        if (i == st.peers.end())
          return make_error(errc::not_found,
                            "no node named '" + node + "' is connected");
        return self->delegate(i->second.handle, await_atom::value, name);
      },
      [self](await_atom, const std::string& node,
             const std::string& topic) -> caf::result<void> {
        auto& st = self->state;
        auto i = st.peers.find(node);
        if (i != st.peers.end() && i->second.topics.count(topic) > 0)
          return caf::unit;
        if (st.topic_waiters.size() >= max_waiters)
          return make_error(errc::wrong_state, "too many waiters");
        auto rp = self->make_response_promise();
        st.topic_waiters.push_back(topic_waiter{node, topic, rp});
        return rp;
      },
      [self](await_atom, const std::string& at, const std::string& node,
             const std::string& topic) -> caf::result<void> {
        auto& st = self->state;
        if (at == st.self.name)
          return self->delegate(caf::actor_cast<node_actor>(self),
                                await_atom::value, node, topic);
        auto i = st.peers.find(at);
        if (i == st.peers.end())
          return make_error(errc::not_found,
                            "no node named '" + at + "' is connected");
        return self->delegate(i->second.handle, await_atom::value, node, topic);
      },
      [self](caf::leave_atom) {
        auto why = "node '" + self->state.self.name + "' shut down";
        broadcast(self, goodbye_atom::value, why);
        // Nothing to reconnect to once this node goes.
        self->state.opts.reconnect = false;
      },
      // -- internal
      // -------------------------------------------------------------
      [self](socket_handoff& x) {
        if (!x.socket)
          return;
        if (x.request == 0)
          on_accepted(self, x);
        else
          on_dialed(self, x);
      },
      [self](caf::update_atom, const std::string& name,
             const caf::actor& handle, bool added) {
        if (self->current_sender() == nullptr)
          local_name_changed(self, name, handle, added);
      },
      [self](caf::update_atom, const std::string& topic) {
        if (self->current_sender() == nullptr)
          topic_changed(self, topic);
      },
      [self](caf::tick_atom) { on_tick(self); },
      [self](caf::connect_atom, const std::string& name) {
        auto& st = self->state;
        auto i = st.members.find(name);
        if (st.peers.count(name) > 0 || i == st.members.end()
            || i->second.port == 0 || !st.opts.reconnect)
          return;
        for (auto& kvp : st.dials)
          if (kvp.second.member == name)
            return;
        start_dial(self, endpoint{i->second.host, i->second.port}, std::nullopt,
                   name);
      },
  };
}

} // namespace

node_actor spawn_node(runtime& rt, node_setup setup) {
  return rt.spawn(node_impl, &rt, std::move(setup));
}

} // namespace troupe