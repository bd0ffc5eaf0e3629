#include "troupe/runtime/jsonl_log.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <sys/stat.h>

#include "troupe/runtime/codec.hpp"
#include "troupe/runtime/detail/line_reader.hpp"

namespace troupe::jsonl {

bool parse_line(std::string_view line, record& out, std::string& error) {
  value doc;
  if (!codec::parse_json(line, doc, error))
    return false;
  if (!doc.is_map()) {
    error = "a record must be a JSON object";
    return false;
  }
  bool has_time = false;
  bool has_topic = false;
  bool has_payload = false;
  out.type.clear();
  auto& items = doc.items();
  for (size_t i = 0; i + 1 < items.size(); i += 2) {
    auto& key = items[i].as_string();
    auto& val = items[i + 1];
    if (key == "elapsed_time") {
      if (!val.is_number()) {
        error = "field 'elapsed_time' must be a number";
        return false;
      }
      auto seconds = val.to_double();
      if (!std::isfinite(seconds) || seconds < 0) {
        error = "field 'elapsed_time' must be a non-negative number";
        return false;
      }
      if (seconds > 9.2e9) {
        error = "field 'elapsed_time' is out of range";
        return false;
      }
      out.elapsed_ns = detail::seconds_to_ns(seconds);
      has_time = true;
    } else if (key == "topic") {
      if (!val.is_string()) {
        error = "field 'topic' must be a string";
        return false;
      }
      out.topic = val.as_string();
      has_topic = true;
    } else if (key == "payload") {
      out.payload = std::move(items[i + 1]);
      has_payload = true;
    } else if (key == "type") {
      if (!val.is_string()) {
        error = "field 'type' must be a string";
        return false;
      }
      out.type = val.as_string();
    }
  }
  if (!has_time || !has_topic || !has_payload) {
    error = std::string{"missing field '"}
            + (!has_time ? "elapsed_time" : !has_topic ? "topic" : "payload")
            + "'";
    return false;
  }
  if (out.type.empty())
    out.type = std::string{out.payload.string_member("name")};
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
                             + " after "
                             + detail::format_seconds(last_ns_, 1));
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
