#include "troupe/runtime/mcl_log.hpp"

#include <cerrno>
#include <cstring>
#include <sys/stat.h>

#include "troupe/messages/errors.hpp"
#include "troupe/runtime/codec.hpp"
#include "troupe/runtime/detail/line_reader.hpp"

namespace troupe::mcl {

namespace {

constexpr std::string_view dash_line
    = "#-----------------------------------------------------------------";

bool is_dash_line(std::string_view line) {
  return line.size() > 3 && line.substr(0, 4) == "#---"
         && line.find_first_not_of('-', 1) == std::string_view::npos;
}

// Plain loops: string_view's find_first_of calls memchr once per character,
// which dominated reading.
bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view x) {
  size_t first = 0;
  while (first < x.size() && is_blank(x[first]))
    ++first;
  size_t last = x.size();
  while (last > first && is_blank(x[last - 1]))
    --last;
  return x.substr(first, last - first);
}

/// Position of the first blank, or npos.
size_t find_blank(std::string_view x) {
  for (size_t i = 0; i < x.size(); ++i)
    if (is_blank(x[i]))
      return i;
  return std::string_view::npos;
}

/// The value of a `#     -- key     value` line, or false.
bool field(std::string_view line, std::string_view key, std::string& out) {
  auto body = trim(line.substr(1));
  if (body.substr(0, 2) != "--")
    return false;
  body = trim(body.substr(2));
  if (body.substr(0, key.size()) != key)
    return false;
  auto rest = body.substr(key.size());
  if (!rest.empty() && rest[0] != ' ' && rest[0] != '\t')
    return false;
  out = std::string{trim(rest)};
  return true;
}

caf::error header_error(const std::string& path, uint64_t line,
                        const std::string& what) {
  return make_error(errc::bad_input,
                    path + ":" + std::to_string(line) + ": " + what);
}

uint64_t file_size(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

} // namespace

caf::expected<header> read_header(const std::string& path, bool& present) {
  detail::line_reader reader;
  if (!reader.open(path))
    return make_error(errc::io_error,
                      path + ": cannot open: " + std::strerror(errno));
  header result;
  std::string_view line;
  auto st = reader.next(line);
  present = st == detail::line_reader::status::line && !line.empty()
            && line[0] == '#';
  if (!present)
    return result;
  if (!is_dash_line(line))
    return header_error(path, 1, "an MCL_LOG header starts with a dash line");
  bool magic = false;
  bool version = false;
  bool created = false;
  bool type = false;
  for (;;) {
    st = reader.next(line);
    if (st != detail::line_reader::status::line || line.empty()
        || line[0] != '#')
      return header_error(path, reader.line(),
                          "header ends without its closing dash line");
    if (is_dash_line(line))
      break;
    auto body = trim(line.substr(1));
    if (reader.line() == 2) {
      if (body != "MCL_LOG")
        return header_error(path, 2, "expected '# MCL_LOG'");
      magic = true;
    } else if (field(line, "version", result.version)) {
      version = !result.version.empty();
    } else if (field(line, "revision", result.revision)) {
      // may be empty
    } else if (field(line, "created", result.created)) {
      created = true;
    } else if (body.substr(0, 3) == ">>>") {
      result.type = std::string{trim(body.substr(3))};
      type = !result.type.empty();
    }
  }
  if (!magic)
    return header_error(path, 2, "expected '# MCL_LOG'");
  if (!version)
    return header_error(path, reader.line(), "header has no version");
  if (!created)
    return header_error(path, reader.line(), "header has no created time");
  if (!type)
    return header_error(path, reader.line(), "header has no '>>> <type>' line");
  return result;
}

std::string format_header(const header& hdr) {
  std::string out;
  out += dash_line;
  out += "\n# MCL_LOG\n";
  out += "#     -- version     " + hdr.version + "\n";
  out += "#     -- revision    " + hdr.revision + "\n";
  out += "#     -- created     " + hdr.created + "\n";
  out += "#\n"
         "# One record per line: seconds since the log was created, the\n"
         "# quoted topic, and the msgpack payload as hex.\n"
         "#\n"
         "# Message type:\n"
         "#\n";
  out += "#      >>> " + hdr.type + "\n";
  out += "#\n"
         "#     <Time>    <Topic>     <Payload>\n";
  out += dash_line;
  out += '\n';
  return out;
}

namespace {

bool parse_topic(std::string_view& rest, std::string& out, std::string& error) {
  out.clear();
  if (rest.empty() || (rest[0] != '\'' && rest[0] != '"')) {
    error = "missing quoted topic";
    return false;
  }
  char quote = rest[0];
  size_t i = 1;
  for (; i < rest.size() && rest[i] != quote; ++i) {
    if (rest[i] != '\\') {
      out += rest[i];
      continue;
    }
    if (++i >= rest.size())
      break;
    switch (rest[i]) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'x': {
        std::string byte;
        std::string why;
        if (i + 2 >= rest.size()
            || !codec::decode_hex(rest.substr(i + 1, 2), byte, why)) {
          error = "bad \\x escape in topic";
          return false;
        }
        out += byte;
        i += 2;
        break;
      }
      default: out += rest[i];
    }
  }
  if (i >= rest.size()) {
    error = "unterminated topic quote";
    return false;
  }
  rest.remove_prefix(i + 1);
  return true;
}

void append_topic(std::string& out, const std::string& topic) {
  // Python's repr of a str: single quotes unless the text contains one.
  char quote = topic.find('\'') != std::string::npos
                       && topic.find('"') == std::string::npos
                   ? '"'
                   : '\'';
  auto start = out.size();
  out += quote;
  for (unsigned char c : topic) {
    if (c == '\\' || c == static_cast<unsigned char>(quote)) {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7f) {
      static constexpr char digits[] = "0123456789abcdef";
      out += "\\x";
      out += digits[c >> 4];
      out += digits[c & 0x0F];
    } else {
      out += static_cast<char>(c);
    }
  }
  out += quote;
  auto width = out.size() - start;
  if (width < 10)
    out.append(10 - width, ' ');
}

} // namespace

