#include "troupe/actors/resource.hpp"
#include "troupe/runtime/experiment/registry.hpp"

#include <doctest/doctest.h>

using namespace troupe;
using namespace std::chrono_literals;

TEST_CASE("durations parse from text and numbers") {
  CHECK(*parse_duration("1.5s") == caf::timespan{1500ms});
  CHECK(*parse_duration("250ms") == caf::timespan{250ms});
  CHECK(*parse_duration("2m") == caf::timespan{120s});
  CHECK(*parse_duration("3") == caf::timespan{3s});
  CHECK(*parse_duration("10us") == caf::timespan{10us});
  CHECK(!parse_duration("soon"));
  CHECK(!parse_duration("-1s"));
  CHECK(!parse_duration("1.2.3s"));
  CHECK(!parse_duration(""));
  for (auto x : {caf::timespan{1s}, caf::timespan{1500ms}, caf::timespan{7us},
                 caf::timespan{3ns}})
    CHECK(*parse_duration(render_duration(x)) == x);
}

TEST_CASE("values are checked and normalized") {
  attribute_spec real{"gain", attr_kind::real, {}, false, {}};
  caf::config_value v{int64_t{2}};
  CHECK(!check_value(real, v));
  CHECK(caf::get<double>(v) == 2.0);
  attribute_spec dur{"wait", attr_kind::duration, {}, false, {}};
  caf::config_value d{std::string{"2s"}};
  CHECK(!check_value(dur, d));
  CHECK(caf::get<caf::timespan>(d) == caf::timespan{2s});
  caf::config_value secs{0.25};
  CHECK(!check_value(dur, secs));
  CHECK(caf::get<caf::timespan>(secs) == caf::timespan{250ms});
  attribute_spec flag{"on", attr_kind::boolean, {}, false, {}};
  caf::config_value text{std::string{"yes"}};
  auto err = check_value(flag, text);
  CHECK(to_text(err)
        == "invalid_config: attribute 'on' expects a boolean, got a string");
  attribute_spec names{"topics", attr_kind::string_list, {}, false, {}};
  caf::config_value mixed{
      caf::config_value::list{caf::config_value{"a"}, caf::config_value{1}}};
  CHECK(check_value(names, mixed));
}

TEST_CASE("the built-in types; a type known but not in this build") {
  auto types = registry::with_builtins();
  CHECK(types.resource_type_names()
        == std::vector<std::string>{"agent", "process", "replay"});
  CHECK(types.agent_type_names()
        == std::vector<std::string>{"threshold_alarm", "topic_stats"});
  attributes no_paths;
  CHECK(to_text(types.complete("replay", no_paths))
        == "invalid_config: attribute 'paths' is required for type 'replay'");
  types.add_unavailable("camera", "cameras are not part of this build");
  auto camera = types.schema("camera", {});
  REQUIRE(!camera);
  CHECK(code_of(camera.error()) == errc::unsupported);
  CHECK(to_text(camera.error()).find("not part of this build")
        != std::string::npos);
  // Registering the real type then replaces the "not in this build" entry;
  // a second registration is a duplicate.
  resource_type_info real;
  real.name = "camera";
  real.factory = [](caf::local_actor&, resource_setup) {
    return caf::actor{};
  };
  CHECK(!types.add(real));
  CHECK(types.schema("camera", {}));
  CHECK(code_of(types.add(real)) == errc::duplicate_name);
}

TEST_CASE("complete fills defaults and refuses unknown attributes") {
  auto types = registry::with_builtins();
  attributes attrs{{"command", caf::config_value{"true"}}};
  CHECK(!types.complete("process", attrs));
  CHECK(caf::get<bool>(attrs["critical"]) == true);
  CHECK(caf::get<bool>(attrs["hard_release"]) == false);
  CHECK(caf::get<caf::timespan>(attrs["stop_timeout"]) == caf::timespan{5s});
  attributes extra{{"command", caf::config_value{"true"}},
                   {"colour", caf::config_value{"red"}}};
  CHECK(code_of(types.complete("process", extra)) == errc::invalid_config);
  attributes none;
  CHECK(to_text(types.complete("process", none)).find("'command' is required")
        != std::string::npos);
  attributes alarm{{"agent", caf::config_value{"threshold_alarm"}},
                   {"topic", caf::config_value{"temp"}},
                   {"above", caf::config_value{int64_t{50}}}};
  CHECK(!types.complete("agent", alarm));
  CHECK(caf::get<double>(alarm["above"]) == 50.0);
  CHECK(code_of(types.complete("nope", none)) == errc::not_found);
}

TEST_CASE("wrong-state actions are named") {
  CHECK(
      !check_action("a", resource_state::ready, resource_action::start, false));
  CHECK(!check_action("a", resource_state::stopped, resource_action::start,
                      false));
  CHECK(to_text(check_action("a", resource_state::new_, resource_action::start,
                             false))
        == "wrong_state: cannot start resource 'a' in NEW: start only from "
           "READY or STOPPED");
  CHECK(
      check_action("a", resource_state::ready, resource_action::deploy, false));
  CHECK(check_action("a", resource_state::released, resource_action::release,
                     false));
  CHECK(!check_action("a", resource_state::failed, resource_action::release,
                      false));
}
