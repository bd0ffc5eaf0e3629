// Two agents exchange typed messages by name and by topic.
//
// alice greets bob by name; bob answers alice by name and announces each
// greeting on the topic "news", to which alice subscribed. After three
// rounds alice tells bob to shut down and stops herself; main waits for
// both and exits.

#include <iostream>
#include <string>

#include "troupe/actors/agent.hpp"
#include "troupe/runtime/runtime.hpp"

#include <caf/all.hpp>

// -- the messages -------------------------------------------------------------

struct greeting {
  std::string from;
  std::string text;
  int round = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, greeting& x) {
  return f(caf::meta::type_name("greeting"), x.from, x.text, x.round);
}

struct announcement {
  std::string text;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, announcement& x) {
  return f(caf::meta::type_name("announcement"), x.text);
}

// User types get IDs from troupe::first_user_type_id on, so they never
// collide with the runtime's own.
CAF_BEGIN_TYPE_ID_BLOCK(hello_agents, troupe::first_user_type_id)
CAF_ADD_TYPE_ID(hello_agents, (greeting))
CAF_ADD_TYPE_ID(hello_agents, (announcement))
CAF_END_TYPE_ID_BLOCK(hello_agents)

// -- the agents ---------------------------------------------------------------

constexpr int rounds = 3;

class alice : public troupe::agent {
public:
  using agent::agent;

protected:
  troupe::handler_set handlers() override {
    return handle([this](const greeting& reply) {
      caf::aout(this) << "bob -> alice: " << reply.text << " (round "
                      << reply.round << ")" << std::endl;
      if (reply.round < rounds) {
        send_to("bob", greeting{"alice", "hello again", reply.round + 1});
        return;
      }
      caf::aout(this) << "alice and bob exchanged " << rounds << " rounds"
                      << std::endl;
      send_to("bob", troupe::shutdown_atom::value);
      quit();
    });
  }

  void work() override {
    subscribe("news", [this](const announcement& news) {
      caf::aout(this) << "alice read on 'news': " << news.text << std::endl;
    });
    // A name nobody registered is an error value, never a crash.
    if (auto err = send_to("carol", greeting{"alice", "hi", 0}))
      caf::aout(this) << "alice could not reach carol: " << troupe::to_text(err)
                      << std::endl;
    send_to("bob", greeting{"alice", "hello", 1});
  }

  void on_shutdown() override { caf::aout(this) << "alice stops" << std::endl; }
};

class bob : public troupe::agent {
public:
  using agent::agent;

protected:
  troupe::handler_set handlers() override {
    return handle([this](const greeting& hello) {
      caf::aout(this) << hello.from << " -> bob: " << hello.text << " (round "
                      << hello.round << ")" << std::endl;
      publish("news", announcement{"bob was greeted in round "
                                   + std::to_string(hello.round)});
      send_to(hello.from, greeting{"bob", "hello to you", hello.round});
    });
  }

  void on_shutdown() override { caf::aout(this) << "bob stops" << std::endl; }
};

// -- main ---------------------------------------------------------------------

int main() {
  troupe::config cfg;
  cfg.add_message_types<caf::id_block::hello_agents>();
  troupe::runtime rt{cfg};
  // bob first: alice greets him by name as soon as she starts.
  if (auto b = rt.spawn_agent<bob>("bob"); !b) {
    std::cerr << troupe::to_text(b.error()) << std::endl;
    return 1;
  }
  if (auto a = rt.spawn_agent<alice>("alice"); !a) {
    std::cerr << troupe::to_text(a.error()) << std::endl;
    return 1;
  }
  rt.await_agents();
  return 0;
}