bool parse_line(std::string_view line, record& out, std::string& scratch,
                std::string& error) {
  auto rest = trim(line);
  if (rest.empty()) {
    error = "empty line";
    return false;
  }
  auto end = find_blank(rest);
  if (end == std::string_view::npos) {
    error = "truncated line: expected <time> '<topic>' <payload>";
    return false;
  }
  if (!detail::parse_seconds(rest.substr(0, end), out.elapsed_ns, error))
    return false;
  if (out.elapsed_ns < 0) {
    error = "negative time " + std::string{rest.substr(0, end)};
    return false;
  }
  rest = trim(rest.substr(end));
  if (!parse_topic(rest, out.topic, error))
    return false;
  rest = trim(rest);
  if (rest.empty()) {
    error = "truncated line: no payload";
    return false;
  }
  if (find_blank(rest) != std::string_view::npos) {
    error = "unexpected text after the payload";
    return false;
  }
  if (!codec::decode_hex(rest, scratch, error))
    return false;
  return codec::decode_msgpack(scratch, out.payload, error);
}

void append_line(std::string& out, const record& x) {
  auto time = detail::format_seconds(x.elapsed_ns, 5);
  if (time.size() < 12)
    out.append(12 - time.size(), ' ');
  out += time;
  out += "    ";
  append_topic(out, x.topic);
  out += "  ";
  std::string bytes;
  codec::append_msgpack(bytes, x.payload);
  codec::append_hex(out, bytes);
  out += '\n';
}

// -- stream -------------------------------------------------------------------

namespace {

class mcl_stream : public detail::record_stream {
public:
  mcl_stream(std::vector<std::string> parts, uint32_t file_index,
             std::string type)
      : parts_(std::move(parts)),
        first_file_(file_index),
        type_(std::move(type)) {
    for (auto& part : parts_)
      total_ += file_size(part);
  }

  result next(record& out, bad_record& bad) override {
    for (;;) {
      if (!open_ && !open_next(bad))
        return done_ ? result::end : result::bad;
      std::string_view line;
      switch (reader_.next(line)) {
        case detail::line_reader::status::end:
          finished_bytes_ += reader_.offset();
          open_ = false;
          ++part_;
          continue;
        case detail::line_reader::status::io_error:
          open_ = false;
          ++part_;
          return fail(bad, "read error");
        case detail::line_reader::status::too_long:
          return fail(bad, "line longer than 16 MiB");
        case detail::line_reader::status::line: break;
      }
      if (in_header_) {
        if (!line.empty() && line[0] == '#') {
          if (reader_.line() > 1 && is_dash_line(line))
            in_header_ = false;
          continue;
        }
        in_header_ = false;
      }
      if (trim(line).empty())
        continue;
      if (!parse_line(line, out, scratch_, error_))
        return fail(bad, error_);
      if (out.elapsed_ns < last_ns_)
        return fail(bad, "time goes backwards: "
                             + detail::format_seconds(out.elapsed_ns, 5)
                             + " after " + detail::format_seconds(last_ns_, 5));
      last_ns_ = out.elapsed_ns;
      out.type = type_.empty() ? std::string{out.payload.string_member("name")}
                               : type_;
      out.file = first_file_ + static_cast<uint32_t>(part_);
      out.line = reader_.line();
      return result::record;
    }
  }

  bool rewind(std::string&) override {
    part_ = 0;
    open_ = false;
    done_ = false;
    last_ns_ = 0;
    finished_bytes_ = 0;
    return true;
  }

  uint64_t bytes_read() const override {
    return finished_bytes_ + (open_ ? reader_.offset() : 0);
  }

  uint64_t bytes_total() const override { return total_; }

private:
  bool open_next(bad_record& bad) {
    if (part_ >= parts_.size()) {
      done_ = true;
      return false;
    }
    if (!reader_.open(parts_[part_])) {
      bad = bad_record{parts_[part_], 0,
                       std::string{"cannot open: "} + std::strerror(errno)};
      ++part_;
      return false;
    }
    open_ = true;
    // Only the first part carries a header (later parts may too, if they
    // were written as separate logs).
    in_header_ = true;
    return true;
  }

  result fail(bad_record& bad, std::string reason) {
    bad = bad_record{parts_[std::min(part_, parts_.size() - 1)], reader_.line(),
                     std::move(reason)};
    return result::bad;
  }

  std::vector<std::string> parts_;
  uint32_t first_file_;
  std::string type_;
  detail::line_reader reader_;
  size_t part_ = 0;
  bool open_ = false;
  bool done_ = false;
  bool in_header_ = false;
  int64_t last_ns_ = 0;
  uint64_t finished_bytes_ = 0;
  uint64_t total_ = 0;
  std::string scratch_;
  std::string error_;
};

} // namespace

std::unique_ptr<detail::record_stream>
make_stream(std::vector<std::string> parts, uint32_t file_index,
            std::string type) {
  return std::make_unique<mcl_stream>(std::move(parts), file_index,
                                      std::move(type));
}

} // namespace troupe::mcl
