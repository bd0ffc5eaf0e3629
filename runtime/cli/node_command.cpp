#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <pthread.h>
#include <string>
#include <vector>

#include "troupe/runtime/cli/commands.hpp"
#include "troupe/runtime/cluster/cluster.hpp"
#include "troupe/runtime/log.hpp"

#include <CLI/CLI.hpp>

namespace troupe::cli {

namespace {

struct node_args {
  std::string name;
  std::string listen;
  std::string advertise;
  std::string secret_file;
  std::string tls_cert;
  std::string tls_key;
  std::string tls_ca;
  std::vector<std::string> connect;
  bool insecure = false;
  int heartbeat_interval_ms = 250;
  int heartbeat_timeout_ms = 1500;
  int threads = 0;
  std::string log_level;
};

int usage_error(const std::string& text) {
  std::fprintf(stderr, "troupe node: %s\n", text.c_str());
  return exit_usage;
}

/// Turns the arguments into cluster options; prints the first problem.
std::optional<cluster_options> make_options(const node_args& args) {
  cluster_options opts;
  opts.name = args.name;
  auto listen = parse_endpoint(args.listen, "--listen");
  if (!listen) {
    usage_error(to_text(listen.error()));
    return std::nullopt;
  }
  opts.listen = *listen;
  if (!args.advertise.empty()) {
    auto advertise = parse_endpoint(args.advertise, "--advertise");
    if (!advertise) {
      usage_error(to_text(advertise.error()));
      return std::nullopt;
    }
    opts.advertise = *advertise;
  }
  if (!args.secret_file.empty()) {
    auto secret = read_secret_file(args.secret_file);
    if (!secret) {
      usage_error(to_text(secret.error()));
      return std::nullopt;
    }
    opts.secret = std::move(*secret);
  }
  opts.tls = tls_options{args.tls_cert, args.tls_key, args.tls_ca};
  opts.insecure = args.insecure;
  if (args.threads < 0) {
    usage_error("--threads must be positive");
    return std::nullopt;
  }
  if (args.heartbeat_interval_ms <= 0 || args.heartbeat_timeout_ms <= 0) {
    usage_error("heartbeat settings must be positive");
    return std::nullopt;
  }
  opts.heartbeat_interval
      = std::chrono::milliseconds{args.heartbeat_interval_ms};
  opts.heartbeat_timeout = std::chrono::milliseconds{args.heartbeat_timeout_ms};
  if (auto err = validate(opts)) {
    usage_error(to_text(err));
    return std::nullopt;
  }
  return opts;
}

std::string auth_description(const cluster_options& opts) {
  if (!opts.secret.empty() && opts.tls.enabled())
    return "shared secret and mutual TLS";
  if (!opts.secret.empty())
    return "shared secret";
  if (opts.tls.enabled())
    return "mutual TLS";
  return "none";
}

/// Blocks SIGINT and SIGTERM in this thread and, because they inherit the
/// mask, in every thread started later; `sigwait` then receives them.
sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

int run_node(const node_args& args) {
  // A node tells what happens to it: info unless TROUPE_LOG or --log-level
  // say otherwise.
  log::level lvl = log::level::info;
  if (!args.log_level.empty()) {
    if (!log::parse_level(args.log_level, lvl))
      return usage_error("--log-level '" + args.log_level
                         + "': expected debug, info, warning, error or off");
    log::set_level(lvl);
  } else if (std::getenv("TROUPE_LOG") == nullptr) {
    log::set_level(lvl);
  }
  auto opts = make_options(args);
  if (!opts)
    return exit_usage;
  std::vector<endpoint> peers;
  for (auto& text : args.connect) {
    auto peer = parse_endpoint(text, "--connect");
    if (!peer)
      return usage_error(to_text(peer.error()));
    peers.push_back(*peer);
  }
  auto signals = block_stop_signals();
  // Writing to a peer that vanished must not kill the node.
  std::signal(SIGPIPE, SIG_IGN);
  config cfg;
  catalog::global().configure(cfg);
  if (args.threads > 0)
    cfg.set("scheduler.max-threads", args.threads);
  if (auto err = enable_cluster(cfg, *opts))
    return usage_error(to_text(err));
  runtime rt{cfg};
  auto node = cluster::start(rt, *opts);
  if (!node)
    return usage_error(to_text(node.error()));
  auto host = opts->advertise ? opts->advertise->host : opts->listen->host;
  std::printf("troupe node '%s' listening on %s (authentication: %s)\n",
              opts->name.c_str(),
              to_string(endpoint{host, node->port()}).c_str(),
              auth_description(*opts).c_str());
  std::fflush(stdout);
  for (auto& peer : peers) {
    auto joined = node->connect(peer);
    if (!joined) {
      std::fprintf(stderr, "troupe node: %s\n",
                   to_text(joined.error()).c_str());
      rt.shutdown();
      return exit_failed;
    }
    std::printf("troupe node '%s' joined node '%s' at %s\n", opts->name.c_str(),
                joined->c_str(), to_string(peer).c_str());
    std::fflush(stdout);
  }
  int sig = 0;
  sigwait(&signals, &sig);
  log::info("node '{}': {} received, shutting down", opts->name,
            sig == SIGINT ? "SIGINT" : "SIGTERM");
  node->leave();
  rt.shutdown();
  std::printf("troupe node '%s' stopped\n", opts->name.c_str());
  std::fflush(stdout);
  return exit_ok;
}

} // namespace

subcommand node_command() {
  auto attach = [](CLI::App& app) -> std::function<int()> {
    auto args = std::make_shared<node_args>();
    app.add_option("--name", args->name,
                   "This node's name, unique in the "
                   "cluster")
        ->required();
    app.add_option("--listen", args->listen,
                   "HOST:PORT to accept peers on (port 0: any free port)")
        ->required();
    app.add_option("--secret-file", args->secret_file,
                   "File with the cluster's shared secret (mode 600)");
    app.add_option("--tls-cert", args->tls_cert,
                   "This node's certificate (PEM) for mutual TLS");
    app.add_option("--tls-key", args->tls_key, "Its private key (PEM)");
    app.add_option("--tls-ca", args->tls_ca,
                   "The CA certificate that signs every node's certificate");
    app.add_flag("--insecure", args->insecure,
                 "Allow listening beyond loopback without authentication");
    app.add_option("--advertise", args->advertise,
                   "HOST:PORT peers should dial, if not the listen address");
    app.add_option("--connect", args->connect,
                   "HOST:PORT of a node to join at start (repeatable)");
    app.add_option("--heartbeat-interval", args->heartbeat_interval_ms,
                   "Milliseconds between heartbeats (default 250)");
    app.add_option("--heartbeat-timeout", args->heartbeat_timeout_ms,
                   "Milliseconds of silence before a peer is lost "
                   "(default 1500)");
    app.add_option("--threads", args->threads,
                   "Worker threads of the scheduler (default: CAF's, the "
                   "larger of the core count and 4)");
    app.add_option("--log-level", args->log_level,
                   "debug, info, warning, error or off (default info, or "
                   "TROUPE_LOG)");
    return [args] {
      return run_node(*args);
    };
  };
  return {"node", "Host agents for a controller and other nodes",
          std::move(attach)};
}

} // namespace troupe::cli
