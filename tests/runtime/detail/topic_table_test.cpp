#include <string>
#include <utility>
#include <vector>

#include "troupe/runtime/detail/topic_table.hpp"

#include <doctest/doctest.h>

#include "support/fixture.hpp"

using troupe::detail::topic_cache;
using troupe::detail::topic_table;

TEST_CASE_FIXTURE(test::fixture, "topics are interned once with stable IDs") {
  topic_table table;
  auto& a = table.intern("a");
  auto& b = table.intern("b");
  CHECK(a.id() == 1);
  CHECK(b.id() == 2);
  CHECK(&table.intern("a") == &a);
  CHECK(table.find("b") == &b);
  CHECK(table.find(2) == &b);
  CHECK(table.find(0) == nullptr);
  CHECK(table.find(3) == nullptr);
  CHECK(table.find("c") == nullptr);
}

TEST_CASE_FIXTURE(test::fixture, "subscriber lists are copy-on-write") {
  auto s = rt().spawn([](caf::event_based_actor*) -> caf::behavior {
    return {[](int) {
    }};
  });
  topic_table table;
  auto& a = table.intern("a");
  auto before = a.snapshot();
  CHECK(a.add(s));
  CHECK(!a.add(s));
  CHECK(before->empty());
  CHECK(a.subscriber_count() == 1);
  topic_cache cache;
  CHECK(cache.lookup(table, "a").subscribers->size() == 1);
  CHECK(table.remove_everywhere(s.address()) == 1);
  CHECK(cache.lookup(table, "a").subscribers->empty());
  auto* fresh = cache.lookup(table, "new").topic;
  CHECK(fresh == table.find("new"));
}

TEST_CASE_FIXTURE(test::fixture, "the topic table's observer hears every "
                                 "change of subscribers") {
  auto a = rt().spawn([](caf::event_based_actor*) -> caf::behavior {
    return {[](int) {
    }};
  });
  topic_table table;
  std::vector<std::pair<std::string, size_t>> seen;
  table.set_observer([&](const troupe::detail::topic_entry& entry) {
    seen.emplace_back(entry.name(), entry.subscriber_count());
  });
  auto& t = table.intern("t");
  CHECK(seen.empty()); // interning changes no subscribers
  CHECK(t.add(a));
  CHECK_FALSE(t.add(a)); // no change, no call
  CHECK(t.remove(a.address()));
  CHECK(t.add(a));
  CHECK(table.remove_everywhere(a.address()) == 1);
  using entry = std::pair<std::string, size_t>;
  CHECK(seen == std::vector<entry>{{"t", 1}, {"t", 0}, {"t", 1}, {"t", 0}});
  table.clear_subscribers(); // drops the observer too
  t.add(a);
  CHECK(seen.size() == 4);
}
