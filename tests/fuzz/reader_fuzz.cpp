// libFuzzer target for the log readers: every input goes through the line
// parsers of both formats, the msgpack and JSON decoders, and, written to a
// file, through whole-log reading (headers, splitting into lines, merging).
// Nothing may crash, hang or read out of bounds; bad input must come back
// as bad records or errors.

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <unistd.h>

#include "troupe/runtime/codec.hpp"
#include "troupe/runtime/jsonl_log.hpp"
#include "troupe/runtime/log_source.hpp"
#include "troupe/runtime/mcl_log.hpp"

namespace {

void read_as_file(const std::string& path, std::string_view text) {
  if (auto* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  }
  auto src = troupe::open_logs({path}, {});
  if (src) {
    auto records = troupe::read_all(**src);
    (void)records;
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  troupe::record rec;
  std::string scratch;
  std::string error;
  size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos)
      end = text.size();
    auto line = text.substr(start, end - start);
    troupe::mcl::parse_line(line, rec, scratch, error);
    troupe::jsonl::parse_line(line, rec, error);
    start = end + 1;
  }
  troupe::value x;
  troupe::codec::decode_msgpack(text, x, error);
  troupe::codec::parse_json(text, x, error);
  static const std::string base
      = "/tmp/troupe-fuzz-" + std::to_string(getpid());
  read_as_file(base + ".log", text);
  read_as_file(base + ".jsonl", text);
  return 0;
}
