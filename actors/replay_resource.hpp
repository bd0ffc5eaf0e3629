#pragma once

#include <cstdint>
#include <string>

#include "troupe/actors/broadcaster.hpp"
#include "troupe/actors/buffer.hpp"
#include "troupe/actors/resource.hpp"
#include "troupe/messages/replay.hpp"
#include "troupe/runtime/log_source.hpp"

namespace troupe {

/// Everything a `replay` resource's attributes say, checked.
struct replay_settings {
  std::vector<std::string> paths;
  read_options read;
  buffer_options buffer;
  replay_options replay;
};

/// Reads the attributes of a `replay` resource (normalized by the registry)
/// into settings. Error `invalid_config` naming the attribute.
caf::expected<replay_settings> make_replay_settings(const attributes& attrs);

/// The built-in `replay` resource: a log source through a buffer and a
/// broadcaster of its own (so that several replays of one experiment run
/// side by side), publishing into the runtime's topics, where the agents of
/// the experiment receive the records.
///
/// Deploy opens the logs (a missing or unreadable one fails the resource,
/// naming it), spawns the buffer and the broadcaster and loads the replay
/// (checking its options); start starts the replay from its start point;
/// the end of the replay stops the resource by itself; stop stops the
/// replay (and rewinds it); release ends buffer and broadcaster. A replay
/// that fails (e.g. a bad record with `on_bad_record = "stop"`) fails the
/// resource. With a monitor in the experiment, the replay's points go
/// under "experiment/replays/<name>" (see `replay_points`).
class replay_resource : public resource {
public:
  static constexpr const char* type_name = "replay";

  replay_resource(caf::actor_config& cfg, resource_setup setup);

  ~replay_resource() override;

  /// Registers the type: `paths` (required), `speed`, `max_rate`, `loop`,
  /// `start_offset`, `duration`, `delay`, `topics`, `include`, `exclude`,
  /// `remap`, `include_raw`, `read_ahead`, `on_bad_record`, `drop_when_slow`,
  /// `window`, `clock_hz`, `clock_topic`.
  static resource_type_info type_info();

  /// The replay's broadcaster (invalid before deploy and after release).
  const broadcaster_actor& replay_broadcaster() const noexcept {
    return broadcaster_;
  }

protected:
  void on_deploy() override;

  void on_start() override;

  void on_stop() override;

  void on_release() override;

private:
  /// Starts the loaded replay and watches for its end.
  void start_replay();

  /// Answer to `replay_await_end` of start number `run`.
  void on_replay_end(uint64_t run, const replay_status& st);

  /// With a monitor in the set-up: the replay's position, state, lateness
  /// and stall (`replay_points`), removed again on release.
  void add_points();

  void remove_points();

  /// Ends buffer and broadcaster and removes the points.
  void drop_replay();

  replay_settings settings_;
  buffer_actor buffer_;
  broadcaster_actor broadcaster_;
  bool stopping_ = false;
  /// Counts starts; the end of an earlier run is ignored.
  uint64_t run_ = 0;
  bool points_added_ = false;
  std::string first_point_;
};

} // namespace troupe
