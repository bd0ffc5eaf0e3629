#include "troupe/runtime/log_source.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <map>
#include <regex>
#include <system_error>

#include "troupe/messages/errors.hpp"
#include "troupe/runtime/jsonl_log.hpp"
#include "troupe/runtime/mcl_log.hpp"

namespace troupe {

// -- time helpers -------------------------------------------------------------

namespace detail {

record_stream::~record_stream() {
  // nop
}

int64_t seconds_to_ns(double seconds) noexcept {
  return static_cast<int64_t>(std::llround(seconds * 1e9));
}

std::string format_seconds(int64_t ns, int min_decimals) {
  std::string result;
  if (ns < 0) {
    result += '-';
    ns = -ns;
  }
  result += std::to_string(ns / 1'000'000'000);
  auto frac = std::to_string(ns % 1'000'000'000);
  frac.insert(0, 9 - frac.size(), '0');
  auto keep = frac.find_last_not_of('0');
  auto digits = keep == std::string::npos ? 0 : keep + 1;
  digits = std::max(digits, static_cast<size_t>(min_decimals));
  if (digits > 0) {
    result += '.';
    result += frac.substr(0, digits);
  }
  return result;
}

bool parse_seconds(std::string_view text, int64_t& ns, std::string& error) {
  auto fail = [&] {
    error = "bad time '" + std::string{text.substr(0, 40)} + "'";
    return false;
  };
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+'))
    negative = text[i++] == '-';
  int64_t whole = 0;
  size_t digits = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++digits) {
    if (whole > 9'000'000'000)
      return fail();
    whole = whole * 10 + (text[i] - '0');
  }
  int64_t frac = 0;
  int frac_digits = 0;
  bool round_up = false;
  if (i < text.size() && text[i] == '.') {
    for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      ++digits;
      if (frac_digits < 9) {
        frac = frac * 10 + (text[i] - '0');
        ++frac_digits;
      } else if (frac_digits == 9) {
        round_up = text[i] >= '5';
        ++frac_digits;
      }
    }
  }
  if (digits == 0 || i != text.size())
    return fail();
  // Nanoseconds are int64: about 292 years. More is no time of a log.
  constexpr int64_t max_whole = INT64_MAX / 1'000'000'000 - 1;
  if (whole > max_whole) {
    error = "time '" + std::string{text.substr(0, 40)}
            + "' is out of range (at most " + std::to_string(max_whole)
            + " seconds)";
    return false;
  }
  for (int k = std::min(frac_digits, 9); k < 9; ++k)
    frac *= 10;
  ns = whole * 1'000'000'000 + frac + (round_up ? 1 : 0);
  if (negative)
    ns = -ns;
  return true;
}

} // namespace detail

record_source::~record_source() {
  // nop
}

// -- discovery ----------------------------------------------------------------

namespace {

namespace fs = std::filesystem;

enum class format { mcl, jsonl };

bool has_extension(const std::string& path, const char* ext) {
  auto n = std::strlen(ext);
  return path.size() >= n && path.compare(path.size() - n, n, ext) == 0;
}

bool is_jsonl_name(const std::string& path) {
  return has_extension(path, ".jsonl") || has_extension(path, ".json")
         || has_extension(path, ".ndjson");
}

format sniff(const std::string& path) {
  if (is_jsonl_name(path))
    return format::jsonl;
  if (has_extension(path, ".log"))
    return format::mcl;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  int c = ' ';
  if (f != nullptr) {
    while ((c = std::fgetc(f)) == ' ' || c == '\n' || c == '\t' || c == '\r')
      ; // skip white space
    std::fclose(f);
  }
  return c == '{' ? format::jsonl : format::mcl;
}

/// A log to read as one stream: one file or the parts of a split set.
struct log_group {
  format fmt;
  std::vector<std::string> parts;
  bool from_directory;
};

caf::expected<std::vector<log_group>> scan_directory(const std::string& dir) {
  std::error_code ec;
  std::vector<std::string> names;
  for (auto& entry : fs::directory_iterator{dir, ec}) {
    if (!entry.is_regular_file(ec))
      continue;
    auto path = entry.path().string();
    if (has_extension(path, ".log") || is_jsonl_name(path))
      names.push_back(path);
  }
  if (ec)
    return make_error(errc::io_error, dir + ": cannot list: " + ec.message());
  std::sort(names.begin(), names.end());
  static const std::regex split{R"(^(.*)_(\d{3,})\.log$)"};
  std::vector<log_group> result;
  std::map<std::string, size_t> sets; // base name -> index in result
  for (auto& name : names) {
    std::smatch m;
    if (has_extension(name, ".log") && std::regex_match(name, m, split)) {
      auto base = m[1].str();
      auto i = sets.find(base);
      if (i != sets.end()) {
        result[i->second].parts.push_back(name);
        continue;
      }
      sets.emplace(base, result.size());
    }
    result.push_back({has_extension(name, ".log") ? format::mcl : format::jsonl,
                      {name},
                      true});
  }
  return result;
}

// -- the merged source --------------------------------------------------------

class merged_source : public record_source {
public:
  merged_source(std::vector<std::unique_ptr<detail::record_stream>> streams,
                std::vector<std::string> files, read_options opts)
      : files_(std::move(files)), opts_(opts) {
    for (auto& stream : streams)
      heads_.push_back(head{std::move(stream), {}, false, false});
  }

