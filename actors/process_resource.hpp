#pragma once

#include <memory>

#include "troupe/actors/resource.hpp"
#include "troupe/runtime/experiment/process_supervisor.hpp"

namespace troupe {

/// The built-in `process` resource (NEPI's Linux application): start runs
/// `command` through `/bin/sh -c` in its own process group, stop sends it
/// SIGTERM (SIGKILL after `stop_timeout`), release kills what still runs.
/// Its stdout and stderr become the traces "stdout" and "stderr"; exiting
/// with status 0 on its own stops the resource, any other exit fails it.
/// The child is watched by the process supervisor's thread, never by the
/// actor.
class process_resource : public resource {
public:
  static constexpr const char* type_name = "process";

  process_resource(caf::actor_config& cfg, resource_setup setup);

  ~process_resource() override;

  /// Registers the type: attributes `command` (required), `cwd`,
  /// `stop_timeout` (5 s).
  static resource_type_info type_info();

protected:
  void on_deploy() override;

  void on_start() override;

  void on_stop() override;

  void on_release() override;

  caf::message_handler handlers() override;

private:
  void on_exit_status(int status);

  std::shared_ptr<detail::process_supervisor> supervisor_;
  uint64_t child_ = 0;
  /// Counts starts; events and kill timers carry it.
  uint64_t run_ = 0;
  bool stopping_ = false;
};

} // namespace troupe
