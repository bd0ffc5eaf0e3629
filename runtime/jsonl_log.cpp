#include "troupe/runtime/jsonl_log.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <sys/stat.h>

#include "troupe/runtime/codec.hpp"
#include "troupe/runtime/detail/line_reader.hpp"

namespace troupe::jsonl {

namespace {

/// Where the members of a record line go while it is parsed.
struct line_slots {
  record* out;
  value time;
  value topic;
  value type;
  bool has_time = false;
  bool has_topic = false;
  bool has_payload = false;
  bool has_type = false;

  static value* slot_of(void* ctx, std::string_view key) {
    auto& self = *static_cast<line_slots*>(ctx);
    if (key == "elapsed_time") {
      self.has_time = true;
      return &self.time;
    }
    if (key == "topic") {
      self.has_topic = true;
      return &self.topic;
    }
    if (key == "payload") {
      self.has_payload = true;
      return &self.out->payload;
    }
    if (key == "type") {
      self.has_type = true;
      return &self.type;
    }
    return nullptr;
  }
};

} // namespace

bool parse_line(std::string_view line, record& out, std::string& error) {
  line_slots slots{&out, {}, {}, {}};
  out.payload.set_nil(); // keeps its memory for reuse
  if (!codec::parse_json_members(line, &slots, &line_slots::slot_of, error))
    return false;
  if (!slots.has_time || !slots.has_topic || !slots.has_payload) {
    error = std::string{"missing field '"}
            + (!slots.has_time    ? "elapsed_time"
               : !slots.has_topic ? "topic"
                                  : "payload")
            + "'";
    return false;
  }
  if (!slots.time.is_number()) {
    error = "field 'elapsed_time' must be a number";
    return false;
  }
  auto seconds = slots.time.to_double();
  if (!std::isfinite(seconds) || seconds < 0) {
    error = "field 'elapsed_time' must be a non-negative number";
    return false;
  }
  if (seconds > 9.2e9) {
    error = "field 'elapsed_time' is out of range";
    return false;
  }
  if (!slots.topic.is_string()) {
    error = "field 'topic' must be a string";
    return false;
  }
  if (slots.has_type && !slots.type.is_string()) {
    error = "field 'type' must be a string";
    return false;
  }
  out.elapsed_ns = detail::seconds_to_ns(seconds);
  out.topic = std::move(slots.topic.as_string());
  if (slots.has_type)
    out.type = std::move(slots.type.as_string());
  else
    out.type.assign(out.payload.string_member("name"));
  return true;
}

void append_line(std::string& out, const record& x) {
  out += "{\"elapsed_time\":";
  out += detail::format_seconds(x.elapsed_ns, 1);
  out += ",\"topic\":";
  out += to_json(value{x.topic});
  out += ",\"payload\":";
  out += to_json(x.payload);
  if (!x.type.empty() && x.payload.string_member("name") != x.type) {
    out += ",\"type\":";
    out += to_json(value{x.type});
  }
  out += "}\n";
}

namespace {

class jsonl_stream : public detail::record_stream {
public:
  jsonl_stream(std::string path, uint32_t file_index)
      : path_(std::move(path)), file_(file_index) {
    struct stat st;
    if (::stat(path_.c_str(), &st) == 0)
      total_ = static_cast<uint64_t>(st.st_size);
  }

  result next(record& out, bad_record& bad) override {
    if (!opened_) {
      opened_ = true;
      if (!reader_.open(path_)) {
        done_ = true;
        bad = bad_record{path_, 0,
                         std::string{"cannot open: "} + std::strerror(errno)};
        return result::bad;
      }
    }
    for (;;) {
      if (done_)
        return result::end;
      std::string_view line;
      switch (reader_.next(line)) {
        case detail::line_reader::status::end: done_ = true; continue;
        case detail::line_reader::status::io_error:
          done_ = true;
          return fail(bad, "read error");
        case detail::line_reader::status::too_long:
          return fail(bad, "line longer than 16 MiB");
        case detail::line_reader::status::line: break;
      }
      if (line.find_first_not_of(" \t") == std::string_view::npos)
        continue;
      if (!parse_line(line, out, error_))
        return fail(bad, error_);
      if (out.elapsed_ns < last_ns_)
        return fail(bad, "time goes backwards: "
                             + detail::format_seconds(out.elapsed_ns, 1)
                             + " after " + detail::format_seconds(last_ns_, 1));
      last_ns_ = out.elapsed_ns;
      out.file = file_;
      out.line = reader_.line();
      return result::record;
    }
  }

  bool rewind(std::string& error) override {
    last_ns_ = 0;
    done_ = false;
    if (!opened_)
      return true;
    if (!reader_.rewind()) {
      error = path_ + ": cannot rewind";
      return false;
    }
    return true;
  }

  uint64_t bytes_read() const override { return reader_.offset(); }

  uint64_t bytes_total() const override { return total_; }

private:
  result fail(bad_record& bad, std::string reason) {
    bad = bad_record{path_, reader_.line(), std::move(reason)};
    return result::bad;
  }

  std::string path_;
  uint32_t file_;
  detail::line_reader reader_;
  bool opened_ = false;
  bool done_ = false;
  int64_t last_ns_ = 0;
  uint64_t total_ = 0;
  std::string error_;
};

} // namespace

std::unique_ptr<detail::record_stream> make_stream(std::string path,
                                                   uint32_t file_index) {
  return std::make_unique<jsonl_stream>(std::move(path), file_index);
}

} // namespace troupe::jsonl
