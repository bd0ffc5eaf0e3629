#include "troupe/runtime/experiment/description.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include <toml++/toml.h>

namespace troupe {

namespace {

/// Thrown inside the parser only; becomes the `bad_input` error.
using bad_field = detail::field_error;

/// The text of an error without its code.
std::string reason_of(const caf::error& err) {
  auto text = to_text(err);
  auto colon = text.find(": ");
  return colon == std::string::npos ? text : text.substr(colon + 2);
}

/// Escapes control characters: a refusal is one line, even when it quotes
/// the file (toml++ shows the character it choked on, a newline included).
std::string one_line(const std::string& text) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string result;
  result.reserve(text.size());
  for (auto c : text) {
    auto u = static_cast<unsigned char>(c);
    if (c == '\n')
      result += "\\n";
    else if (c == '\r')
      result += "\\r";
    else if (c == '\t')
      result += "\\t";
    else if (u < 0x20 || u == 0x7f)
      result += std::string{"\\x"} + hex[u >> 4] + hex[u & 0xf];
    else
      result += c;
  }
  return result;
}

size_t line_of(const toml::node& x) {
  return x.source().begin.line;
}

[[noreturn]] void refuse(size_t line, std::string field, std::string what) {
  throw bad_field{line, std::move(field), std::move(what)};
}

std::string kind_name(const toml::node& x) {
  switch (x.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a real";
    case toml::node_type::boolean: return "a boolean";
    default: return "a date or time";
  }
}

std::string as_string(const toml::node& x, const std::string& field) {
  if (auto str = x.as_string())
    return str->get();
  refuse(line_of(x), field, "expected a string, got " + kind_name(x));
}

bool as_bool(const toml::node& x, const std::string& field) {
  if (auto b = x.as_boolean())
    return b->get();
  refuse(line_of(x), field, "expected a boolean, got " + kind_name(x));
}

std::vector<std::string> as_names(const toml::node& x,
                                  const std::string& field) {
  auto arr = x.as_array();
  if (arr == nullptr)
    refuse(line_of(x), field, "expected a list of names, got " + kind_name(x));
  std::vector<std::string> result;
  for (auto& item : *arr)
    result.push_back(as_string(item, field));
  return result;
}

caf::timespan as_duration(const toml::node& x, const std::string& field) {
  caf::config_value value;
  if (auto str = x.as_string())
    value = str->get();
  else if (auto i = x.as_integer())
    value = i->get();
  else if (auto d = x.as_floating_point())
    value = d->get();
  else
    refuse(line_of(x), field,
           "expected a duration (e.g. \"5s\"), got " + kind_name(x));
  attribute_spec spec{field, attr_kind::duration, {}, false, {}};
  if (auto err = check_value(spec, value))
    refuse(line_of(x), field, reason_of(err));
  return caf::get<caf::timespan>(value);
}

/// A TOML value as an attribute value (before checking it against the
/// type's schema).
caf::config_value to_value(const toml::node& x, const std::string& field) {
  if (auto b = x.as_boolean())
    return caf::config_value{b->get()};
  if (auto i = x.as_integer())
    return caf::config_value{i->get()};
  if (auto d = x.as_floating_point())
    return caf::config_value{d->get()};
  if (auto str = x.as_string())
    return caf::config_value{str->get()};
  if (auto arr = x.as_array()) {
    caf::config_value::list result;
    for (auto& item : *arr)
      result.push_back(to_value(item, field));
    return caf::config_value{std::move(result)};
  }
  refuse(line_of(x), field, kind_name(x) + " is not an attribute value");
}

void only_keys(const toml::table& tbl, const std::string& field,
               std::initializer_list<const char*> keys) {
  for (auto& kvp : tbl) {
    bool known = false;
    for (auto key : keys)
      known = known || kvp.first.str() == key;
    if (!known)
      refuse(line_of(kvp.second), field + "." + std::string{kvp.first.str()},
             "unknown key");
  }
}

const toml::table& as_table(const toml::node& x, const std::string& field) {
  auto tbl = x.as_table();
  if (tbl == nullptr)
    refuse(line_of(x), field, "expected a table, got " + kind_name(x));
  return *tbl;
}

/// Visits `[[name]]`: each element must be a table.
template <class F>
void each_table(const toml::table& root, const char* name, F fun) {
  auto node = root.get(name);
  if (node == nullptr)
    return;
  auto arr = node->as_array();
  if (arr == nullptr)
    refuse(line_of(*node), name,
           std::string{"expected [["} + name + "]] tables, got "
               + kind_name(*node));
  size_t index = 0;
  for (auto& item : *arr) {
    auto field = std::string{name} + "[" + std::to_string(index++) + "]";
    fun(as_table(item, field), field);
  }
}

// -- the sections -------------------------------------------------------------

void parse_experiment(const toml::table& root, description& result) {
  auto node = root.get("experiment");
  if (node == nullptr)
    return;
  auto& tbl = as_table(*node, "experiment");
  only_keys(tbl, "experiment", {"id", "duration", "wait_all_ready"});
  if (auto x = tbl.get("id"))
    result.exp_id = as_string(*x, "experiment.id");
  if (auto x = tbl.get("duration"))
    result.duration = as_duration(*x, "experiment.duration");
  if (auto x = tbl.get("wait_all_ready"))
    result.wait_all_ready = as_bool(*x, "experiment.wait_all_ready");
}

restart_policy parse_restart(const toml::node& node, const std::string& field) {
  auto& tbl = as_table(node, field);
  only_keys(tbl, field, {"max", "backoff", "factor"});
  restart_policy result;
  if (auto x = tbl.get("max")) {
    auto i = x->as_integer();
    if (i == nullptr || i->get() < 0 || i->get() > 1000000)
      refuse(line_of(*x), field + ".max", "expected an integer in [0, 1e6]");
    result.max_restarts = static_cast<uint32_t>(i->get());
  }
  if (auto x = tbl.get("backoff"))
    result.backoff = as_duration(*x, field + ".backoff");
  if (auto x = tbl.get("factor")) {
    auto d = x->as_floating_point();
    auto i = x->as_integer();
    double f = d ? d->get() : i ? static_cast<double>(i->get()) : -1;
    if (!(f >= 1.0 && f <= 100.0))
      refuse(line_of(*x), field + ".factor", "expected a number in [1, 100]");
    result.factor = f;
  }
  return result;
}

void parse_resource(const toml::table& tbl, const std::string& field,
                    const registry& types, description& result) {
  resource_desc res;
  res.line = line_of(tbl);
  auto name = tbl.get("name");
  if (name == nullptr)
    refuse(res.line, field + ".name", "missing");
  res.name = as_string(*name, field + ".name");
  if (res.name.empty())
    refuse(line_of(*name), field + ".name", "empty");
  auto type = tbl.get("type");
  if (type == nullptr)
    refuse(res.line, field + ".type", "missing");
  res.type = as_string(*type, field + ".type");
  for (auto& kvp : tbl) {
    auto key = std::string{kvp.first.str()};
    if (key == "name" || key == "type")
      continue;
    if (key == "connect")
      res.connect = as_names(kvp.second, field + ".connect");
    else if (key == "node") {
      res.node = as_string(kvp.second, field + ".node");
      res.node_line = line_of(kvp.second);
      if (res.node.empty())
        refuse(res.node_line, field + ".node", "empty");
    } else if (key == "restart")
      res.restart = parse_restart(kvp.second, field + ".restart");
    else
      res.attrs.emplace(key, to_value(kvp.second, field + "." + key));
  }
  // The attributes, against the type (an agent type extends the schema).
  auto schema = types.schema(res.type, res.attrs);
  if (!schema) {
    auto what = reason_of(schema.error());
    bool about_agent
        = what.find("agent") != std::string::npos && res.type == "agent";
    auto agent = tbl.get("agent");
    refuse(about_agent && agent ? line_of(*agent) : line_of(*type),
           field + (about_agent ? ".agent" : ".type"), what);
  }
  for (auto& kvp : res.attrs) {
    auto node = tbl.get(kvp.first);
    auto spec = std::find_if(schema->begin(), schema->end(),
                             [&](auto& s) { return s.name == kvp.first; });
    if (spec == schema->end())
      refuse(line_of(*node), field + "." + kvp.first,
             "unknown attribute for type '" + res.type + "'");
    if (auto err = check_value(*spec, kvp.second))
      refuse(line_of(*node), field + "." + kvp.first, reason_of(err));
  }
  for (auto& spec : *schema)
    if (spec.required && res.attrs.count(spec.name) == 0)
      refuse(res.line, field + "." + spec.name,
             "missing (required by type '" + res.type + "')");
  result.resources.push_back(std::move(res));
}

void parse_condition(const toml::table& tbl, const std::string& field,
                     description& result) {
  only_keys(tbl, field, {"action", "resources", "after", "state", "delay"});
  condition_desc c;
  c.line = line_of(tbl);
  auto need = [&](const char* key) -> const toml::node& {
    auto x = tbl.get(key);
    if (x == nullptr)
      refuse(c.line, field + "." + key, "missing");
    return *x;
  };
  auto& action = need("action");
  auto text = as_string(action, field + ".action");
  if (!from_string(text, c.action) || c.action == resource_action::release)
    refuse(line_of(action), field + ".action",
           "'" + text + "' is not deploy, start or stop");
  c.resources = as_names(need("resources"), field + ".resources");
  c.after = as_names(need("after"), field + ".after");
  if (c.resources.empty())
    refuse(c.line, field + ".resources", "empty");
  if (c.after.empty())
    refuse(c.line, field + ".after", "empty");
  auto& state = need("state");
  text = as_string(state, field + ".state");
  if (!from_string(text, c.state))
    refuse(line_of(state), field + ".state",
           "'" + text + "' is not a resource state");
  if (auto x = tbl.get("delay"))
    c.delay = as_duration(*x, field + ".delay");
  result.conditions.push_back(std::move(c));
}

void parse_group(const toml::table& tbl, const std::string& field,
                 description& result) {
  only_keys(tbl, field, {"resources", "wait_all_ready"});
  group_desc g;
  g.line = line_of(tbl);
  auto members = tbl.get("resources");
  if (members == nullptr)
    refuse(g.line, field + ".resources", "missing");
  g.resources = as_names(*members, field + ".resources");
  if (auto x = tbl.get("wait_all_ready"))
    g.wait_all_ready = as_bool(*x, field + ".wait_all_ready");
  result.groups.push_back(std::move(g));
}

/// "host:port" with a port in [1, 65535].
bool is_host_port(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()
      || colon + 6 < text.size())
    return false;
  auto port = text.substr(colon + 1);
  if (!std::all_of(port.begin(), port.end(),
                   [](unsigned char c) { return std::isdigit(c); }))
    return false;
  auto value = std::stoul(port);
  return value >= 1 && value <= 65535;
}

