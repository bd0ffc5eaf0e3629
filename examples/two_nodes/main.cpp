// Two nodes: this process is the controller, a `troupe node` process hosts
// an agent placed there by name. A sensor agent here publishes readings on
// the topic "readings"; the listener agent on the other node receives them
// and answers each one by name. Nothing in the agents says where the other
// one runs: `publish` and `send_to` are the same calls as in one process.
//
//   two_nodes                     runs both: starts itself as the node
//   two_nodes node --name N --listen HOST:PORT --secret-file F
//                                 the node (the stock `troupe node` CLI with
//                                 this example's agents registered)
//   two_nodes controller HOST:PORT SECRET_FILE
//                                 the controller, joining a running node
//
// Replaying a recorded log on one node into agents on the other works the
// same way once the replay part of troupe is in: the node hosting the log
// runs the replay, whose broadcaster publishes on topics the other node's
// agents subscribed to. (Not built yet; this example publishes live.)

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "troupe/actors/agent.hpp"
#include "troupe/runtime/cli/cli.hpp"
#include "troupe/runtime/cluster/cluster.hpp"

#include <caf/all.hpp>

// -- the messages (the same on both nodes) ------------------------------------

struct reading {
  std::string sensor;
  int32_t seq = 0;
  double value = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reading& x) {
  return f(caf::meta::type_name("reading"), x.sensor, x.seq, x.value);
}

struct reading_ack {
  std::string by;
  int32_t seq = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reading_ack& x) {
  return f(caf::meta::type_name("reading_ack"), x.by, x.seq);
}

CAF_BEGIN_TYPE_ID_BLOCK(two_nodes, troupe::first_user_type_id)
CAF_ADD_TYPE_ID(two_nodes, (reading))
CAF_ADD_TYPE_ID(two_nodes, (reading_ack))
CAF_END_TYPE_ID_BLOCK(two_nodes)

constexpr int32_t readings = 5;

// -- the agents ---------------------------------------------------------------

/// Runs on the node: receives every reading and answers the sensor by name.
class listener : public troupe::agent {
public:
  using agent::agent;

protected:
  void work() override {
    subscribe("readings", [this](const reading& x) {
      caf::aout(this) << agent_name() << " received reading " << x.seq << " ("
                      << x.value << ") from " << x.sensor << std::endl;
      send_to(x.sensor, reading_ack{agent_name(), x.seq});
    });
  }
};

/// Runs in the controller: publishes readings, counts the answers.
class sensor : public troupe::agent {
public:
  sensor(caf::actor_config& cfg, std::string name, std::promise<int>* done)
      : agent(cfg, std::move(name)), done_(done) {
    // nop
  }

protected:
  troupe::handler_set handlers() override {
    return handle(
        [this](caf::tick_atom) {
          for (int32_t i = 1; i <= readings; ++i)
            publish("readings", reading{agent_name(), i, 20.0 + 0.5 * i});
        },
        [this](const reading_ack& ack) {
          caf::aout(this) << agent_name() << ": " << ack.by
                          << " acknowledged reading " << ack.seq << std::endl;
          if (++answered_ == readings)
            done_->set_value(answered_);
        });
  }

private:
  std::promise<int>* done_;
  int answered_ = 0;
};

void register_types(troupe::catalog& cat) {
  cat.add_message_types<caf::id_block::two_nodes>().add_agent<listener>(
      "listener");
}

// -- the controller -----------------------------------------------------------

