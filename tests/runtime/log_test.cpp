#include <string>
#include <vector>

#include "troupe/runtime/log.hpp"

#include <doctest/doctest.h>

TEST_CASE("log lines below the threshold are dropped") {
  std::vector<std::string> lines;
  auto old_sink
      = troupe::log::set_sink([&](troupe::log::level, const std::string& text) {
          lines.push_back(text);
        });
  auto old_level = troupe::log::current_level();
  troupe::log::set_level(troupe::log::level::warning);
  troupe::log::info("hidden {}", 1);
  troupe::log::warning("shown {}", 2);
  troupe::log::error("shown {}", 3);
  troupe::log::set_level(old_level);
  troupe::log::set_sink(old_sink);
  CHECK(lines == std::vector<std::string>{"shown 2", "shown 3"});
}

TEST_CASE("log levels parse from text") {
  troupe::log::level lvl = troupe::log::level::off;
  CHECK(troupe::log::parse_level("debug", lvl));
  CHECK(lvl == troupe::log::level::debug);
  CHECK(!troupe::log::parse_level("loud", lvl));
  CHECK(lvl == troupe::log::level::debug);
}