void parse_node(const toml::table& tbl, const std::string& field,
                description& result) {
  only_keys(
      tbl, field,
      {"name", "address", "secret_file", "tls_cert", "tls_key", "tls_ca"});
  node_desc n;
  n.line = line_of(tbl);
  auto need = [&](const char* key) -> const toml::node& {
    auto x = tbl.get(key);
    if (x == nullptr)
      refuse(n.line, field + "." + key, "missing");
    return *x;
  };
  auto& name = need("name");
  n.name = as_string(name, field + ".name");
  if (n.name.empty())
    refuse(line_of(name), field + ".name", "empty");
  auto& address = need("address");
  n.address = as_string(address, field + ".address");
  if (!is_host_port(n.address))
    refuse(line_of(address), field + ".address",
           "'" + n.address + "' is not HOST:PORT");
  auto optional = [&](const char* key, std::string& out) {
    if (auto x = tbl.get(key)) {
      out = as_string(*x, field + "." + key);
      if (out.empty())
        refuse(line_of(*x), field + "." + key, "empty");
    }
  };
  optional("secret_file", n.secret_file);
  optional("tls_cert", n.tls_cert);
  optional("tls_key", n.tls_key);
  optional("tls_ca", n.tls_ca);
  auto tls_parts = !n.tls_cert.empty() + !n.tls_key.empty() + !n.tls_ca.empty();
  if (tls_parts != 0 && tls_parts != 3)
    refuse(n.line, field + ".tls_cert",
           "TLS needs all of tls_cert, tls_key and tls_ca");
  result.nodes.push_back(std::move(n));
}

} // namespace

