#include "troupe/actors/node.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "troupe/actors/topic_forwarder.hpp"
#include "troupe/actors/topic_sink.hpp"
#include "troupe/messages/errors.hpp"
#include "troupe/runtime/cluster/catalog.hpp"
#include "troupe/runtime/cluster/gate.hpp"
#include "troupe/runtime/cluster/transport.hpp"
#include "troupe/runtime/detail/runtime_state.hpp"
#include "troupe/runtime/log.hpp"
#include "troupe/runtime/runtime.hpp"

#include <caf/actor_system.hpp>
#include <caf/exit_reason.hpp>
#include <caf/io/fwd.hpp>
#include <caf/io/scribe.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace troupe {

namespace {

/// A connected peer.
struct peer {
  node_address address;
  /// The connection's other end, for logs and events.
  std::string remote;
  node_actor handle;
  caf::actor sink;
  caf::actor forwarder;
  /// Names entered in the local directory for this peer.
  std::map<std::string, caf::actor_addr> names;
  /// Topics the peer has subscribers for (this node forwards them).
  std::set<std::string> topics;
  caf::actor_clock::time_point last_seen;
  /// This node dialed the peer: it dials again after a loss.
  bool dialed = false;
};

/// A dial in progress.
struct pending_dial {
  endpoint to;
  /// Whom to answer with the peer's name (none for background dials).
  std::optional<caf::response_promise> promise;
  /// The member a background dial is for ("" for explicit connects).
  std::string member;
};

struct topic_waiter {
  std::string node;
  std::string topic;
  caf::response_promise promise;
};

struct node_state {
  static inline const char* name = "troupe.node";
  cluster_options opts;
  node_address self;
  runtime* rt = nullptr;
  std::shared_ptr<detail::runtime_state> shared;
  std::shared_ptr<detail::gate> gate;
  const catalog* agents = nullptr;
  topic_sink_actor sink;
  caf::actor basp;
  std::set<std::string> sigs;
  std::map<std::string, peer> peers;
  std::map<caf::node_id, std::string> by_node;
  /// Every member ever heard of, for the mesh and for reconnecting.
  std::map<std::string, node_address> members;
  std::set<std::string> joined_before;
  std::map<uint64_t, pending_dial> dials;
  uint64_t next_dial = 1;
  std::map<std::string, caf::timespan> backoff;
  /// Topics announced to peers as having subscribers here.
  std::set<std::string> interest;
  std::vector<caf::actor> observers;
  std::multimap<std::string, caf::response_promise> name_waiters;
  std::vector<topic_waiter> topic_waiters;
  /// Authenticated connections whose peer has not said hello yet, by
  /// address: a TLS handshake that fails ends them without a word.
  std::map<std::string, caf::actor_clock::time_point> unintroduced;
  uint64_t beat = 0;
};

using node_pointer = node_actor::stateful_pointer<node_state>;

constexpr size_t max_waiters = 1024;

/// The host part of "host:port" ("" if it does not parse).
std::string endpoint_host(const std::string& host_port) {
  auto parsed = parse_endpoint(host_port, "address");
  return parsed ? parsed->host : std::string{};
}

const peer* peer_of(node_pointer self, const caf::strong_actor_ptr& sender) {
  if (!sender)
    return nullptr;
  auto i = self->state.by_node.find(sender->node());
  if (i == self->state.by_node.end())
    return nullptr;
  auto j = self->state.peers.find(i->second);
  return j != self->state.peers.end() ? &j->second : nullptr;
}

peer* mutable_peer_of(node_pointer self, const caf::strong_actor_ptr& sender) {
  return const_cast<peer*>(peer_of(self, sender));
}

template <class... Ts>
void broadcast(node_pointer self, const Ts&... xs) {
  for (auto& kvp : self->state.peers)
    self->send(kvp.second.handle, xs...);
}

template <class T>
void emit(node_pointer self, const T& event) {
  // Observers are dynamically typed; a typed actor sends to them
  // anonymously.
  for (auto& who : self->state.observers)
    caf::anon_send(who, event);
}

bool is_local(node_pointer self, const caf::actor& who) {
  return who && who.node() == self->system().node();
}

bool is_forwarder(node_pointer self, const caf::actor& who) {
  for (auto& kvp : self->state.peers)
    if (kvp.second.forwarder == who)
      return true;
  return false;
}

/// Whether a topic has subscribers on this node other than forwarders.
bool has_local_subscribers(node_pointer self, const detail::topic_entry& e) {
  auto subscribers = e.snapshot();
  return std::any_of(subscribers->begin(), subscribers->end(),
                     [&](const caf::actor& x) {
                       return is_local(self, x) && !is_forwarder(self, x);
                     });
}

std::vector<name_entry> local_names(node_pointer self) {
  std::vector<name_entry> result;
  auto& names = self->state.shared->names;
  for (auto& name : names.names()) {
    auto handle = names.find(name);
    if (is_local(self, handle))
      result.push_back(name_entry{name, std::move(handle)});
  }
  return result;
}

node_hello make_hello(node_pointer self) {
  node_hello result;
  result.self = self->state.self;
  result.sink = caf::actor_cast<caf::actor>(self->state.sink);
  result.names = local_names(self);
  result.topics.assign(self->state.interest.begin(),
                       self->state.interest.end());
  for (auto& kvp : self->state.peers)
    result.members.push_back(kvp.second.address);
  return result;
}

// -- waiters ------------------------------------------------------------------

void resolve_name_waiters(node_pointer self, const std::string& name) {
  auto range = self->state.name_waiters.equal_range(name);
  if (range.first == range.second)
    return;
  auto handle = self->state.shared->names.find(name);
  if (!handle)
    return;
  for (auto i = range.first; i != range.second; ++i)
    i->second.deliver(handle);
  self->state.name_waiters.erase(range.first, range.second);
}

void resolve_topic_waiters(node_pointer self) {
  auto& waiters = self->state.topic_waiters;
  auto ready = [&](topic_waiter& w) {
    auto i = self->state.peers.find(w.node);
    if (i == self->state.peers.end() || i->second.topics.count(w.topic) == 0)
      return false;
    w.promise.deliver(caf::unit);
    return true;
  };
  waiters.erase(std::remove_if(waiters.begin(), waiters.end(), ready),
                waiters.end());
}

// -- names and topics ---------------------------------------------------------

void add_remote_name(node_pointer self, peer& p, const name_entry& entry) {
  auto& names = self->state.shared->names;
  if (entry.name.empty() || !entry.handle)
    return;
  if (!names.try_insert(entry.name, entry.handle)
      && names.find(entry.name) != entry.handle) {
    log::warning("node '{}' registers '{}', which is taken here; send_to "
                 "'{}' on this node keeps reaching the existing agent",
                 p.address.name, entry.name, entry.name);
    return;
  }
  p.names[entry.name] = entry.handle.address();
  resolve_name_waiters(self, entry.name);
}

void remove_remote_name(node_pointer self, peer& p, const std::string& name) {
  auto i = p.names.find(name);
  if (i == p.names.end())
    return;
  self->state.shared->names.erase(name, i->second);
  p.names.erase(i);
}

void forward_topic(node_pointer self, peer& p, const std::string& topic,
                   bool on) {
  auto& topics = self->state.shared->topics;
  if (on) {
    // Subscribed here, synchronously: a waiter told "forwarding" may
    // publish at once.
    topics.intern(topic).add(p.forwarder);
    p.topics.insert(topic);
  } else if (auto* entry = topics.find(topic)) {
    entry->remove(p.forwarder.address());
    p.topics.erase(topic);
  }
}

void topic_changed(node_pointer self, const std::string& topic) {
  auto* entry = self->state.shared->topics.find(topic);
  if (entry == nullptr)
    return;
  auto now = has_local_subscribers(self, *entry);
  auto was = self->state.interest.count(topic) > 0;
  if (now == was)
    return;
  topics_update update;
  if (now) {
    self->state.interest.insert(topic);
    update.added.push_back(topic);
  } else {
    self->state.interest.erase(topic);
    update.removed.push_back(topic);
  }
  broadcast(self, update);
}

void local_name_changed(node_pointer self, const std::string& name,
                        const caf::actor& handle, bool added) {
  // Checked against the table: the notice may be stale by now.
  auto current = self->state.shared->names.find(name);
  if (!is_local(self, handle) || (current == handle) != added)
    return;
  names_update update;
  if (added)
    update.added.push_back(name_entry{name, handle});
  else
    update.removed.push_back(name);
  broadcast(self, update);
  if (added)
    resolve_name_waiters(self, name);
}

// -- membership ---------------------------------------------------------------

void start_dial(node_pointer self, endpoint to,
                std::optional<caf::response_promise> promise,
                std::string member);

/// Dials a member unless connected or already dialing. Every pair of nodes
/// connects once: the one with the smaller name dials, unless the other
/// does not listen.
void consider_member(node_pointer self, const node_address& member) {
  auto& st = self->state;
  if (member.name.empty() || member.name == st.self.name)
    return;
  st.members[member.name] = member;
  if (st.peers.count(member.name) > 0 || member.port == 0
      || member.host.empty())
    return;
  if (st.self.port != 0 && !(st.self.name < member.name))
    return;
  for (auto& kvp : st.dials)
    if (kvp.second.member == member.name)
      return;
  start_dial(self, endpoint{member.host, member.port}, std::nullopt,
             member.name);
}

/// Logs and reports that a peer joined, once its address is known.
void announce_joined(node_pointer self, const std::string& name) {
  auto& st = self->state;
  auto i = st.peers.find(name);
  if (i == st.peers.end())
    return;
  auto rejoined = !st.joined_before.insert(name).second;
  log::info("node '{}' {} ({}{})", name, rejoined ? "is back" : "joined",
            i->second.remote, i->second.dialed ? ", dialed" : "");
  emit(self, node_joined{name, i->second.remote, rejoined});
}

caf::error open_session(node_pointer self, const node_hello& hello,
                        node_actor handle, const std::string& remote,
                        bool dialed) {
  auto& st = self->state;
  const auto& name = hello.self.name;
  if (hello.protocol != cluster_protocol_version)
    return make_error(errc::unsupported,
                      "node '" + name + "' speaks cluster protocol "
                        + std::to_string(hello.protocol) + ", this node "
                        + std::to_string(cluster_protocol_version));
  if (name.empty() || name == st.self.name)
    return make_error(errc::duplicate_name,
                      "a peer claims this node's name '" + name + "'");
  if (auto i = st.peers.find(name); i != st.peers.end()) {
    if (i->second.handle.node() == handle.node())
      return caf::none; // the same node, met from both sides
    return make_error(errc::duplicate_name,
                      "a node named '" + name + "' is already connected from "
                        + i->second.remote);
  }
  peer p;
  p.address = hello.self;
  p.remote = remote;
  if (p.address.host.empty() && p.address.port != 0)
    p.address.host = endpoint_host(remote);
  p.handle = handle;
  p.sink = hello.sink;
  p.last_seen = self->clock().now();
  p.dialed = dialed;
  p.forwarder = st.rt->spawn<topic_forwarder>(name, hello.sink,
                                              caf::actor_cast<caf::actor>(
                                                st.sink),
                                              st.opts.forwarding);
  self->monitor(handle);
  self->monitor(p.forwarder);
  auto& ref = st.peers.emplace(name, std::move(p)).first->second;
  st.by_node[handle.node()] = name;
  st.members[name] = ref.address;
  st.backoff.erase(name);
  for (auto& entry : hello.names)
    add_remote_name(self, ref, entry);
  for (auto& topic : hello.topics)
    forward_topic(self, ref, topic, true);
  // The dialing side knows the address; the accepting side learns it from
  // the middleman first (see the hello handler).
  if (dialed)
    announce_joined(self, name);
  resolve_topic_waiters(self);
  // Tell the others, so that every pair connects.
  for (auto& kvp : st.peers)
    if (kvp.first != name)
      self->send(kvp.second.handle, caf::join_atom::value, ref.address);
  for (auto& member : hello.members)
    consider_member(self, member);
  return caf::none;
}

void lose_peer(node_pointer self, std::string name, const std::string& why,
               bool graceful) {
  // `name` is a copy: callers pass keys of the map this erases from.
  auto& st = self->state;
  auto i = st.peers.find(name);
  if (i == st.peers.end())
    return;
  auto p = std::move(i->second);
  st.peers.erase(i);
  st.by_node.erase(p.handle.node());
  self->demonitor(p.handle.address());
  self->demonitor(p.forwarder.address());
  for (auto& kvp : p.names)
    st.shared->names.erase(kvp.first, kvp.second);
  st.shared->topics.remove_everywhere(p.forwarder.address());
  self->send_exit(p.forwarder, caf::exit_reason::user_shutdown);
  auto text = "node '" + name + "' (" + p.remote + ") "
              + (graceful ? "left: " : "lost: ") + why;
  if (graceful)
    log::info("{}", text);
  else
    log::warning("{}", text);
  emit(self, node_lost{name, p.remote, make_error(errc::node_lost, text),
                       graceful});
  auto& waiters = st.topic_waiters;
  for (auto& w : waiters)
    if (w.node == name)
      w.promise.deliver(make_error(errc::node_lost, text));
  waiters.erase(std::remove_if(waiters.begin(), waiters.end(),
                               [&](const topic_waiter& w) {
                                 return w.node == name;
                               }),
                waiters.end());
  if (!graceful && p.dialed && st.opts.reconnect) {
    st.backoff[name] = std::chrono::milliseconds{100};
    self->delayed_send(self, st.backoff[name], caf::connect_atom::value,
                       name);
  }
}

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
    finish_dial(self, x.request,
                make_error(code, "cannot connect to " + target + ": "
                                   + x.error));
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
    finish_dial(self, id,
                make_error(code_of(err) == errc::none ? errc::unauthorized
                                                      : code_of(err),
                           "cannot connect to " + target + ": "
                             + to_text(err)));
  };
  self
    ->request(st.basp, st.opts.connect_timeout, caf::connect_atom::value,
              std::move(*scribe), i->second.to.port)
    .then(
      [self, id, target, fail](const caf::node_id&, caf::strong_actor_ptr ptr,
                               const std::set<std::string>& sigs) mutable {
        if (!ptr || sigs != self->state.sigs) {
          caf::error err = make_error(errc::unsupported,
                                      "the node runs an incompatible troupe "
                                      "version");
          fail(err);
          return;
        }
        auto handle = caf::actor_cast<node_actor>(ptr);
        self
          ->request(handle, self->state.opts.connect_timeout,
                    hello_atom::value, make_hello(self))
          .then(
            [self, id, handle, target](const node_hello& hello) {
              if (auto err = open_session(self, hello, handle, target, true))
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
      log::warning("{} passed the secret check but never introduced itself{}",
                   i->first,
                   st.opts.tls.enabled()
                     ? " (its TLS certificate was probably refused)"
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

namespace {

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
  self->attach_functor([gate = st.gate, shared = st.shared,
                        sink = st.sink](const caf::error&) {
    gate->stop();
    shared->names.set_observer({});
    shared->topics.set_observer({});
    caf::anon_send_exit(sink, caf::exit_reason::user_shutdown);
  });
  self->set_down_handler([self](caf::down_msg& down) { on_down(self, down); });
  self->delayed_send(self, st.opts.heartbeat_interval, caf::tick_atom::value);
  return {
    // -- from peers -----------------------------------------------------------
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
      self
        ->request(self->state.basp, self->state.opts.request_timeout,
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
      auto* p = mutable_peer_of(self, self->current_sender());
      if (p == nullptr)
        return;
      for (auto& name : update.removed)
        remove_remote_name(self, *p, name);
      for (auto& entry : update.added)
        add_remote_name(self, *p, entry);
    },
    [self](topics_update& update) {
      auto* p = mutable_peer_of(self, self->current_sender());
      if (p == nullptr)
        return;
      for (auto& topic : update.removed)
        forward_topic(self, *p, topic, false);
      for (auto& topic : update.added)
        forward_topic(self, *p, topic, true);
      resolve_topic_waiters(self);
    },
    [self](heartbeat_atom, uint64_t) {
      if (auto* p = mutable_peer_of(self, self->current_sender()))
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
    // -- local API ------------------------------------------------------------
    [self](caf::connect_atom, const std::string& host,
           uint16_t port) -> caf::result<std::string> {
      auto& st = self->state;
      for (auto& kvp : st.peers)
        if (kvp.second.address.host == host && kvp.second.address.port == port)
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
        return make_error(errc::not_found, "no node named '" + node
                                             + "' is connected");
      auto rp = self->make_response_promise();
      self->request(i->second.handle, st.opts.request_timeout,
                    caf::spawn_atom::value, req)
        .then(
          [self, rp, node, name = req.name](caf::actor& handle) mutable {
            // Enter the name now: the peer's update may still be under way
            // and the caller will send to it next.
            if (!name.empty()) {
              auto i = self->state.peers.find(node);
              if (i != self->state.peers.end())
                add_remote_name(self, i->second, name_entry{name, handle});
            }
            rp.deliver(std::move(handle));
          },
          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
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
        return make_error(errc::not_found, "no node named '" + node
                                             + "' is connected");
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
        return make_error(errc::not_found, "no node named '" + at
                                             + "' is connected");
      return self->delegate(i->second.handle, await_atom::value, node, topic);
    },
    [self](caf::leave_atom) {
      auto why = "node '" + self->state.self.name + "' shut down";
      broadcast(self, goodbye_atom::value, why);
      // Nothing to reconnect to once this node goes.
      self->state.opts.reconnect = false;
    },
    // -- internal -------------------------------------------------------------
    [self](socket_handoff& x) {
      if (!x.socket)
        return;
      if (x.request == 0)
        on_accepted(self, x);
      else
        on_dialed(self, x);
    },
    [self](caf::update_atom, const std::string& name, const caf::actor& handle,
           bool added) {
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
