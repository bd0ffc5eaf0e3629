#include <string>
#include <vector>

#include "troupe/messages/errors.hpp"
#include "troupe/runtime/monitor/detail/point_tree.hpp"

#include <doctest/doctest.h>

using namespace troupe;
using namespace troupe::detail;

TEST_CASE("the roll-up follows every change of every descendant") {
  point_tree tree;
  auto top = tree.add_group("top", root_node);
  auto mid = tree.add_group("mid", top);
  auto a = tree.add_point("a", mid, 0);
  auto b = tree.add_point("b", top, 1);
  CHECK(tree.points() == 2);
  CHECK(tree.level(top) == alert_level::none);
  tree.set_state(a, alert_level::orange, false);
  tree.set_state(b, alert_level::green, false);
  CHECK(tree.level(mid) == alert_level::orange);
  CHECK(tree.level(top) == alert_level::orange);
  // STALE counts as red, whatever the last alert was, unless worse.
  tree.set_state(b, alert_level::green, true);
  CHECK(tree.level(b) == alert_level::red);
  CHECK(tree.level(top) == alert_level::red);
  CHECK(tree.level(mid) == alert_level::orange);
  tree.set_state(a, alert_level::critical, false);
  CHECK(tree.level(root_node) == alert_level::critical);
  tree.set_state(a, alert_level::none, false);
  tree.set_state(b, alert_level::green, false);
  CHECK(tree.level(root_node) == alert_level::green);
  tree.remove(b);
  CHECK(tree.level(top) == alert_level::none);
  CHECK(tree.find("b") == no_node);
  CHECK(tree.within(a, top));
  CHECK(!tree.within(top, a));
  // A reused slot is a new node.
  auto generation = tree.at(b).generation;
  auto c = tree.add_point("c", root_node, 2);
  CHECK(c == b);
  CHECK(!tree.valid(b, generation));
}

TEST_CASE("siblings stay sorted; names are checked") {
  point_tree tree;
  for (auto name : {"m", "b", "z", "a"})
    tree.add_point(name, root_node, 0);
  std::vector<std::string> order;
  tree.depth_first([&](node_id id) { order.push_back(tree.at(id).name); });
  CHECK(order == std::vector<std::string>{"a", "b", "m", "z"});
  CHECK(!check_name("ok name/with:stuff", "point"));
  CHECK(to_text(check_name(" x", "point"))
        == "invalid_argument: point name ' x' starts or ends with a space");
  CHECK(to_text(check_name(std::string(201, 'x'), "parent"))
            .find("is longer than 200 bytes")
        != std::string::npos);
}
