// A binary with a resource type of its own and the whole `troupe` command
// line: `custom_resource run countdown.toml` runs experiments that use
// `countdown` resources next to the built-in ones.
//
// A countdown resource counts `ticks` down, one every `period`, writing
// each step to its trace "count", and stops by itself at zero. Its deploy
// waits until every connected resource of another type is READY (waiting
// for connected countdowns would wait in a circle: connections go both
// ways).

#include <memory>
#include <string>
#include <troupe/actors/resource.hpp>
#include <troupe/runtime/cli/cli.hpp>
#include <troupe/runtime/config.hpp>
#include <troupe/runtime/experiment/registry.hpp>

// The resource's own timer message, with its type ID.
struct countdown_tick {
  uint64_t run = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, countdown_tick& x) {
  return f(caf::meta::type_name("countdown_tick"), x.run);
}

CAF_BEGIN_TYPE_ID_BLOCK(custom_resource, troupe::first_user_type_id)
CAF_ADD_TYPE_ID(custom_resource, (countdown_tick))
CAF_END_TYPE_ID_BLOCK(custom_resource)

class countdown : public troupe::resource {
public:
  countdown(caf::actor_config& cfg, troupe::resource_setup setup)
      : resource(cfg, std::move(setup)) {
    declare_trace("count");
  }

protected:
  void on_deploy() override {
    // Finishes later: when the controller says the peers are READY.
    troupe::guid_list others;
    for (auto& peer : peer_list())
      if (peer.type != type())
        others.push_back(peer.guid);
    wait_for(others, troupe::resource_state::ready,
             [this](const caf::error& err) {
               if (err)
                 fail("peers not ready: " + troupe::to_text(err));
               else
                 done();
             });
  }

  void on_start() override {
    left_ = attr<int64_t>("ticks", 3);
    if (left_ <= 0) {
      fail("ticks must be > 0");
      return;
    }
    done();
    schedule_tick();
  }

  void on_stop() override {
    ++run_; // a pending tick no longer counts
    done();
  }

  caf::message_handler handlers() override {
    return {[this](const countdown_tick& x) {
      if (x.run != run_)
        return;
      append_trace("count", std::to_string(left_) + "\n");
      if (--left_ == 0)
        finished();
      else
        schedule_tick();
    }};
  }

private:
  void schedule_tick() {
    delayed_send(this, attr<caf::timespan>("period", caf::timespan{0}),
                 countdown_tick{run_});
  }

  int64_t left_ = 0;
  uint64_t run_ = 0;
};

int main(int argc, char** argv) {
  auto types
      = std::make_shared<troupe::registry>(troupe::registry::with_builtins());
  types->add_resource_type<countdown>(
      "countdown", "counts down, then stops",
      {{"ticks", troupe::attr_kind::integer, caf::config_value{int64_t{3}},
        false, "how many steps"},
       {"period", troupe::attr_kind::duration,
        caf::config_value{caf::timespan{100000000}}, false,
        "time between steps"}});
  types->add_config_step([](troupe::config& cfg) {
    cfg.add_message_types<caf::id_block::custom_resource>();
  });
  return troupe::cli::main(argc, argv, types);
}