  result next(record& out, bad_record& bad) override {
    if (heads_.size() == 1)
      return next_of_one(out, bad);
    head* best = nullptr;
    for (auto& h : heads_) {
      while (!h.full && !h.done) {
        switch (h.stream->next(h.rec, bad)) {
          case detail::record_stream::result::end: h.done = true; break;
          case detail::record_stream::result::bad: return result::bad;
          case detail::record_stream::result::record:
            if (opts_.max_ns != no_time && h.rec.elapsed_ns > opts_.max_ns)
              h.done = true; // streams are sorted: nothing later fits
            else if (opts_.min_ns == no_time
                     || h.rec.elapsed_ns >= opts_.min_ns)
              h.full = true;
        }
      }
      if (h.full
          && (best == nullptr || h.rec.elapsed_ns < best->rec.elapsed_ns))
        best = &h;
    }
    if (best == nullptr)
      return result::end;
    // A swap, not a move: the head reads its next record into the memory
    // `out` brings (a caller that reuses records then allocates nothing).
    using std::swap;
    swap(out, best->rec);
    best->full = false;
    return result::record;
  }

  /// One stream: reads straight into `out`.
  result next_of_one(record& out, bad_record& bad) {
    auto& h = heads_.front();
    while (!h.done) {
      switch (h.stream->next(out, bad)) {
        case detail::record_stream::result::end: h.done = true; break;
        case detail::record_stream::result::bad: return result::bad;
        case detail::record_stream::result::record:
          if (opts_.max_ns != no_time && out.elapsed_ns > opts_.max_ns)
            h.done = true; // streams are sorted: nothing later fits
          else if (opts_.min_ns == no_time || out.elapsed_ns >= opts_.min_ns)
            return result::record;
      }
    }
    return result::end;
  }

  caf::error rewind() override {
    for (auto& h : heads_) {
      std::string error;
      if (!h.stream->rewind(error))
        return make_error(errc::io_error, error);
      h.full = false;
      h.done = false;
    }
    return caf::none;
  }

  const std::vector<std::string>& files() const override { return files_; }

  uint64_t bytes_read() const override {
    uint64_t result = 0;
    for (auto& h : heads_)
      result += h.stream->bytes_read();
    return result;
  }

  uint64_t bytes_total() const override {
    uint64_t result = 0;
    for (auto& h : heads_)
      result += h.stream->bytes_total();
    return result;
  }

private:
  struct head {
    std::unique_ptr<detail::record_stream> stream;
    record rec;
    bool full;
    bool done;
  };

  std::vector<head> heads_;
  std::vector<std::string> files_;
  read_options opts_;
};

class vector_source : public record_source {
public:
  explicit vector_source(std::vector<record> records)
      : records_(std::move(records)) {
    std::stable_sort(records_.begin(), records_.end(),
                     [](const record& x, const record& y) {
                       return x.elapsed_ns < y.elapsed_ns;
                     });
  }

