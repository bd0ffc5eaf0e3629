#include "troupe/actors/replay_sink.hpp"

#include <unordered_map>

#include "troupe/messages/errors.hpp"
#include "troupe/runtime/detail/record_stream.hpp"
#include "troupe/runtime/detail/replay_receipt.hpp"
#include "troupe/runtime/detail/runtime_state.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace troupe {

namespace {

struct sink_state {
  sink_options opts;
  std::shared_ptr<log_writer> writer;
  detail::runtime_state* shared = nullptr;
  detail::replay_receiver receiver;
  std::unordered_map<uint32_t, std::string> names;
  sink_status status;
  std::string line;
  static inline const char* name = "troupe.replay_sink";

  const std::string& topic_name(uint32_t id) {
    auto i = names.find(id);
    if (i == names.end()) {
      auto* entry = shared != nullptr ? shared->topics.find(id) : nullptr;
      i = names.emplace(id, entry != nullptr ? entry->name() : "?").first;
    }
    return i->second;
  }

  void take(const replay_item& item) {
    const value* payload = &item.payload;
    if (!item.decoded.empty()) {
      auto& content = item.decoded.content();
      payload = content.size() == 2 && content.match_element<value>(1)
                    ? &content.get_as<value>(1)
                    : nullptr;
    }
    auto& topic = topic_name(item.header.topic);
    ++status.records;
    ++status.topics[topic];
    if (payload == nullptr)
      return; // a user type: counted only
    switch (opts.kind) {
      case sink_options::print:
        line = detail::format_seconds(item.elapsed_ns, 6);
        line += ' ';
        line += topic;
        line += ' ';
        line += to_json(*payload);
        line += '\n';
        std::fwrite(line.data(), 1, line.size(), opts.out);
        break;
      case sink_options::log: {
        if (!writer || !status.error.empty())
          break;
        record rec;
        rec.elapsed_ns = item.elapsed_ns;
        rec.topic = topic;
        rec.type = std::string{payload->string_member("name")};
        rec.payload = *payload;
        if (auto err = writer->write(rec))
          status.error = to_text(err);
        break;
      }
      default: break;
    }
  }
};

using sink_pointer = replay_sink_actor::stateful_pointer<sink_state>;

replay_sink_actor::behavior_type sink_impl(sink_pointer self, sink_options opts,
                                           std::shared_ptr<log_writer> writer) {
  self->state.opts = opts;
  self->state.writer = std::move(writer);
  self->state.shared = detail::state_of(self->system());
  return {
      [self](const replay_batch& batch) {
        auto& st = self->state;
        st.receiver.receive(self, batch,
                            [&st](const replay_item& item) { st.take(item); });
        if (st.opts.kind == sink_options::print)
          std::fflush(st.opts.out);
      },
      [self](replay_flush) { self->state.receiver.flush(self); },
      [self](sink_query) {
        auto& st = self->state;
        if (st.writer) {
          if (auto err = st.writer->flush(); err && st.status.error.empty())
            st.status.error = to_text(err);
          st.status.files = st.writer->files();
        }
        return st.status;
      },
  };
}

} // namespace

bool parse_sink(const std::string& text, sink_options& out) {
  if (text == "stats")
    out.kind = sink_options::stats;
  else if (text == "print")
    out.kind = sink_options::print;
  else if (text == "null")
    out.kind = sink_options::null;
  else if (text.rfind("jsonl:", 0) == 0 && text.size() > 6) {
    out.kind = sink_options::log;
    out.write.format = log_format::jsonl;
    out.path = text.substr(6);
  } else if (text.rfind("mcl:", 0) == 0 && text.size() > 4) {
    out.kind = sink_options::log;
    out.write.format = log_format::mcl;
    out.path = text.substr(4);
  } else
    return false;
  return true;
}

caf::expected<replay_sink_actor> spawn_replay_sink(caf::actor_system& sys,
                                                   sink_options opts) {
  std::shared_ptr<log_writer> writer;
  if (opts.kind == sink_options::log) {
    auto opened = log_writer::open(opts.path, opts.write);
    if (!opened)
      return opened.error();
    writer = std::move(*opened);
  }
  return sys.spawn(sink_impl, opts, std::move(writer));
}

} // namespace troupe
