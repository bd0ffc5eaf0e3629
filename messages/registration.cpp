#include "troupe/messages/registration.hpp"

#include "troupe/messages/cluster.hpp"
#include "troupe/messages/core.hpp"
#include "troupe/messages/errors.hpp"
#include "troupe/messages/experiment.hpp"
#include "troupe/messages/monitor.hpp"
#include "troupe/messages/replay.hpp"

#include <caf/actor_system_config.hpp>

namespace troupe {

namespace {

std::string render_error(uint8_t code, caf::atom_value,
                         const caf::message& context) {
  return to_text(caf::error{code, errc_category, context});
}

} // namespace

void register_messages(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::troupe_core>();
  cfg.add_message_types<caf::id_block::troupe_replay>();
  cfg.add_message_types<caf::id_block::troupe_experiment>();
  cfg.add_message_types<caf::id_block::troupe_monitor>();
  cfg.add_message_types<caf::id_block::troupe_cluster>();
  cfg.add_error_category(errc_category, render_error);
}

} // namespace troupe
