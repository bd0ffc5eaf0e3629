#include "troupe/actors/recorder.hpp"

#include "troupe/runtime/log.hpp"

namespace troupe {

recorder::recorder(caf::actor_config& cfg, std::string name,
                   std::vector<std::string> topics,
                   std::shared_ptr<log_writer> out)
    : agent(cfg, std::move(name)),
      topics_(std::move(topics)),
      out_(std::move(out)) {
  // nop
}

handler_set recorder::handlers() {
  return handle([this](sink_query) {
    if (out_) {
      if (auto err = out_->flush(); err && status_.error.empty())
        status_.error = to_text(err);
      status_.files = out_->files();
    }
    return status_;
  });
}

void recorder::work() {
  start_ = clock().now();
  for (auto& topic : topics_)
    subscribe(topic, [this, topic](const value& x) { take(topic, x); });
}

void recorder::on_shutdown() {
  if (out_)
    out_->close();
}

void recorder::take(const std::string& topic, const value& payload) {
  ++status_.records;
  ++status_.topics[topic];
  if (!out_ || !status_.error.empty())
    return;
  record rec;
  rec.elapsed_ns = (clock().now() - start_).count();
  rec.topic = topic;
  rec.type = std::string{payload.string_member("name")};
  rec.payload = payload;
  if (auto err = out_->write(rec)) {
    // Keep the first error; what was written stays readable.
    status_.error = to_text(err);
    log::error("recorder '{}': {}", agent_name(), status_.error);
  }
}

} // namespace troupe
