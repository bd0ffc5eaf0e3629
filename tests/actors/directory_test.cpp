#include "troupe/actors/directory.hpp"

#include <doctest/doctest.h>

#include "support/fixture.hpp"

using namespace test;

namespace {

class quiet : public troupe::agent {
public:
  using agent::agent;
};

/// Takes notes, so a test sees which of two agents got a message.
class listener : public troupe::agent {
public:
  using agent::agent;

protected:
  troupe::handler_set handlers() override {
    return handle([](const note&) {});
  }
};

} // namespace

TEST_CASE_FIXTURE(fixture, "a duplicate agent name is an error value") {
  spawn<quiet>("same");
  auto second = rt().spawn_agent<quiet>("same");
  REQUIRE(!second);
  CHECK(troupe::code_of(second.error()) == troupe::errc::duplicate_name);
  CHECK(rt().running_agents() == 1);
}

TEST_CASE_FIXTURE(fixture, "a refused duplicate leaves the name to the first "
                           "agent") {
  auto first = spawn<listener>("taken");
  auto second = rt().spawn_agent<listener>("taken");
  REQUIRE(!second);
  CHECK(rt().lookup("taken") == first);
  CHECK(!send_to("taken", note{"for the first"}));
  run();
  auto got = received<note>("taken");
  REQUIRE(got.size() == 1);
  CHECK(got[0].text == "for the first");
}

TEST_CASE_FIXTURE(fixture, "a name is free again once its agent stopped") {
  auto first = spawn<quiet>("reused");
  caf::anon_send(first, troupe::shutdown_atom::value);
  run();
  CHECK(!rt().lookup("reused"));
  auto second = rt().spawn_agent<quiet>("reused");
  CHECK(second);
}

TEST_CASE_FIXTURE(fixture, "the directory serves lookups and registrations") {
  auto a = spawn<quiet>("a");
  auto dir = rt().directory();
  auto found = request<caf::actor>(dir, caf::get_atom::value, std::string{"a"});
  REQUIRE(found);
  CHECK(*found == a);
  auto missing
      = request<caf::actor>(dir, caf::get_atom::value, std::string{"zz"});
  REQUIRE(!missing);
  CHECK(troupe::code_of(missing.error()) == troupe::errc::unknown_name);
  // A plain actor registers by message and leaves when it exits.
  auto plain = rt().spawn([](caf::event_based_actor* self) -> caf::behavior {
    return {[self](const note&) {
      self->quit();
    }};
  });
  CHECK(!request<void>(dir, caf::put_atom::value, std::string{"plain"}, plain));
  auto dup = request<void>(dir, caf::put_atom::value, std::string{"a"}, plain);
  CHECK(troupe::code_of(dup) == troupe::errc::duplicate_name);
  auto names = request<std::vector<std::string>>(dir, caf::get_atom::value,
                                                 troupe::names_atom::value);
  REQUIRE(names);
  CHECK(*names == std::vector<std::string>{"a", "plain"});
  // send_to reaches actors registered by message as well.
  CHECK(!send_to("plain", note{"bye"}));
  run();
  CHECK(!rt().lookup("plain"));
  CHECK(!request<void>(dir, caf::delete_atom::value, std::string{"a"}));
  CHECK(troupe::code_of(
            request<void>(dir, caf::delete_atom::value, std::string{"a"}))
        == troupe::errc::unknown_name);
}
