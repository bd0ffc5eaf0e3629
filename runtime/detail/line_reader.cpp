#include "troupe/runtime/detail/line_reader.hpp"

#include <cstring>

namespace troupe::detail {

namespace {

constexpr size_t chunk_size = 256 * 1024;

} // namespace

line_reader::line_reader(size_t max_line) : max_line_(max_line) {
  buf_.resize(chunk_size);
}

line_reader::~line_reader() {
  if (file_ != nullptr)
    std::fclose(file_);
}

bool line_reader::open(const std::string& path) {
  if (file_ != nullptr)
    std::fclose(file_);
  file_ = std::fopen(path.c_str(), "rb");
  begin_ = end_ = 0;
  eof_ = false;
  line_ = 0;
  consumed_ = 0;
  return file_ != nullptr;
}

bool line_reader::rewind() {
  if (file_ == nullptr || std::fseek(file_, 0, SEEK_SET) != 0)
    return false;
  std::clearerr(file_);
  begin_ = end_ = 0;
  eof_ = false;
  line_ = 0;
  consumed_ = 0;
  return true;
}

bool line_reader::refill() {
  // Keep the unread tail, grow only as far as the longest allowed line.
  if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == buf_.size()) {
    if (buf_.size() >= max_line_ + 1)
      return false;
    buf_.resize(std::min(buf_.size() * 2, max_line_ + 1));
  }
  auto n = std::fread(buf_.data() + end_, 1, buf_.size() - end_, file_);
  end_ += n;
  if (n == 0)
    eof_ = true;
  return true;
}

line_reader::status line_reader::next(std::string_view& text) {
  if (file_ == nullptr)
    return status::io_error;
  size_t scanned = begin_;
  for (;;) {
    auto* start = buf_.data() + scanned;
    auto* nl = static_cast<char*>(std::memchr(start, '\n', end_ - scanned));
    if (nl != nullptr) {
      auto len = static_cast<size_t>(nl - (buf_.data() + begin_));
      text = std::string_view{buf_.data() + begin_, len};
      consumed_ += len + 1;
      begin_ += len + 1;
      ++line_;
      if (!text.empty() && text.back() == '\r')
        text.remove_suffix(1);
      return status::line;
    }
    if (eof_) {
      if (begin_ == end_)
        return std::ferror(file_) ? status::io_error : status::end;
      // Last line without a newline.
      text = std::string_view{buf_.data() + begin_, end_ - begin_};
      consumed_ += end_ - begin_;
      begin_ = end_;
      ++line_;
      if (!text.empty() && text.back() == '\r')
        text.remove_suffix(1);
      return status::line;
    }
    auto pending = end_ - begin_;
    if (!refill()) {
      // Longer than allowed: drop it up to and including its newline.
      ++line_;
      begin_ = end_ = 0;
      consumed_ += pending;
      for (;;) {
        auto n = std::fread(buf_.data(), 1, buf_.size(), file_);
        if (n == 0) {
          eof_ = true;
          return status::too_long;
        }
        auto* hit = static_cast<char*>(std::memchr(buf_.data(), '\n', n));
        if (hit != nullptr) {
          auto used = static_cast<size_t>(hit - buf_.data()) + 1;
          consumed_ += used;
          begin_ = used;
          end_ = n;
          return status::too_long;
        }
        consumed_ += n;
      }
    }
    scanned = begin_ + pending;
  }
}

} // namespace troupe::detail
