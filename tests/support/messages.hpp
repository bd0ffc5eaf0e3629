#pragma once

// Message types used only by the tests.

#include <cstdint>
#include <string>

#include "troupe/messages/core.hpp"
#include "troupe/runtime/config.hpp"

#include <caf/meta/type_name.hpp>
#include <caf/type_id.hpp>

namespace test {

struct ping {
  int32_t value = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ping& x) {
  return f(caf::meta::type_name("test::ping"), x.value);
}

struct pong {
  int32_t value = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pong& x) {
  return f(caf::meta::type_name("test::pong"), x.value);
}

struct note {
  std::string text;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, note& x) {
  return f(caf::meta::type_name("test::note"), x.text);
}

/// A typed view of the MCL fixtures' payloads (decoded from troupe::value).
struct reading {
  std::string name;
  double data = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reading& x) {
  return f(caf::meta::type_name("test::reading"), x.name, x.data);
}

inline bool operator==(const ping& x, const ping& y) {
  return x.value == y.value;
}

inline bool operator==(const pong& x, const pong& y) {
  return x.value == y.value;
}

inline bool operator==(const note& x, const note& y) {
  return x.text == y.text;
}

} // namespace test

CAF_BEGIN_TYPE_ID_BLOCK(troupe_test, troupe::first_user_type_id)
CAF_ADD_TYPE_ID(troupe_test, (test::ping))
CAF_ADD_TYPE_ID(troupe_test, (test::pong))
CAF_ADD_TYPE_ID(troupe_test, (test::note))
CAF_ADD_TYPE_ID(troupe_test, (test::reading))
CAF_END_TYPE_ID_BLOCK(troupe_test)

namespace test {

inline void register_types(troupe::config& cfg) {
  cfg.add_message_types<caf::id_block::troupe_test>();
}

} // namespace test