int run_controller(const troupe::endpoint& node_at,
                   const std::string& secret_file) {
  using namespace std::chrono_literals;
  auto secret = troupe::read_secret_file(secret_file);
  if (!secret) {
    std::fprintf(stderr, "%s\n", troupe::to_text(secret.error()).c_str());
    return 2;
  }
  troupe::config cfg;
  troupe::catalog cat;
  register_types(cat);
  cat.configure(cfg);
  troupe::cluster_options opts;
  opts.name = "controller";
  opts.secret = *secret;
  opts.agents = &cat;
  if (auto err = troupe::enable_cluster(cfg, opts)) {
    std::fprintf(stderr, "%s\n", troupe::to_text(err).c_str());
    return 2;
  }
  troupe::runtime rt{cfg};
  auto node = troupe::cluster::start(rt, opts);
  if (!node) {
    std::fprintf(stderr, "%s\n", troupe::to_text(node.error()).c_str());
    return 1;
  }
  auto peer = node->connect(node_at);
  if (!peer) {
    std::fprintf(stderr, "%s\n", troupe::to_text(peer.error()).c_str());
    return 1;
  }
  std::printf("controller joined node '%s'\n", peer->c_str());
  std::fflush(stdout);
  // Place the listener on the node, by type name.
  if (auto x = node->spawn_on(*peer, {"listener", "listener", {}, false}); !x) {
    std::fprintf(stderr, "%s\n", troupe::to_text(x.error()).c_str());
    return 1;
  }
  std::promise<int> done;
  auto answered = done.get_future();
  auto s = rt.spawn_agent<sensor>("sensor", &done);
  // Names and subscriptions travel between nodes asynchronously: wait until
  // the node knows the sensor and its listener's subscription arrived here.
  if (!node->await_name_on(*peer, "sensor", 10s)
      || node->await_subscriber(*peer, "readings", 10s)) {
    std::fprintf(stderr, "the node did not get ready\n");
    return 1;
  }
  caf::anon_send(*s, caf::tick_atom::value);
  if (answered.wait_for(10s) != std::future_status::ready) {
    std::fprintf(stderr, "the node did not answer every reading\n");
    return 1;
  }
  std::printf("the node answered %d readings by name\n", answered.get());
  std::fflush(stdout);
  node->leave();
  return 0;
}

// -- running both -------------------------------------------------------------

/// Starts this binary as a node on a free loopback port; returns its pid
/// and address, and the pid of the process that relays its output.
pid_t start_node(const char* self_path, const std::string& secret_file,
                 troupe::endpoint& at, pid_t& relay) {
  int fds[2];
  if (::pipe(fds) != 0)
    return -1;
  auto pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[0]);
    ::execl(self_path, self_path, "node", "--name", "worker", "--listen",
            "127.0.0.1:0", "--secret-file", secret_file.c_str(), nullptr);
    std::_Exit(127);
  }
  ::close(fds[1]);
  // The node prints where it listens, then what its agents say.
  std::string line;
  char c;
  while (::read(fds[0], &c, 1) == 1 && c != '\n')
    line += c;
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
  relay = ::fork();
  if (relay == 0) {
    // Relay the node's further output.
    char buf[256];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof(buf))) > 0)
      [[maybe_unused]] auto written
          = ::write(STDOUT_FILENO, buf, static_cast<size_t>(n));
    std::_Exit(0);
  }
  ::close(fds[0]);
  auto pos = line.find("listening on ");
  if (pos == std::string::npos)
    return -1;
  auto text = line.substr(pos + 13);
  auto parsed = troupe::parse_endpoint(text.substr(0, text.find(' ')), "node");
  if (!parsed)
    return -1;
  at = *parsed;
  return pid;
}

int run_both(const char* self_path) {
  char dir[] = "/tmp/two-nodes-XXXXXX";
  if (::mkdtemp(dir) == nullptr)
    return 1;
  std::string secret_file = std::string{dir} + "/secret";
  {
    // A shared secret for this run only.
    FILE* out = std::fopen(secret_file.c_str(), "w");
    std::fprintf(out, "two-nodes-%d-%ld\n", static_cast<int>(::getpid()),
                 static_cast<long>(std::time(nullptr)));
    std::fclose(out);
    ::chmod(secret_file.c_str(), 0600);
  }
  troupe::endpoint at;
  pid_t relay = -1;
  auto pid = start_node(self_path, secret_file, at, relay);
  if (pid <= 0) {
    std::fprintf(stderr, "the node did not start\n");
    return 1;
  }
  auto status = run_controller(at, secret_file);
  ::kill(pid, SIGTERM);
  int node_status = 0;
  ::waitpid(pid, &node_status, 0);
  if (relay > 0)
    ::waitpid(relay, &node_status, 0);
  std::remove(secret_file.c_str());
  ::rmdir(dir);
  return status;
}

int main(int argc, char** argv) {
  if (argc > 1 && std::string{argv[1]} == "node") {
    register_types(troupe::catalog::global());
    return troupe::cli::main(argc, argv);
  }
  if (argc == 4 && std::string{argv[1]} == "controller") {
    auto at = troupe::parse_endpoint(argv[2], "node address");
    if (!at) {
      std::fprintf(stderr, "%s\n", troupe::to_text(at.error()).c_str());
      return 2;
    }
    return run_controller(*at, argv[3]);
  }
  if (argc != 1) {
    std::fprintf(stderr, "usage: two_nodes | two_nodes node ... | two_nodes "
                         "controller HOST:PORT SECRET_FILE\n");
    return 2;
  }
  return run_both(argv[0]);
}
