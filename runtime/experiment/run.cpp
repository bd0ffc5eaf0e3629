#include "troupe/runtime/experiment/run.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <ostream>
#include <thread>

#include "troupe/actors/controller.hpp"
#include "troupe/actors/table_view.hpp"
#include "troupe/runtime/config.hpp"
#include "troupe/runtime/experiment/description.hpp"
#include "troupe/runtime/experiment/report.hpp"
#include "troupe/runtime/experiment/run_nodes.hpp"
#include "troupe/runtime/monitor/builtin_points.hpp"
#include "troupe/runtime/monitor/json.hpp"
#include "troupe/runtime/monitor/metrics_server.hpp"
#include "troupe/runtime/monitor/table.hpp"
#include "troupe/runtime/runtime.hpp"

#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

namespace troupe {

namespace {

/// Requests from the main thread, blocking until the answer (the same
/// interface as the test fixture's `request`).
class blocking_requester {
public:
  explicit blocking_requester(caf::actor_system& sys) : self_(sys) {
    // nop
  }

  template <class R, class Handle, class... Ts>
  auto request(const Handle& dest, Ts&&... xs)
      -> std::conditional_t<std::is_void<R>::value, caf::error,
                            caf::expected<R>> {
    auto pending = self_->request(dest, caf::infinite, std::forward<Ts>(xs)...);
    if constexpr (std::is_void<R>::value) {
      caf::error result;
      std::move(pending).receive([] {}, [&](caf::error& e) { result = e; });
      return result;
    } else {
      caf::expected<R> result{caf::error{}};
      std::move(pending).receive([&](R& x) { result = std::move(x); },
                                 [&](caf::error& e) { result = e; });
      return result;
    }
  }

private:
  caf::scoped_actor self_;
};

bool write_file(const std::filesystem::path& path, const std::string& text,
                std::ostream& err) {
  std::ofstream out{path, std::ios::binary | std::ios::trunc};
  out << text;
  if (!out) {
    err << "troupe run: cannot write " << path.string() << '\n';
    return false;
  }
  return true;
}

/// The run's monitor and its views.
struct run_monitor {
  monitor_actor mon;
  caf::actor view;
  std::unique_ptr<metrics_server> http;
};

caf::error check_monitor_options(const run_options& opts) {
  if (opts.monitor_view != "table" && opts.monitor_view != "off")
    return make_error(errc::invalid_argument,
                      "--monitor: expected table or off, got '"
                          + opts.monitor_view + "'");
  if (opts.metrics_port > 65535)
    return make_error(errc::invalid_argument,
                      "--metrics-port: expected 0 to 65535, got "
                          + std::to_string(opts.metrics_port));
  return caf::none;
}

caf::expected<monitor_actor> make_monitor(runtime& rt) {
  monitor_config mc;
  // The run's own points ask actors from the monitor's context; threads
  // are only for users' blocking polls.
  mc.workers = 2;
  auto mon = spawn_monitor(rt, mc);
  if (mon)
    add_runtime_points(rt, *mon);
  return mon;
}

/// Wires the monitor into the experiment and starts the views.
caf::error start_views(runtime& rt, run_monitor& rm,
                       const experiment_handles& handles,
                       const run_options& opts, std::ostream& out) {
  caf::anon_send(rm.mon, caf::put_atom::value, critical_atom::value,
                 caf::actor_cast<caf::actor>(handles.failures));
  caf::anon_send(
      rm.mon, caf::add_atom::value,
      resource_state_points(caf::actor_cast<caf::actor>(handles.controller)));
  if (opts.add_points)
    opts.add_points(rt, rm.mon);
  if (opts.monitor_view == "table") {
    // Standard output (not `out`): the view writes from its own thread.
    table_view_options tv;
    auto view = spawn_table_view(rt, rm.mon, tv);
    if (!view)
      return std::move(view.error());
    rm.view = caf::actor_cast<caf::actor>(*view);
  }
  if (opts.metrics_port >= 0) {
    metrics_server_options mo;
    mo.port = static_cast<uint16_t>(opts.metrics_port);
    rm.http = std::make_unique<metrics_server>(rt.system(), rm.mon, mo);
    auto port = rm.http->start();
    if (!port)
      return std::move(port.error());
    out << "troupe run: metrics on http://" << mo.host << ":" << *port
        << "/metrics\n";
  }
  return caf::none;
}

/// The monitor's snapshot as JSON. The live table stops and the final
/// table follows it, so that the last state is on screen whatever the
/// view's period.
std::optional<nlohmann::json> finish_monitor(blocking_requester& req,
                                             run_monitor& rm) {
  if (rm.view)
    caf::anon_send_exit(rm.view, caf::exit_reason::user_shutdown);
  auto snap = req.request<monitor_snapshot>(rm.mon, caf::get_atom::value,
                                            snapshot_atom::value);
  if (!snap)
    return std::nullopt;
  if (rm.view)
    std::cout << "troupe run: the monitor at the end of the run\n"
              << render_table(*snap) << std::flush;
  return to_json(*snap);
}

/// Registers and deploys every resource of `desc`; returns their guids.
caf::expected<guid_list> set_up(blocking_requester& req,
                                const controller_actor& ctl,
                                const description& desc) {
  auto guids = register_description(req, ctl, desc);
  if (!guids)
    return std::move(guids.error());
  if (auto e = deploy_description(req, ctl, desc, *guids))
    return e;
  guid_list all;
  for (auto& kvp : *guids)
    all.push_back(kvp.second);
  return all;
}

/// Whether the failure policy has aborted the experiment of `ctl`.
bool is_aborted(blocking_requester& req, const controller_actor& ctl) {
  auto report = req.request<experiment_report>(ctl, get_report{});
  return report && report->state == "aborted";
}

/// Prints a `bad_input` error without its code; returns exit status 2.
int bad_file(const caf::error& e, std::ostream& err) {
  auto text = to_text(e);
  auto colon = text.find(": ");
  err << (colon == std::string::npos ? text : text.substr(colon + 2)) << '\n';
  return 2;
}

} // namespace

void tune_for_experiments(config& cfg) {
  auto cores = std::max(1u, std::thread::hardware_concurrency());
  cfg.set("scheduler.max-threads", static_cast<size_t>(cores));
  cfg.set("scheduler.policy", caf::atom("sharing"));
}

int run_experiment_file(const std::string& file, const run_options& opts,
                        std::shared_ptr<const registry> types,
                        std::ostream& out, std::ostream& err) {
  namespace fs = std::filesystem;
  if (!types)
    types = std::make_shared<const registry>(registry::with_builtins());
  // Everything is checked before anything is deployed.
  if (auto e = check_monitor_options(opts)) {
    err << "troupe run: " << to_text(e).substr(to_text(e).find(": ") + 2)
        << '\n';
    return 2;
  }
  auto desc = load_description(file, *types);
  if (!desc)
    return bad_file(desc.error(), err);
  auto exp_id = desc->exp_id.empty() ? make_experiment_id() : desc->exp_id;
  auto run_id = make_run_id();
  auto base = opts.run_dir.empty() ? fs::temp_directory_path() / "troupe"
                                   : fs::path{opts.run_dir};
  auto folder = base / exp_id / run_id;
  for (int n = 2; fs::exists(folder); ++n)
    folder = base / exp_id / (run_id + "-" + std::to_string(n));
  std::error_code ec;
  fs::create_directories(folder / "traces", ec);
  if (ec) {
    err << "troupe run: cannot create the run folder " << folder.string()
        << ": " << ec.message() << '\n';
    return 2;
  }
  if (!write_file(folder / "experiment.toml", save_description(*desc), err))
    return 2;
  config cfg;
  tune_for_experiments(cfg);
  types->configure(cfg);
  // Resources placed on nodes: join them before anything is registered.
  std::optional<cluster_options> copts;
  if (!desc->nodes.empty()) {
    auto opts = detail::node_options(*desc, file);
    if (!opts)
      return bad_file(opts.error(), err);
    copts = std::move(*opts);
    catalog::global().configure(cfg);
    if (auto e = enable_cluster(cfg, *copts)) {
      err << "troupe run: " << to_text(e) << '\n';
      return 2;
    }
  }
  runtime rt{cfg};
  std::optional<cluster> nodes;
  if (copts) {
    auto started = cluster::start(rt, *copts);
    if (!started) {
      err << "troupe run: " << to_text(started.error()) << '\n';
      return 2;
    }
    nodes.emplace(std::move(*started));
    if (auto e = detail::connect_nodes(*nodes, *desc, file))
      return bad_file(e, err);
    out << "troupe run: joined " << desc->nodes.size() << " node"
        << (desc->nodes.size() == 1 ? "" : "s") << '\n';
  }
  experiment_options eo;
  eo.exp_id = exp_id;
  eo.run_id = folder.filename().string();
  eo.trace_dir = (folder / "traces").string();
  eo.types = types;
  run_monitor rm;
  auto mon = make_monitor(rt);
  if (!mon) {
    err << "troupe run: monitor: " << to_text(mon.error()) << '\n';
    return 2;
  }
  rm.mon = *mon;
  eo.monitor = caf::actor_cast<caf::actor>(rm.mon);
  if (nodes)
    eo.cluster = nodes->handle();
  auto handles = spawn_experiment(rt, eo);
  if (auto e = start_views(rt, rm, handles, opts, out)) {
    err << "troupe run: " << to_text(e) << '\n';
    return 2;
  }
  blocking_requester req{rt.system()};
  out << "troupe run: experiment " << exp_id << ", run " << eo.run_id << ", "
      << desc->resources.size() << " resources\n";
  auto all = set_up(req, handles.controller, *desc);
  if (!all) {
    // A failure policy (a critical monitor point, say) may abort the
    // experiment while it is still being set up: that is a run that ended,
    // reported like any other abort, not a bad file.
    if (!is_aborted(req, handles.controller)) {
      err << file << ": " << to_text(all.error()) << '\n';
      return 2;
    }
  } else {
    if (desc->duration.count() > 0)
      caf::delayed_anon_send(handles.controller, desc->duration,
                             end_experiment{});
    auto finished = req.request<void>(
        handles.controller, wait_for{resource_state::stopped, *all, 0});
    if (finished)
      out << "troupe run: " << to_text(finished) << '\n';
  }
  auto monitor_json = finish_monitor(req, rm);
  auto shut = req.request<void>(handles.controller, shutdown_experiment{});
  if (shut)
    out << "troupe run: " << to_text(shut) << '\n';
  auto report
      = req.request<experiment_report>(handles.controller, get_report{});
  if (!report) {
    err << "troupe run: no report: " << to_text(report.error()) << '\n';
    return 1;
  }
  auto json = to_json(*report, std::move(monitor_json)).dump(2) + "\n";
  write_file(folder / "report.json", json, err);
  if (!opts.report_path.empty())
    write_file(opts.report_path, json, err);
  if (nodes)
    nodes->leave();
  out << "troupe run: " << report->state << " (failure level "
      << to_string(report->level) << "); run folder " << folder.string()
      << '\n';
  return report->state == "finished" ? 0 : 1;
}

} // namespace troupe