  result next(record& out, bad_record&) override {
    if (pos_ >= records_.size())
      return result::end;
    out = records_[pos_++];
    return result::record;
  }

  caf::error rewind() override {
    pos_ = 0;
    return caf::none;
  }

  const std::vector<std::string>& files() const override { return files_; }

  uint64_t bytes_read() const override { return pos_; }

  uint64_t bytes_total() const override { return records_.size(); }

private:
  std::vector<record> records_;
  std::vector<std::string> files_;
  size_t pos_ = 0;
};

} // namespace

caf::expected<std::unique_ptr<record_source>>
open_logs(const std::vector<std::string>& paths, const read_options& opts) {
  if (opts.min_ns != no_time && opts.max_ns != no_time
      && opts.min_ns > opts.max_ns)
    return make_error(
        errc::invalid_argument,
        "time window: min " + detail::format_seconds(opts.min_ns, 1)
            + " is after max " + detail::format_seconds(opts.max_ns, 1));
  if (paths.empty())
    return make_error(errc::invalid_argument, "no log files given");
  std::vector<log_group> groups;
  for (auto& path : paths) {
    std::error_code ec;
    auto st = fs::status(path, ec);
    // The system's reason, so that "name.log/" says "not a directory".
    if (ec || !fs::exists(st))
      return make_error(
          errc::not_found,
          path + ": " + (ec ? ec.message() : "no such file or directory"));
    if (fs::is_directory(st)) {
      auto found = scan_directory(path);
      if (!found)
        return found.error();
      if (found->empty())
        return make_error(errc::bad_input,
                          path
                              + ": no MCL_LOG (.log) or JSON Lines (.jsonl) "
                                "files in this directory");
      groups.insert(groups.end(), found->begin(), found->end());
    } else {
      groups.push_back({sniff(path), {path}, false});
    }
  }
  // Ties in time go to the earlier file name, whatever the argument order.
  std::stable_sort(groups.begin(), groups.end(),
                   [](const log_group& x, const log_group& y) {
                     return x.parts.front() < y.parts.front();
                   });
  std::vector<std::unique_ptr<detail::record_stream>> streams;
  std::vector<std::string> files;
  std::string created;
  std::string created_in;
  for (auto& group : groups) {
    auto index = static_cast<uint32_t>(files.size());
    if (group.fmt == format::jsonl) {
      streams.push_back(jsonl::make_stream(group.parts.front(), index));
      files.push_back(group.parts.front());
      continue;
    }
    bool present = false;
    auto hdr = mcl::read_header(group.parts.front(), present);
    if (!hdr)
      return hdr.error();
    if (present && hdr->raw() && group.from_directory && !opts.include_raw)
      continue;
    if (present) {
      if (created_in.empty()) {
        created = hdr->created;
        created_in = group.parts.front();
      } else if (hdr->created != created) {
        return make_error(errc::bad_input,
                          group.parts.front() + ":5: created '" + hdr->created
                              + "' differs from '" + created + "' in "
                              + created_in
                              + "; the files are not one recording");
      }
    }
    files.insert(files.end(), group.parts.begin(), group.parts.end());
    streams.push_back(mcl::make_stream(group.parts, index,
                                       present ? hdr->type : std::string{}));
  }
  if (streams.empty())
    return make_error(errc::bad_input,
                      paths.front()
                          + ": nothing readable (only raw-data logs; "
                            "include them to read them)");
  std::unique_ptr<record_source> result = std::make_unique<merged_source>(
      std::move(streams), std::move(files), opts);
  return result;
}

std::unique_ptr<record_source> memory_source(std::vector<record> records) {
  return std::make_unique<vector_source>(std::move(records));
}

std::vector<record> read_all(record_source& src, std::vector<bad_record>* bad) {
  std::vector<record> result;
  record rec;
  bad_record why;
  for (;;) {
    switch (src.next(rec, why)) {
      case record_source::result::end: return result;
      case record_source::result::bad:
        if (bad != nullptr)
          bad->push_back(why);
        break;
      case record_source::result::record: result.push_back(std::move(rec));
    }
  }
}

} // namespace troupe
