// libFuzzer target for experiment files: any input either parses or is
// refused with one bad_input line naming the file; a parsed description
// saves to TOML that parses back to the same text.

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "troupe/runtime/experiment/description.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto types = troupe::registry::with_builtins();
  std::string_view text{reinterpret_cast<const char*>(data), size};
  auto parsed = troupe::parse_description(text, "fuzz.toml", types);
  if (!parsed) {
    auto line = troupe::to_text(parsed.error());
    if (troupe::code_of(parsed.error()) != troupe::errc::bad_input
        || line.find('\n') != std::string::npos
        || line.find("fuzz.toml:") == std::string::npos)
      std::abort();
    return 0;
  }
  auto saved = troupe::save_description(*parsed);
  auto again = troupe::parse_description(saved, "saved.toml", types);
  if (!again || troupe::save_description(*again) != saved)
    std::abort();
  return 0;
}
