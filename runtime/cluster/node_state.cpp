#include "troupe/runtime/cluster/node_state.hpp"

#include <algorithm>

#include "troupe/actors/topic_forwarder.hpp"
#include "troupe/messages/errors.hpp"
#include "troupe/runtime/log.hpp"
#include "troupe/runtime/runtime.hpp"

#include <caf/exit_reason.hpp>

namespace troupe::detail {

namespace {

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

} // namespace

std::string endpoint_host(const std::string& host_port) {
  auto parsed = parse_endpoint(host_port, "address");
  return parsed ? parsed->host : std::string{};
}

peer* peer_of(node_pointer self, const caf::strong_actor_ptr& sender) {
  if (!sender)
    return nullptr;
  auto i = self->state.by_node.find(sender->node());
  if (i == self->state.by_node.end())
    return nullptr;
  auto j = self->state.peers.find(i->second);
  return j != self->state.peers.end() ? &j->second : nullptr;
}

bool has_local_subscribers(node_pointer self, const topic_entry& e) {
  auto subscribers = e.snapshot();
  return std::any_of(subscribers->begin(), subscribers->end(),
                     [&](const caf::actor& x) {
                       return is_local(self, x) && !is_forwarder(self, x);
                     });
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
    return make_error(errc::duplicate_name, "a node named '" + name
                                                + "' is already connected from "
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
  p.forwarder = st.rt->spawn<topic_forwarder>(
      name, hello.sink, caf::actor_cast<caf::actor>(st.sink),
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
  emit(self,
       node_lost{name, p.remote, make_error(errc::node_lost, text), graceful});
  auto& waiters = st.topic_waiters;
  for (auto& w : waiters)
    if (w.node == name)
      w.promise.deliver(make_error(errc::node_lost, text));
  waiters.erase(
      std::remove_if(waiters.begin(), waiters.end(),
                     [&](const topic_waiter& w) { return w.node == name; }),
      waiters.end());
  if (!graceful && p.dialed && st.opts.reconnect) {
    st.backoff[name] = std::chrono::milliseconds{100};
    self->delayed_send(self, st.backoff[name], caf::connect_atom::value, name);
  }
}

// -- dialing and accepting ----------------------------------------------------

} // namespace troupe::detail
