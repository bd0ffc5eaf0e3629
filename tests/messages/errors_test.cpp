#include "troupe/messages/errors.hpp"

#include <caf/sec.hpp>

#include <doctest/doctest.h>

TEST_CASE("troupe errors carry code, category and a one-line context") {
  auto err
      = troupe::make_error(troupe::errc::unknown_name, "no agent named 'bob'");
  CHECK(err.category() == troupe::errc_category);
  CHECK(troupe::code_of(err) == troupe::errc::unknown_name);
  CHECK(troupe::to_text(err) == "unknown_name: no agent named 'bob'");
  CHECK(troupe::to_text(troupe::make_error(troupe::errc::timeout))
        == "timeout");
}

TEST_CASE("errors of other categories render through CAF") {
  caf::error err = caf::sec::unexpected_message;
  CHECK(troupe::code_of(err) == troupe::errc::none);
  CHECK(troupe::to_text(err).find("unexpected_message") != std::string::npos);
  CHECK(troupe::to_text(caf::error{}) == "no error");
}

TEST_CASE("every code has a name") {
  for (int i = 0; i <= static_cast<int>(troupe::errc::no_runtime); ++i) {
    auto name = troupe::to_string(static_cast<troupe::errc>(i));
    CHECK(name.find("errc(") == std::string::npos);
  }
}
