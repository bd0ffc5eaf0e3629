#include "troupe/runtime/detail/name_table.hpp"

#include <doctest/doctest.h>

#include "support/fixture.hpp"

using troupe::detail::name_cache;
using troupe::detail::name_table;

TEST_CASE_FIXTURE(test::fixture, "the name table refuses duplicates and "
                                 "erases only its own entry") {
  auto a = rt().spawn([](caf::event_based_actor*) -> caf::behavior {
    return {[](int) {
    }};
  });
  auto b = rt().spawn([](caf::event_based_actor*) -> caf::behavior {
    return {[](int) {
    }};
  });
  name_table table;
  CHECK(table.try_insert("x", a));
  CHECK(!table.try_insert("x", b));
  CHECK(table.find("x") == a);
  CHECK(!table.erase("x", b.address()));
  CHECK(table.erase("x", a.address()));
  CHECK(!table.find("x"));
  CHECK(table.try_insert("reserved", caf::actor{}));
  CHECK(table.names().empty());
  table.assign("reserved", b);
  CHECK(table.names() == std::vector<std::string>{"reserved"});
  table.clear();
  CHECK(table.size() == 0);
}

TEST_CASE_FIXTURE(test::fixture, "a name cache follows table changes") {
  auto a = rt().spawn([](caf::event_based_actor*) -> caf::behavior {
    return {[](int) {
    }};
  });
  auto b = rt().spawn([](caf::event_based_actor*) -> caf::behavior {
    return {[](int) {
    }};
  });
  name_table table;
  name_cache cache;
  CHECK(!cache.lookup(table, "x"));
  table.try_insert("x", a);
  CHECK(cache.lookup(table, "x") == a);
  table.erase("x");
  table.try_insert("x", b);
  CHECK(cache.lookup(table, "x") == b);
  table.erase("x");
  CHECK(!cache.lookup(table, "x"));
}
