#include "troupe/runtime/cli/replay_support.hpp"

#include <algorithm>
#include <cstdio>

#include "troupe/messages/errors.hpp"
#include "troupe/runtime/detail/record_stream.hpp"

namespace troupe::cli {

int fail(const std::string& command, const std::string& text) {
  std::fprintf(stderr, "troupe %s: %s\n", command.c_str(), text.c_str());
  return exit_usage;
}

int fail(const std::string& command, const caf::error& err) {
  return fail(command, to_text(err));
}

bool parse_seconds_option(const std::string& option, const std::string& text,
                          int64_t& ns, std::string& error) {
  std::string why;
  if (!detail::parse_seconds(text, ns, why) || ns < 0) {
    error = option + ": expected a non-negative number of seconds, got '" + text
            + "'";
    return false;
  }
  return true;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> result;
  size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find(',', start);
    if (end == std::string::npos)
      end = text.size();
    if (end > start)
      result.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return result;
}

double replay_progress(const replay_status& st, const buffer_status& bst) {
  if (st.state == "finished")
    return 1.0;
  if (bst.bytes_total == 0)
    return 0.0;
  auto read = std::min(1.0, static_cast<double>(bst.bytes_read)
                                / static_cast<double>(bst.bytes_total));
  // Records read this far all belong to the first pass only before a loop.
  if (st.loops > 0 || bst.records_read == 0)
    return read;
  auto passed = st.published + st.filtered + st.dropped;
  return read
         * std::min(1.0, static_cast<double>(passed)
                             / static_cast<double>(bst.records_read));
}

double to_us(int64_t ns) {
  return static_cast<double>(ns) / 1000.0;
}

} // namespace troupe::cli
