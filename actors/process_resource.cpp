#include "troupe/actors/process_resource.hpp"

#include <csignal>

#include <caf/actor_cast.hpp>
#include <caf/send.hpp>
#include <caf/weak_intrusive_ptr.hpp>

namespace troupe {

process_resource::process_resource(caf::actor_config& cfg, resource_setup setup)
    : resource(cfg, std::move(setup)) {
  declare_trace("stdout");
  declare_trace("stderr");
}

process_resource::~process_resource() {
  // nop
}

resource_type_info process_resource::type_info() {
  resource_type_info result;
  result.name = type_name;
  result.description = "a local command: start runs it, stop ends it";
  result.attributes = {
      {"command", attr_kind::string, caf::config_value{std::string{}}, true,
       "run by /bin/sh -c"},
      {"cwd", attr_kind::string, caf::config_value{std::string{}}, false,
       "working directory (default: the current one)"},
      {"stop_timeout", attr_kind::duration,
       caf::config_value{caf::timespan{std::chrono::seconds{5}}}, false,
       "SIGKILL this long after SIGTERM"},
  };
  result.factory = [](caf::local_actor& parent, resource_setup setup) {
    return parent.spawn<process_resource, caf::monitored>(std::move(setup));
  };
  return result;
}

void process_resource::on_deploy() {
  if (attr<std::string>("command", {}).empty()) {
    fail("attribute 'command' is empty");
    return;
  }
  done();
}

void process_resource::on_start() {
  if (!supervisor_)
    supervisor_ = detail::process_supervisor::shared();
  stopping_ = false;
  // The supervisor's thread only enqueues; a resource that went away in
  // the meantime is skipped. Events carry the run number (known before the
  // child exists), so that late events of an earlier run are dropped.
  auto weak = caf::actor_cast<caf::weak_actor_ptr>(this);
  auto run = ++run_;
  std::string error;
  detail::process_spec spec{attr<std::string>("command", {}),
                            attr<std::string>("cwd", {})};
  child_ = supervisor_->spawn(
      spec,
      [weak, run](detail::process_event ev) {
        if (auto strong = weak.lock())
          caf::anon_send(caf::actor_cast<caf::actor>(strong),
                         process_output{run, static_cast<uint8_t>(ev.kind),
                                        std::move(ev.data), ev.status});
      },
      error);
  if (child_ == 0) {
    fail("cannot start '" + attr<std::string>("command", {}) + "': " + error);
    return;
  }
  done();
}

void process_resource::on_stop() {
  if (child_ == 0 || !supervisor_->signal(child_, SIGTERM)) {
    done();
    return;
  }
  stopping_ = true;
  delayed_send(this, attr<caf::timespan>("stop_timeout", caf::timespan{0}),
               process_kill{run_});
}

void process_resource::on_release() {
  if (child_ != 0 && supervisor_) {
    stopping_ = true;
    supervisor_->signal(child_, SIGKILL);
  }
  child_ = 0;
  // Let go of the supervisor here, on the actor's thread: if the last
  // reference went with the actor, and the actor died on the supervisor's
  // thread (its event callback holds the actor for a moment), the
  // supervisor would have to join its own thread.
  supervisor_.reset();
  done();
}

caf::message_handler process_resource::handlers() {
  return {
      [this](const process_output& x) {
        if (x.child != run_ || child_ == 0)
          return; // a child of an earlier run or already released
        switch (x.kind) {
          case detail::process_event::out:
            append_trace("stdout", x.data);
            break;
          case detail::process_event::err:
            append_trace("stderr", x.data);
            break;
          default: on_exit_status(x.status); break;
        }
      },
      [this](const process_kill& x) {
        if (x.child == run_ && child_ != 0 && supervisor_)
          supervisor_->signal(child_, SIGKILL);
      },
  };
}

void process_resource::on_exit_status(int status) {
  child_ = 0;
  if (stopping_) {
    stopping_ = false;
    done(); // the stop we asked for
    return;
  }
  if (status == 0) {
    finished();
    return;
  }
  if (status > 0)
    fail("process exited with status " + std::to_string(status));
  else
    fail("process killed by signal " + std::to_string(-status));
}

} // namespace troupe
