#pragma once

#include "troupe/runtime/testing.hpp"

#include "support/messages.hpp"

namespace test {

/// The user fixture with the test message types registered.
struct fixture : troupe::testing::fixture {
  fixture() : troupe::testing::fixture(register_types) {
    // nop
  }
};

} // namespace test
