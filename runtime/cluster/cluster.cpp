#include "troupe/runtime/cluster/cluster.hpp"

#include "troupe/messages/errors.hpp"
#include "troupe/runtime/cluster/gate.hpp"
#include "troupe/runtime/log.hpp"

#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/scoped_actor.hpp>

namespace troupe {

namespace {

std::string in_ms(caf::timespan x) {
  return std::to_string(
             std::chrono::duration_cast<std::chrono::milliseconds>(x).count())
         + " ms";
}

bool is_wildcard(const std::string& host) {
  return host == "0.0.0.0" || host == "::" || host == "*";
}

/// Blocks on a request to the node actor; for code outside actors.
template <class R, class... Ts>
caf::expected<R> ask(runtime& rt, const node_actor& node, caf::timespan timeout,
                     Ts&&... xs) {
  caf::scoped_actor self{rt.system()};
  caf::expected<R> result{make_error(errc::timeout, "no answer")};
  self->request(node, timeout, std::forward<Ts>(xs)...)
      .receive([&](R& x) { result = std::move(x); },
               [&](caf::error& err) { result = std::move(err); });
  return result;
}

} // namespace

caf::error validate(const cluster_options& opts) {
  auto fail = [](const std::string& why) {
    return make_error(errc::invalid_config, why);
  };
  if (opts.name.empty())
    return fail("a node needs a name (--name)");
  if (opts.name.size() > 128)
    return fail("the node name '" + opts.name + "' is longer than 128 bytes");
  if (opts.tls.enabled())
    if (auto err = detail::check_tls_files(opts.tls))
      return err;
  if (opts.heartbeat_interval.count() <= 0)
    return fail("the heartbeat interval must be positive");
  if (opts.heartbeat_timeout <= opts.heartbeat_interval)
    return fail("the heartbeat timeout must exceed the heartbeat interval");
  if (opts.listen && opts.secret.empty() && !opts.tls.enabled()
      && !opts.insecure && !is_loopback(opts.listen->host))
    return fail("refusing to listen on " + to_string(*opts.listen)
                + " without authentication: give --secret-file (or TLS "
                  "certificates), listen on loopback, or pass --insecure");
  return caf::none;
}

caf::error enable_cluster(config& cfg, const cluster_options& opts) {
  if (auto err = validate(opts))
    return err;
  cfg.load<caf::io::middleman>();
  if (opts.tls.enabled()) {
    cfg.load<caf::openssl::manager>();
    cfg.set("openssl.certificate", opts.tls.certificate);
    cfg.set("openssl.key", opts.tls.key);
    cfg.set("openssl.cafile", opts.tls.ca);
  }
  cfg.set("middleman.heartbeat-interval", opts.heartbeat_interval);
  cfg.set("middleman.connection-timeout", opts.heartbeat_timeout);
  return caf::none;
}

caf::expected<cluster> cluster::start(runtime& rt, cluster_options opts) {
  if (auto err = validate(opts))
    return err;
  if (!rt.system().has_middleman())
    return make_error(errc::invalid_config,
                      "the runtime's config did not go through "
                      "troupe::enable_cluster");
  detail::gate_options gate_opts;
  gate_opts.auth.secret = opts.secret;
  gate_opts.auth.tls = opts.tls.enabled();
  std::string error;
  auto gate = detail::gate::open(opts.listen ? &*opts.listen : nullptr,
                                 gate_opts, error);
  if (!gate)
    return make_error(errc::io_error, error);
  node_setup setup;
  setup.self.name = opts.name;
  setup.self.port = gate->port();
  if (opts.advertise) {
    setup.self.host = opts.advertise->host;
    setup.self.port = opts.advertise->port;
  } else if (opts.listen && !is_wildcard(opts.listen->host)) {
    setup.self.host = opts.listen->host;
  }
  auto port = gate->port();
  auto name = opts.name;
  auto timeout = opts.connect_timeout;
  setup.options = std::move(opts);
  setup.gate = std::move(gate);
  auto handle = spawn_node(rt, std::move(setup));
  return cluster{rt, std::move(handle), std::move(name), port, timeout};
}

cluster::cluster(runtime& rt, node_actor handle, std::string name,
                 uint16_t port, caf::timespan timeout)
    : rt_(&rt),
      handle_(std::move(handle)),
      name_(std::move(name)),
      port_(port),
      timeout_(timeout) {
  // nop
}

caf::expected<std::string> cluster::connect(const endpoint& to) {
  // The node actor enforces the connect timeout; the margin covers the
  // hello exchange after it.
  return ask<std::string>(*rt_, handle_, 2 * timeout_, caf::connect_atom::value,
                          to.host, to.port);
}

caf::expected<caf::actor> cluster::spawn_on(const std::string& node,
                                            spawn_request req) {
  return ask<caf::actor>(*rt_, handle_, 2 * timeout_, caf::spawn_atom::value,
                         node, std::move(req));
}

caf::expected<caf::actor> cluster::await_name(const std::string& name,
                                              caf::timespan timeout) {
  auto result
      = ask<caf::actor>(*rt_, handle_, timeout, await_atom::value, name);
  if (!result && result.error() == caf::sec::request_timeout)
    return make_error(errc::timeout,
                      "no agent named '" + name + "' within " + in_ms(timeout));
  return result;
}

caf::expected<caf::actor> cluster::await_name_on(const std::string& node,
                                                 const std::string& name,
                                                 caf::timespan timeout) {
  auto result = ask<caf::actor>(*rt_, handle_, timeout, await_atom::value,
                                names_atom::value, node, name);
  if (!result && result.error() == caf::sec::request_timeout)
    return make_error(errc::timeout, "node '" + node + "' knows no agent '"
                                         + name + "' within " + in_ms(timeout));
  return result;
}

caf::error cluster::await_subscriber(const std::string& node,
                                     const std::string& topic,
                                     caf::timespan timeout) {
  return await_subscriber_at(name_, node, topic, timeout);
}

caf::error cluster::await_subscriber_at(const std::string& at,
                                        const std::string& node,
                                        const std::string& topic,
                                        caf::timespan timeout) {
  caf::scoped_actor self{rt_->system()};
  caf::error result;
  self->request(handle_, timeout, await_atom::value, at, node, topic)
      .receive([] {}, [&](caf::error& err) { result = std::move(err); });
  if (result == caf::sec::request_timeout)
    return make_error(errc::timeout, "node '" + at + "' does not forward '"
                                         + topic + "' to node '" + node
                                         + "' within " + in_ms(timeout));
  return result;
}

std::vector<node_status> cluster::peers() {
  auto result = ask<std::vector<node_status>>(
      *rt_, handle_, timeout_, caf::get_atom::value, peers_atom::value);
  return result ? std::move(*result) : std::vector<node_status>{};
}

void cluster::observe(const caf::actor& who) {
  caf::anon_send(handle_, caf::join_atom::value, node_events_atom::value, who);
}

void cluster::leave() {
  caf::scoped_actor self{rt_->system()};
  self->request(handle_, timeout_, caf::leave_atom::value)
      .receive([] {}, [](caf::error&) {});
}

} // namespace troupe