caf::expected<description> parse_description(std::string_view text,
                                             const std::string& file,
                                             const registry& types) {
  auto fail
      = [&](size_t line, const std::string& field, const std::string& what) {
          return make_error(errc::bad_input,
                            one_line(file + ":" + std::to_string(line) + ": "
                                     + field + ": " + what));
        };
  try {
    auto root = toml::parse(text, file);
    only_keys(root, "top level",
              {"experiment", "resource", "condition", "group", "node"});
    description result;
    parse_experiment(root, result);
    each_table(root, "resource", [&](auto& tbl, auto& field) {
      parse_resource(tbl, field, types, result);
    });
    each_table(root, "condition", [&](auto& tbl, auto& field) {
      parse_condition(tbl, field, result);
    });
    each_table(root, "group", [&](auto& tbl, auto& field) {
      parse_group(tbl, field, result);
    });
    each_table(root, "node",
               [&](auto& tbl, auto& field) { parse_node(tbl, field, result); });
    if (auto err = detail::check_references(result))
      return fail(err->line, err->field, err->what);
    return result;
  } catch (const toml::parse_error& ex) {
    std::string what{ex.description()};
    return fail(ex.source().begin.line, "syntax", what);
  } catch (const bad_field& ex) {
    return fail(ex.line, ex.field, ex.what);
  }
}

