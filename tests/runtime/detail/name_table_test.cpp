#include <string>
#include <tuple>
#include <vector>

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

TEST_CASE_FIXTURE(test::fixture, "the name table's observer hears every "
                                 "change after it happened") {
  auto a = rt().spawn([](caf::event_based_actor*) -> caf::behavior {
    return {[](int) {
    }};
  });
  auto b = rt().spawn([](caf::event_based_actor*) -> caf::behavior {
    return {[](int) {
    }};
  });
  name_table table;
  std::vector<std::tuple<std::string, caf::actor, bool>> seen;
  table.set_observer(
      [&](const std::string& name, const caf::actor& who, bool added) {
        // Runs outside the lock: reading the table here must not deadlock.
        CHECK((table.find(name) == who) == added);
        seen.emplace_back(name, who, added);
      });
  CHECK(table.try_insert("x", a));
  CHECK_FALSE(table.try_insert("x", b));             // refused: nothing to tell
  CHECK(table.try_insert("reserved", caf::actor{})); // a reservation
  table.assign("reserved", b);
  CHECK(table.erase("x", a.address()));
  CHECK(table.erase("reserved"));
  REQUIRE(seen.size() == 4);
  CHECK(seen[0] == std::make_tuple(std::string{"x"}, a, true));
  CHECK(seen[1] == std::make_tuple(std::string{"reserved"}, b, true));
  CHECK(seen[2] == std::make_tuple(std::string{"x"}, a, false));
  CHECK(seen[3] == std::make_tuple(std::string{"reserved"}, b, false));
  table.set_observer({});
  CHECK(table.try_insert("y", a));
  CHECK(seen.size() == 4);
}
