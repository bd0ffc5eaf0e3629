#include "troupe/actors/worker_pool.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <optional>

#include "troupe/messages/errors.hpp"
#include "troupe/runtime/log.hpp"
#include "troupe/runtime/runtime.hpp"

#include <caf/exit_reason.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace troupe {

namespace {

struct worker {
  caf::actor handle;
  std::string node;
  size_t in_flight = 0;
};

/// One run: items in, results out in input order.
struct job {
  uint64_t id = 0;
  std::vector<caf::message> items;
  std::optional<caf::actor> sink;
  caf::response_promise promise;
  /// Next item to hand to the first stage.
  size_t next_item = 0;
  /// Read results waiting for a compute worker.
  std::deque<std::pair<size_t, caf::message>> inputs;
  size_t reads_in_flight = 0;
  size_t computes_in_flight = 0;
  /// Results waiting for their predecessors.
  std::map<size_t, caf::message> done;
  size_t next_out = 0;
  std::vector<caf::message> outputs;
  /// Bumped on every admission into a stage; a buffer timer that finds it
  /// unchanged fires.
  uint64_t read_progress = 0;
  uint64_t compute_progress = 0;
  bool read_timer = false;
  bool compute_timer = false;
};

struct pool_state {
  static inline const char* name = "troupe.worker_pool";
  pool_spec spec;
  runtime* rt = nullptr;
  std::vector<worker> readers;
  std::vector<worker> computers;
  /// Shared with the exit hook, which outlives the state.
  std::shared_ptr<std::vector<caf::actor>> owned;
  size_t starting = 0;
  bool ready = false;
  caf::error broken;
  std::deque<job> queue;
  uint64_t next_job = 1;
};

using pool_pointer = worker_pool_actor::stateful_pointer<pool_state>;

std::string origin(const char* kind, size_t id, const worker& w) {
  auto result
      = std::string{"Error in "} + kind + " worker " + std::to_string(id);
  if (!w.node.empty())
    result += " on node '" + w.node + "'";
  return result;
}

caf::error worker_error(const char* kind, size_t id, const worker& w,
                        const std::string& detail) {
  return make_error(errc::worker_failed, origin(kind, id, w) + ": " + detail);
}

/// Explains a failed request: a timeout names the setting to raise.
std::string describe(const caf::error& err, const char* setting,
                     const optional_timeout& timeout) {
  if (err == caf::sec::request_timeout)
    return "no result within " + to_string(timeout) + "; raise " + setting
           + " (now " + to_string(timeout) + ")";
  return to_text(err);
}

caf::duration or_infinite(const optional_timeout& x) {
  return x ? caf::duration{*x} : caf::duration{caf::infinite};
}

bool has_read_stage(const pool_state& st) {
  return !st.readers.empty();
}

size_t compute_capacity(const pool_state& st) {
  return 2 * std::max<size_t>(st.computers.size(), 1);
}

size_t read_capacity(const pool_state& st) {
  return 2 * st.readers.size();
}

/// The least busy worker, or nullptr if all have two items.
worker* pick(std::vector<worker>& workers, size_t& index) {
  worker* best = nullptr;
  for (size_t i = 0; i < workers.size(); ++i)
    if (workers[i].in_flight < 2
        && (best == nullptr || workers[i].in_flight < best->in_flight)) {
      best = &workers[i];
      index = i;
    }
  return best;
}

void pump(pool_pointer self);

/// The running job if it is run `id`; nullptr once that run failed (a late
/// answer to it is only counted back).
job* current(pool_pointer self, uint64_t id) {
  auto& queue = self->state.queue;
  return !queue.empty() && queue.front().id == id ? &queue.front() : nullptr;
}

void fail_job(pool_pointer self, caf::error err) {
  auto& st = self->state;
  if (st.queue.empty())
    return;
  st.queue.front().promise.deliver(std::move(err));
  st.queue.pop_front();
  pump(self);
}

void finish_job(pool_pointer self) {
  auto& st = self->state;
  auto& j = st.queue.front();
  if (j.sink)
    j.promise.deliver(static_cast<uint64_t>(j.items.size()));
  else
    j.promise.deliver(std::move(j.outputs));
  st.queue.pop_front();
  pump(self);
}

/// Hands results on in input order.
void deliver_in_order(job& j) {
  for (auto i = j.done.find(j.next_out); i != j.done.end();
       i = j.done.find(j.next_out)) {
    if (j.sink)
      caf::anon_send(*j.sink, pool_result{j.next_out, std::move(i->second)});
    else
      j.outputs[j.next_out] = std::move(i->second);
    j.done.erase(i);
    ++j.next_out;
  }
}

void arm_timer(pool_pointer self, job& j, bool read_stage) {
  auto& st = self->state;
  auto& armed = read_stage ? j.read_timer : j.compute_timer;
  auto& timeout = read_stage ? st.spec.style.read_insert_timeout
                             : st.spec.style.compute_insert_timeout;
  if (armed || !timeout)
    return;
  armed = true;
  auto progress = read_stage ? j.read_progress : j.compute_progress;
  self->delayed_send(self, *timeout, caf::timeout_atom::value, j.id, read_stage,
                     progress);
}

void start_compute(pool_pointer self, job& j, size_t index,
                   caf::message input) {
  auto& st = self->state;
  size_t w = 0;
  auto* target = pick(st.computers, w);
  ++target->in_flight;
  ++j.computes_in_flight;
  ++j.compute_progress;
  auto id = j.id;
  auto& style = st.spec.style;
  auto handle = [self, id, index, w](work_output& out) {
    --self->state.computers[w].in_flight;
    auto* run = current(self, id);
    if (run == nullptr)
      return;
    auto& j = *run;
    --j.computes_in_flight;
    j.done.emplace(index, std::move(out.value));
    deliver_in_order(j);
    if (j.next_out == j.items.size())
      finish_job(self);
    else
      pump(self);
  };
  auto fail = [self, id, w](caf::error& err) {
    auto& st = self->state;
    --st.computers[w].in_flight;
    if (current(self, id) == nullptr)
      return;
    fail_job(self, worker_error("compute", w, st.computers[w],
                                describe(err, "compute_pop_timeout",
                                         st.spec.style.compute_pop_timeout)));
  };
  auto timeout = or_infinite(style.compute_pop_timeout);
  if (style.workers_read)
    self->request(target->handle, timeout, compute_atom::value,
                  read_atom::value, std::move(input))
        .then(handle, fail);
  else
    self->request(target->handle, timeout, compute_atom::value,
                  std::move(input))
        .then(handle, fail);
}

void start_read(pool_pointer self, job& j, size_t index) {
  auto& st = self->state;
  size_t r = 0;
  auto* target = pick(st.readers, r);
  ++target->in_flight;
  ++j.reads_in_flight;
  ++j.read_progress;
  auto id = j.id;
  self->request(target->handle, or_infinite(st.spec.style.read_pop_timeout),
                read_atom::value, j.items[index])
      .then(
          [self, id, index, r](work_output& input) {
            --self->state.readers[r].in_flight;
            auto* run = current(self, id);
            if (run == nullptr)
              return;
            auto& j = *run;
            --j.reads_in_flight;
            j.inputs.emplace_back(index, std::move(input.value));
            pump(self);
          },
          [self, id, r](caf::error& err) {
            auto& st = self->state;
            --st.readers[r].in_flight;
            if (current(self, id) == nullptr)
              return;
            fail_job(self,
                     worker_error("read", r, st.readers[r],
                                  describe(err, "read_pop_timeout",
                                           st.spec.style.read_pop_timeout)));
          });
}

/// Moves items through the stages as far as the buffers allow.
void pump(pool_pointer self) {
  auto& st = self->state;
  if (!st.ready || st.queue.empty())
    return;
  auto& j = st.queue.front();
  if (st.broken) {
    fail_job(self, st.broken);
    return;
  }
  if (j.items.empty()) {
    finish_job(self);
    return;
  }
  size_t unused = 0;
  if (has_read_stage(st)) {
    while (j.next_item < j.items.size()
           && j.reads_in_flight + j.inputs.size() < read_capacity(st)
           && pick(st.readers, unused) != nullptr)
      start_read(self, j, j.next_item++);
    if (j.next_item < j.items.size())
      arm_timer(self, j, true);
  }
  auto in_buffer = [&] {
    return j.computes_in_flight + j.done.size();
  };
  for (;;) {
    bool have_input
        = has_read_stage(st) ? !j.inputs.empty() : j.next_item < j.items.size();
    if (!have_input)
      break;
    if (in_buffer() >= compute_capacity(st)
        || pick(st.computers, unused) == nullptr) {
      arm_timer(self, j, false);
      break;
    }
    if (has_read_stage(st)) {
      auto [index, input] = std::move(j.inputs.front());
      j.inputs.pop_front();
      start_compute(self, j, index, std::move(input));
    } else {
      auto index = j.next_item++;
      start_compute(self, j, index, j.items[index]);
    }
  }
  // Room in the read buffer again (inputs moved on).
  if (has_read_stage(st) && j.next_item < j.items.size()
      && j.reads_in_flight + j.inputs.size() < read_capacity(st)
      && pick(st.readers, unused) != nullptr)
    pump(self);
}

void on_insert_timeout(pool_pointer self, uint64_t id, bool read_stage,
                       uint64_t progress) {
  auto& st = self->state;
  auto* run = current(self, id);
  if (run == nullptr)
    return;
  auto& j = *run;
  (read_stage ? j.read_timer : j.compute_timer) = false;
  auto now = read_stage ? j.read_progress : j.compute_progress;
  bool waiting = read_stage
                     ? j.next_item < j.items.size()
                     : (has_read_stage(st) ? !j.inputs.empty()
                                           : j.next_item < j.items.size());
  if (now != progress || !waiting) {
    if (waiting)
      arm_timer(self, j, read_stage);
    return;
  }
  auto& timeout = read_stage ? st.spec.style.read_insert_timeout
                             : st.spec.style.compute_insert_timeout;
  auto capacity = read_stage ? read_capacity(st) : compute_capacity(st);
  fail_job(
      self,
      make_error(
          errc::timeout,
          std::string{"timed out after "} + to_string(timeout)
              + " waiting for room in the " + (read_stage ? "read" : "compute")
              + " buffer (" + std::to_string(capacity) + " items); raise "
              + (read_stage ? "read_insert_timeout" : "compute_insert_timeout")
              + " (now " + to_string(timeout) + ")"));
}

// -- starting workers ---------------------------------------------------------

void worker_started(pool_pointer self) {
  auto& st = self->state;
  if (--st.starting > 0)
    return;
  st.ready = true;
  pump(self);
}

void break_pool(pool_pointer self, caf::error err) {
  auto& st = self->state;
  log::error("worker pool: {}", to_text(err));
  st.broken = err;
  st.ready = true;
  while (!st.queue.empty())
    fail_job(self, err);
}

void add_local(pool_pointer self, std::vector<worker>& into, bool detached,
               const char* kind) {
  auto& st = self->state;
  auto* agents
      = st.spec.agents != nullptr ? st.spec.agents : &catalog::global();
  auto id = into.size();
  auto handle = agents->spawn(
      *st.rt, spawn_request{st.spec.worker_type, "", st.spec.params, detached});
  if (!handle) {
    break_pool(self, make_error(errc::worker_failed,
                                std::string{"cannot start "} + kind + " worker "
                                    + std::to_string(id) + ": "
                                    + to_text(handle.error())));
    return;
  }
  self->monitor(*handle);
  st.owned->push_back(*handle);
  into.push_back(worker{*handle, "", 0});
}

void add_remote(pool_pointer self, size_t id, const std::string& node) {
  auto& st = self->state;
  st.computers.push_back(worker{caf::actor{}, node, 0});
  ++st.starting;
  auto timeout = or_infinite(st.spec.style.barrier_timeout);
  self->request(st.spec.node, timeout, caf::spawn_atom::value, node,
                spawn_request{st.spec.worker_type, "", st.spec.params, true})
      .then(
          [self, id](caf::actor& handle) {
            auto& st = self->state;
            self->monitor(handle);
            st.owned->push_back(handle);
            st.computers[id].handle = std::move(handle);
            worker_started(self);
          },
          [self, id, node](caf::error& err) {
            auto& st = self->state;
            break_pool(
                self,
                make_error(errc::worker_failed,
                           "cannot start compute worker " + std::to_string(id)
                               + " on node '" + node + "': "
                               + describe(err, "barrier_timeout",
                                          st.spec.style.barrier_timeout)));
          });
}

void start_workers(pool_pointer self) {
  auto& st = self->state;
  auto& style = st.spec.style;
  // Counts as one pending start until the local ones are up.
  st.starting = 1;
  for (size_t i = 0; i < style.read_workers && !st.broken; ++i)
    add_local(self, st.readers, st.spec.detached, "read");
  if (style.kind == worker_kind::nodes) {
    for (size_t i = 0; i < style.compute_workers; ++i)
      add_remote(self, i, style.nodes[i % style.nodes.size()]);
  } else {
    // Sequential computation still needs one worker to run the user's
    // function, in the scheduler rather than on a thread of its own.
    auto count = std::max<size_t>(style.compute_workers, 1);
    auto detached = style.kind == worker_kind::threads && st.spec.detached;
    for (size_t i = 0; i < count && !st.broken; ++i)
      add_local(self, st.computers, detached, "compute");
  }
  if (!st.broken)
    worker_started(self);
}

void on_down(pool_pointer self, const caf::down_msg& down) {
  auto& st = self->state;
  auto check = [&](std::vector<worker>& workers, const char* kind) {
    for (size_t i = 0; i < workers.size(); ++i)
      if (workers[i].handle && workers[i].handle.address() == down.source) {
        auto why = down.reason == caf::exit_reason::remote_link_unreachable
                       ? std::string{"its node is unreachable"}
                       : "the worker exited: " + to_text(down.reason);
        break_pool(self, worker_error(kind, i, workers[i], why));
        return true;
      }
    return false;
  };
  if (!check(st.computers, "compute"))
    check(st.readers, "read");
}

worker_pool_actor::behavior_type pool_impl(pool_pointer self, runtime* rt,
                                           pool_spec spec) {
  auto& st = self->state;
  st.spec = std::move(spec);
  st.rt = rt;
  st.owned = std::make_shared<std::vector<caf::actor>>();
  // Workers die with the pool, wherever they run.
  self->attach_functor([owned = st.owned](const caf::error&) {
    for (auto& w : *owned)
      caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
  });
  self->set_down_handler([self](caf::down_msg& down) { on_down(self, down); });
  start_workers(self);
  auto run = [self](std::vector<caf::message>& items,
                    std::optional<caf::actor> sink) {
    auto& st = self->state;
    auto rp = self->make_response_promise();
    if (st.broken) {
      rp.deliver(st.broken);
      return rp;
    }
    job j;
    j.id = st.next_job++;
    j.items = std::move(items);
    j.sink = std::move(sink);
    j.promise = rp;
    if (!j.sink)
      j.outputs.resize(j.items.size());
    st.queue.push_back(std::move(j));
    if (st.queue.size() == 1)
      pump(self);
    return rp;
  };
  return {
      [run](run_atom, std::vector<caf::message>& items)
          -> caf::result<std::vector<caf::message>> {
        return run(items, std::nullopt);
      },
      [run](run_atom, std::vector<caf::message>& items,
            const caf::actor& sink) -> caf::result<uint64_t> {
        if (!sink)
          return make_error(errc::invalid_argument,
                            "the result sink is invalid");
        return run(items, sink);
      },
      [self](caf::timeout_atom, uint64_t id, bool read_stage,
             uint64_t progress) {
        on_insert_timeout(self, id, read_stage, progress);
      },
  };
}

} // namespace

caf::expected<worker_pool_actor> spawn_worker_pool(runtime& rt,
                                                   pool_spec spec) {
  if (auto err = validate(spec.style, spec.cpu_count))
    return err;
  if (spec.worker_type.empty())
    return make_error(errc::invalid_config, "a worker pool needs a worker "
                                            "type");
  if (spec.style.kind == worker_kind::nodes && !spec.node)
    return make_error(errc::invalid_config,
                      "node compute workers need this process to run a "
                      "cluster node");
  auto* agents = spec.agents != nullptr ? spec.agents : &catalog::global();
  if (spec.style.kind != worker_kind::nodes
      && !agents->has_agent(spec.worker_type))
    return make_error(errc::invalid_config,
                      "no agent type '" + spec.worker_type
                          + "' in the catalog for the pool's workers");
  return rt.spawn(pool_impl, &rt, std::move(spec));
}

} // namespace troupe