caf::expected<description> load_description(const std::string& path,
                                            const registry& types) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return make_error(errc::io_error, path + ": cannot be read");
  std::ostringstream buf;
  buf << in.rdbuf();
  return parse_description(buf.str(), path, types);
}

// -- saving -------------------------------------------------------------------

namespace {

void put_value(toml::table& tbl, const std::string& key,
               const caf::config_value& x) {
  if (auto b = caf::get_if<bool>(&x))
    tbl.insert_or_assign(key, *b);
  else if (auto i = caf::get_if<int64_t>(&x))
    tbl.insert_or_assign(key, *i);
  else if (auto d = caf::get_if<double>(&x))
    tbl.insert_or_assign(key, *d);
  else if (auto str = caf::get_if<std::string>(&x))
    tbl.insert_or_assign(key, *str);
  else if (auto t = caf::get_if<caf::timespan>(&x))
    tbl.insert_or_assign(key, render_duration(*t));
  else if (auto lst = caf::get_if<caf::config_value::list>(&x)) {
    toml::array arr;
    for (auto& item : *lst)
      if (auto s = caf::get_if<std::string>(&item))
        arr.push_back(*s);
    tbl.insert_or_assign(key, std::move(arr));
  }
}

toml::array names(const std::vector<std::string>& xs) {
  toml::array result;
  for (auto& x : xs)
    result.push_back(x);
  return result;
}

} // namespace

std::string save_description(const description& x) {
  toml::table root;
  toml::table exp;
  if (!x.exp_id.empty())
    exp.insert("id", x.exp_id);
  if (x.duration.count() > 0)
    exp.insert("duration", render_duration(x.duration));
  exp.insert("wait_all_ready", x.wait_all_ready);
  root.insert("experiment", std::move(exp));
  toml::array resources;
  for (auto& res : x.resources) {
    toml::table tbl;
    tbl.insert("name", res.name);
    tbl.insert("type", res.type);
    for (auto& kvp : res.attrs)
      put_value(tbl, kvp.first, kvp.second);
    if (!res.connect.empty())
      tbl.insert("connect", names(res.connect));
    if (!res.node.empty())
      tbl.insert("node", res.node);
    if (res.restart.max_restarts > 0) {
      toml::table rp;
      rp.insert("max", static_cast<int64_t>(res.restart.max_restarts));
      rp.insert("backoff", render_duration(res.restart.backoff));
      rp.insert("factor", res.restart.factor);
      tbl.insert("restart", std::move(rp));
    }
    resources.push_back(std::move(tbl));
  }
  if (!resources.empty())
    root.insert("resource", std::move(resources));
  toml::array conditions;
  for (auto& c : x.conditions) {
    toml::table tbl;
    tbl.insert("action", to_string(c.action));
    tbl.insert("resources", names(c.resources));
    tbl.insert("after", names(c.after));
    auto state = to_string(c.state);
    std::transform(state.begin(), state.end(), state.begin(),
                   [](unsigned char ch) { return std::tolower(ch); });
    tbl.insert("state", state);
    if (c.delay.count() > 0)
      tbl.insert("delay", render_duration(c.delay));
    conditions.push_back(std::move(tbl));
  }
  if (!conditions.empty())
    root.insert("condition", std::move(conditions));
  toml::array groups;
  for (auto& g : x.groups) {
    toml::table tbl;
    tbl.insert("resources", names(g.resources));
    tbl.insert("wait_all_ready", g.wait_all_ready);
    groups.push_back(std::move(tbl));
  }
  if (!groups.empty())
    root.insert("group", std::move(groups));
  toml::array nodes;
  for (auto& n : x.nodes) {
    toml::table tbl;
    tbl.insert("name", n.name);
    tbl.insert("address", n.address);
    auto optional = [&](const char* key, const std::string& value) {
      if (!value.empty())
        tbl.insert(key, value);
    };
    optional("secret_file", n.secret_file);
    optional("tls_cert", n.tls_cert);
    optional("tls_key", n.tls_key);
    optional("tls_ca", n.tls_ca);
    nodes.push_back(std::move(tbl));
  }
  if (!nodes.empty())
    root.insert("node", std::move(nodes));
  std::ostringstream out;
  out << root << '\n';
  return out.str();
}

} // namespace troupe
