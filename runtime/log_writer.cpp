#include "troupe/runtime/log_writer.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "troupe/messages/errors.hpp"
#include "troupe/runtime/jsonl_log.hpp"
#include "troupe/runtime/mcl_log.hpp"

namespace troupe {

namespace fs = std::filesystem;

bool parse_log_format(const std::string& text, log_format& out) {
  if (text == "mcl")
    out = log_format::mcl;
  else if (text == "jsonl")
    out = log_format::jsonl;
  else
    return false;
  return true;
}

log_writer::log_writer(std::string path, write_options opts, bool directory)
    : path_(std::move(path)), opts_(std::move(opts)), directory_(directory) {
  // nop
}

caf::expected<std::unique_ptr<log_writer>>
log_writer::open(const std::string& path, write_options opts) {
  if (path.empty())
    return make_error(errc::invalid_argument, "no output path given");
  std::error_code ec;
  bool directory = opts.format == log_format::mcl
                   && (path.back() == '/' || fs::is_directory(path, ec));
  if (directory) {
    fs::create_directories(path, ec);
    if (ec)
      return make_error(errc::io_error,
                        path + ": cannot create directory: " + ec.message());
  }
  return std::unique_ptr<log_writer>{
      new log_writer(path, std::move(opts), directory)};
}

log_writer::~log_writer() {
  close();
}

caf::expected<log_writer::output*> log_writer::output_for(const record& x) {
  auto type = x.type.empty() ? std::string{"None"} : x.type;
  auto key
      = opts_.format == log_format::mcl && directory_ ? type : std::string{};
  auto i = outputs_.find(key);
  if (i != outputs_.end()) {
    if (opts_.format == log_format::mcl && i->second.type != type)
      return make_error(errc::invalid_argument,
                        path_ + " holds " + i->second.type
                            + " records and cannot take a " + type
                            + " record; give a directory to write one log "
                              "per message type");
    return &i->second;
  }
  output out;
  out.type = type;
  if (directory_) {
    auto dir = path_.back() == '/' ? path_ : path_ + "/";
    out.base = dir + type;
    out.ext = ".log";
  } else {
    auto dot = path_.find_last_of('.');
    auto slash = path_.find_last_of('/');
    if (dot != std::string::npos
        && (slash == std::string::npos || dot > slash)) {
      out.base = path_.substr(0, dot);
      out.ext = path_.substr(dot);
    } else {
      out.base = path_;
    }
  }
  auto& slot = outputs_.emplace(key, std::move(out)).first->second;
  if (auto err = open_part(slot))
    return err;
  return &slot;
}

caf::error log_writer::open_part(output& out) {
  if (out.file != nullptr)
    std::fclose(out.file);
  bool split = opts_.split_bytes > 0 || opts_.split_records > 0;
  std::string name = out.base;
  if (split) {
    char suffix[16];
    std::snprintf(suffix, sizeof(suffix), "_%03llu",
                  static_cast<unsigned long long>(out.part));
    name += suffix;
  }
  name += out.ext;
  out.file = std::fopen(name.c_str(), "wb");
  if (out.file == nullptr)
    return make_error(errc::io_error,
                      name + ": cannot write: " + std::strerror(errno));
  files_.push_back(name);
  out.bytes = 0;
  out.records = 0;
  if (opts_.format == log_format::mcl && out.part == 0) {
    mcl::header hdr;
    hdr.created = opts_.created;
    hdr.revision = opts_.revision;
    hdr.type = out.type;
    auto text = mcl::format_header(hdr);
    if (std::fwrite(text.data(), 1, text.size(), out.file) != text.size())
      return make_error(errc::io_error, name + ": write failed");
    out.bytes += text.size();
  }
  return caf::none;
}

caf::error log_writer::write(const record& x) {
  if (closed_)
    return make_error(errc::wrong_state, path_ + ": the writer is closed");
  auto out = output_for(x);
  if (!out)
    return out.error();
  auto& dst = **out;
  if ((opts_.split_records > 0 && dst.records >= opts_.split_records)
      || (opts_.split_bytes > 0 && dst.records > 0
          && dst.bytes >= opts_.split_bytes)) {
    ++dst.part;
    if (auto err = open_part(dst))
      return err;
  }
  line_.clear();
  if (opts_.format == log_format::mcl)
    mcl::append_line(line_, x);
  else
    jsonl::append_line(line_, x);
  if (std::fwrite(line_.data(), 1, line_.size(), dst.file) != line_.size())
    return make_error(errc::io_error, files_.back() + ": write failed");
  dst.bytes += line_.size();
  ++dst.records;
  ++records_;
  return caf::none;
}

caf::error log_writer::flush() {
  for (auto& kvp : outputs_)
    if (kvp.second.file != nullptr && std::fflush(kvp.second.file) != 0)
      return make_error(errc::io_error, path_ + ": write failed");
  return caf::none;
}

caf::error log_writer::close() {
  closed_ = true;
  caf::error result;
  for (auto& kvp : outputs_) {
    if (kvp.second.file != nullptr) {
      if (std::fclose(kvp.second.file) != 0 && !result)
        result = make_error(errc::io_error, path_ + ": close failed");
      kvp.second.file = nullptr;
    }
  }
  return result;
}

} // namespace troupe
