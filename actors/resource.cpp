#include "troupe/actors/resource.hpp"

#include <exception>

#include "troupe/runtime/log.hpp"

#include <caf/actor_cast.hpp>
#include <caf/system_messages.hpp>

namespace troupe {

resource::resource(caf::actor_config& cfg, resource_setup setup)
    : super(cfg),
      setup_(std::move(setup)),
      guid_(setup_.guid),
      name_(setup_.name),
      type_(setup_.type),
      attrs_(std::move(setup_.attrs)),
      peers_(std::move(setup_.peers)),
      controller_(setup_.controller),
      rt_(setup_.rt),
      times_(resource_state_count, -1) {
  // nop
}

resource::~resource() {
  // nop
}

const char* resource::name() const {
  return name_.c_str();
}

// -- default hooks ------------------------------------------------------------

void resource::on_discover() {
  done();
}

void resource::on_provision() {
  done();
}

void resource::on_deploy() {
  done();
}

void resource::on_start() {
  done();
}

void resource::on_stop() {
  done();
}

void resource::on_release() {
  done();
}

caf::message_handler resource::handlers() {
  return {};
}

void resource::on_down(const caf::down_msg&) {
  // nop
}

// -- behavior -----------------------------------------------------------------

caf::behavior resource::make_behavior() {
  if (controller_)
    monitor(controller_);
  set_down_handler([this](caf::down_msg& msg) {
    if (msg.source == controller_.address()) {
      quit(msg.reason);
      return;
    }
    on_down(msg);
  });
  caf::message_handler builtins{
      [this](const resource_command& cmd) {
        batch_guard guard{this};
        return handle(cmd);
      },
      [this](const set_attribute& x) -> caf::result<void> {
        attrs_[x.name] = x.value;
        return caf::unit;
      },
      [this](const peer_added& x) { peers_.push_back(x.peer); },
      [this](reset_resource) -> caf::result<void> {
        batch_guard guard{this};
        if (state_ != resource_state::failed)
          return make_error(errc::wrong_state,
                            "resource '" + name_ + "' is " + to_string(state_)
                                + ", only a FAILED one restarts");
        error_.clear();
        enter(resource_state::new_);
        return caf::unit;
      },
      [this](const fail_resource& x) {
        batch_guard guard{this};
        fail(x.reason);
      },
      [this](const read_trace& x) -> caf::result<trace_data> {
        if (traces_.count(x.name) == 0)
          return make_error(errc::not_found, "resource '" + name_
                                                 + "' has no trace '" + x.name
                                                 + "'");
        if (x.what == trace_query::stream && x.block == 0)
          return make_error(errc::invalid_argument,
                            "a trace stream needs a block size > 0");
        return query(x);
      },
      [this](const list_traces&) {
        std::vector<std::string> result;
        for (auto& kvp : traces_)
          result.push_back(kvp.first);
        return result;
      },
  };
  return handlers().or_else(builtins);
}

void resource::on_exit() {
  // Stopped without a release (the controller went away): free what the
  // resource holds, e.g. kill its process.
  exiting_ = true;
  if (state_ != resource_state::released && state_ != resource_state::new_) {
    step_ = step::none;
    ++step_epoch_;
    try {
      on_release();
    } catch (...) {
      log::error("resource '{}': on_release threw while stopping", name_);
    }
  }
  for (auto& kvp : traces_)
    if (kvp.second.out)
      kvp.second.out->flush();
  controller_ = nullptr;
  super::on_exit();
}

caf::error check_action(const std::string& name, resource_state state,
                        resource_action action, bool busy) {
  auto refuse = [&](const char* why) {
    return make_error(errc::wrong_state, "cannot " + to_string(action)
                                             + " resource '" + name + "' in "
                                             + to_string(state) + ": " + why);
  };
  if (state == resource_state::released)
    return refuse("it is released");
  switch (action) {
    case resource_action::deploy:
      if (state != resource_state::new_ || busy)
        return refuse("deploy only from NEW");
      break;
    case resource_action::start:
      if ((state != resource_state::ready && state != resource_state::stopped)
          || busy)
        return refuse("start only from READY or STOPPED");
      break;
    case resource_action::stop:
      if (state != resource_state::started || busy)
        return refuse("stop only from STARTED");
      break;
    case resource_action::release: break;
  }
  return caf::none;
}

caf::result<void> resource::handle(const resource_command& cmd) {
  if (cmd.action == resource_action::release && step_ == step::release)
    return make_error(errc::wrong_state,
                      "resource '" + name_ + "' is already being released");
  if (auto err = check_action(name_, state_, cmd.action,
                              busy() && cmd.action != resource_action::release))
    return err;
  switch (cmd.action) {
    case resource_action::deploy: run_step(step::discover); break;
    case resource_action::start: run_step(step::start); break;
    case resource_action::stop: run_step(step::stop); break;
    case resource_action::release:
      step_ = step::none;
      ++step_epoch_;
      run_step(step::release);
      break;
  }
  return caf::unit;
}

void resource::run_step(step next) {
  step_ = next;
  try {
    switch (next) {
      case step::discover: on_discover(); break;
      case step::provision: on_provision(); break;
      case step::deploy: on_deploy(); break;
      case step::start: on_start(); break;
      case step::stop: on_stop(); break;
      case step::release: on_release(); break;
      case step::none: break;
    }
  } catch (const std::exception& ex) {
    fail(std::string{"hook threw: "} + ex.what());
  } catch (...) {
    fail("hook threw a non-standard exception");
  }
}

// -- ending steps -------------------------------------------------------------

void resource::done() {
  auto current = step_;
  if (current == step::none)
    return;
  step_ = step::none;
  ++step_epoch_;
  switch (current) {
    case step::discover:
      enter(resource_state::discovered);
      run_step(step::provision);
      break;
    case step::provision:
      enter(resource_state::provisioned);
      run_step(step::deploy);
      break;
    case step::deploy: enter(resource_state::ready); break;
    case step::start: enter(resource_state::started); break;
    case step::stop: enter(resource_state::stopped); break;
    case step::release: enter(resource_state::released); break;
    case step::none: break;
  }
}

void resource::fail(std::string why) {
  if (state_ == resource_state::released)
    return;
  if (step_ == step::release) {
    // A release always ends in RELEASED; the error is kept for the report.
    log::warning("resource '{}': release failed: {}", name_, why);
    error_ = std::move(why);
    done();
    return;
  }
  step_ = step::none;
  ++step_epoch_;
  error_ = std::move(why);
  enter(resource_state::failed);
}

void resource::finished() {
  if (state_ != resource_state::started)
    return;
  if (step_ == step::stop) {
    done();
    return;
  }
  if (step_ != step::none)
    return;
  enter(resource_state::stopped);
}

void resource::enter(resource_state next) {
  state_ = next;
  times_[static_cast<size_t>(next)] = clock().now().time_since_epoch().count();
  notify();
}

void resource::notify() {
  if (batching_)
    dirty_ = true;
  else
    flush();
}

void resource::flush() {
  dirty_ = false;
  if (controller_ && !exiting_)
    send(controller_, resource_update{guid_, state_, times_, error_});
}

// -- peers --------------------------------------------------------------------

void resource::wait_for(guid_list guids, resource_state target,
                        std::function<void(const caf::error&)> then) {
  if (exiting_ || !controller_)
    return; // stopping: nobody is left to answer
  auto epoch = step_epoch_;
  auto on_answer = [this, epoch, then](const caf::error& err) {
    if (epoch != step_epoch_)
      return; // the step that waited was dropped (e.g. by a release)
    then(err);
    if (dirty_ && !batching_)
      flush();
  };
  request(controller_, caf::infinite,
          troupe::wait_for{target, std::move(guids), guid_})
      .then([on_answer]() { on_answer(caf::none); },
            [on_answer](caf::error& err) { on_answer(err); });
}

guid_list resource::peers(const std::string& type) const {
  guid_list result;
  for (auto& peer : peers_)
    if (type.empty() || peer.type == type)
      result.push_back(peer.guid);
  return result;
}

// -- traces -------------------------------------------------------------------

void resource::declare_trace(const std::string& trace) {
  auto& file = traces_[trace];
  if (file.path.empty() && !setup_.trace_dir.empty())
    file.path = setup_.trace_dir + "/" + name_ + "." + trace;
}

void resource::append_trace(const std::string& trace, const std::string& data) {
  declare_trace(trace);
  auto& file = traces_[trace];
  file.content += data;
  if (!file.path.empty()) {
    if (!file.out)
      file.out = std::make_unique<std::ofstream>(
          file.path, std::ios::binary | std::ios::app);
    *file.out << data;
  }
}

trace_data resource::query(const read_trace& what) {
  auto& file = traces_[what.name];
  trace_data result;
  result.size = file.content.size();
  switch (what.what) {
    case trace_query::all: result.text = file.content; break;
    case trace_query::stream: {
      auto first = what.offset * what.block;
      if (what.offset != 0 && first / what.offset != what.block)
        break; // overflow: past the end
      if (first < file.content.size())
        result.text = file.content.substr(first, what.block);
      break;
    }
    case trace_query::path:
      if (file.out)
        file.out->flush();
      result.text = file.path;
      break;
    case trace_query::size: break;
  }
  return result;
}

} // namespace troupe
