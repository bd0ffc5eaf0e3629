#include "troupe/runtime/experiment/registry.hpp"

#include <cctype>
#include <cmath>
#include <limits>

#include "troupe/actors/agent_resource.hpp"
#include "troupe/actors/builtin_agents.hpp"
#include "troupe/actors/process_resource.hpp"
#include "troupe/actors/replay_resource.hpp"
#include "troupe/runtime/config.hpp"

namespace troupe {

std::string to_string(attr_kind x) {
  switch (x) {
    case attr_kind::boolean: return "boolean";
    case attr_kind::integer: return "integer";
    case attr_kind::real: return "real";
    case attr_kind::string: return "string";
    case attr_kind::duration: return "duration";
    case attr_kind::string_list: return "list of strings";
  }
  return "unknown";
}

namespace {

std::string article(const std::string& word) {
  auto vowel = !word.empty()
               && std::string{"aeiou"}.find(word[0]) != std::string::npos;
  return (vowel ? "an " : "a ") + word;
}

std::string kind_of(const caf::config_value& x) {
  if (caf::holds_alternative<bool>(x))
    return "boolean";
  if (caf::holds_alternative<int64_t>(x))
    return "integer";
  if (caf::holds_alternative<double>(x))
    return "real";
  if (caf::holds_alternative<std::string>(x))
    return "string";
  if (caf::holds_alternative<caf::timespan>(x))
    return "duration";
  if (caf::holds_alternative<caf::config_value::list>(x))
    return "list";
  if (caf::holds_alternative<caf::config_value::dictionary>(x))
    return "table";
  return x.type_name();
}

caf::error mismatch(const attribute_spec& spec, const caf::config_value& x) {
  return make_error(errc::invalid_config, "attribute '" + spec.name
                                              + "' expects "
                                              + article(to_string(spec.kind))
                                              + ", got " + article(kind_of(x)));
}

bool seconds_to_timespan(double seconds, caf::timespan& out) {
  if (!std::isfinite(seconds) || seconds < 0 || seconds > 9.2e9)
    return false;
  out = caf::timespan{static_cast<int64_t>(std::llround(seconds * 1e9))};
  return true;
}

} // namespace

caf::expected<caf::timespan> parse_duration(const std::string& text) {
  auto bad = [&] {
    return make_error(errc::invalid_config,
                      "'" + text
                          + "' is not a duration (e.g. \"1.5s\", \"250ms\", "
                            "\"2m\")");
  };
  size_t pos = 0;
  while (pos < text.size()
         && (std::isdigit(static_cast<unsigned char>(text[pos]))
             || text[pos] == '.'))
    ++pos;
  if (pos == 0 || pos > 32)
    return bad();
  auto number = text.substr(0, pos);
  if (number.find('.') != number.rfind('.'))
    return bad();
  double value = 0;
  try {
    value = std::stod(number);
  } catch (...) {
    return bad();
  }
  auto unit = text.substr(pos);
  double scale = 0;
  if (unit.empty() || unit == "s")
    scale = 1;
  else if (unit == "ms")
    scale = 1e-3;
  else if (unit == "us")
    scale = 1e-6;
  else if (unit == "ns")
    scale = 1e-9;
  else if (unit == "m" || unit == "min")
    scale = 60;
  else if (unit == "h")
    scale = 3600;
  else
    return bad();
  caf::timespan result{0};
  if (!seconds_to_timespan(value * scale, result))
    return bad();
  return result;
}

std::string render_duration(caf::timespan x) {
  auto ns = x.count();
  if (ns % 1000000000 == 0)
    return std::to_string(ns / 1000000000) + "s";
  if (ns % 1000000 == 0)
    return std::to_string(ns / 1000000) + "ms";
  if (ns % 1000 == 0)
    return std::to_string(ns / 1000) + "us";
  return std::to_string(ns) + "ns";
}

caf::error check_value(const attribute_spec& spec, caf::config_value& value) {
  switch (spec.kind) {
    case attr_kind::boolean:
      if (!caf::holds_alternative<bool>(value))
        return mismatch(spec, value);
      return caf::none;
    case attr_kind::integer:
      if (!caf::holds_alternative<int64_t>(value))
        return mismatch(spec, value);
      return caf::none;
    case attr_kind::real:
      if (auto i = caf::get_if<int64_t>(&value)) {
        value = static_cast<double>(*i);
        return caf::none;
      }
      if (!caf::holds_alternative<double>(value))
        return mismatch(spec, value);
      return caf::none;
    case attr_kind::string:
      if (!caf::holds_alternative<std::string>(value))
        return mismatch(spec, value);
      return caf::none;
    case attr_kind::duration: {
      if (caf::holds_alternative<caf::timespan>(value))
        return caf::none;
      caf::timespan result{0};
      if (auto str = caf::get_if<std::string>(&value)) {
        auto parsed = parse_duration(*str);
        if (!parsed)
          return make_error(errc::invalid_config,
                            "attribute '" + spec.name
                                + "': " + to_text(parsed.error()));
        result = *parsed;
      } else if (auto i = caf::get_if<int64_t>(&value)) {
        if (!seconds_to_timespan(static_cast<double>(*i), result))
          return make_error(errc::invalid_config,
                            "attribute '" + spec.name
                                + "': a duration must be >= 0");
      } else if (auto d = caf::get_if<double>(&value)) {
        if (!seconds_to_timespan(*d, result))
          return make_error(errc::invalid_config,
                            "attribute '" + spec.name
                                + "': a duration must be >= 0");
      } else {
        return mismatch(spec, value);
      }
      value = result;
      return caf::none;
    }
    case attr_kind::string_list: {
      auto lst = caf::get_if<caf::config_value::list>(&value);
      if (lst == nullptr)
        return mismatch(spec, value);
      for (auto& item : *lst)
        if (!caf::holds_alternative<std::string>(item))
          return make_error(errc::invalid_config,
                            "attribute '" + spec.name
                                + "' expects a list of strings, got "
                                + article(kind_of(item)) + " in it");
      return caf::none;
    }
  }
  return mismatch(spec, value);
}

const std::vector<attribute_spec>& common_attributes() {
  static const std::vector<attribute_spec> result{
      {"critical", attr_kind::boolean, caf::config_value{true}, false,
       "a failure aborts the experiment"},
      {"hard_release", attr_kind::boolean, caf::config_value{false}, false,
       "leave the registry once released"},
  };
  return result;
}

// -- registry -----------------------------------------------------------------

registry registry::with_builtins() {
  registry result;
  result.add(agent_resource::type_info());
  result.add(process_resource::type_info());
  result.add(replay_resource::type_info());
  add_builtin_agents(result);
  return result;
}

caf::error registry::add(resource_type_info info) {
  auto i = resources_.find(info.name);
  if (i != resources_.end() && i->second.unavailable.empty())
    return make_error(errc::duplicate_name, "resource type '" + info.name
                                                + "' is already registered");
  if (info.name.empty() || (!info.factory && info.unavailable.empty()))
    return make_error(errc::invalid_argument,
                      "a resource type needs a name and a factory");
  for (auto& spec : info.attributes)
    for (auto& common : common_attributes())
      if (spec.name == common.name)
        return make_error(errc::invalid_config,
                          "resource type '" + info.name
                              + "' redefines the common attribute '" + spec.name
                              + "'");
  auto name = info.name;
  resources_[name] = std::move(info);
  return caf::none;
}

void registry::add_unavailable(std::string name, std::string why) {
  resource_type_info info;
  info.name = name;
  info.unavailable = std::move(why);
  resources_[name] = std::move(info);
}

const resource_type_info*
registry::resource_type(const std::string& name) const {
  auto i = resources_.find(name);
  return i != resources_.end() ? &i->second : nullptr;
}

std::vector<std::string> registry::resource_type_names() const {
  std::vector<std::string> result;
  for (auto& kvp : resources_)
    result.push_back(kvp.first);
  return result;
}

caf::error registry::add(agent_type_info info) {
  if (info.name.empty() || !info.factory)
    return make_error(errc::invalid_argument,
                      "an agent type needs a name and a factory");
  if (agents_.count(info.name) > 0)
    return make_error(errc::duplicate_name,
                      "agent type '" + info.name + "' is already registered");
  auto name = info.name;
  agents_.emplace(std::move(name), std::move(info));
  return caf::none;
}

const agent_type_info* registry::agent_type(const std::string& name) const {
  auto i = agents_.find(name);
  return i != agents_.end() ? &i->second : nullptr;
}

std::vector<std::string> registry::agent_type_names() const {
  std::vector<std::string> result;
  for (auto& kvp : agents_)
    result.push_back(kvp.first);
  return result;
}

namespace {

std::string joined(const std::vector<std::string>& xs) {
  std::string result;
  for (auto& x : xs) {
    if (!result.empty())
      result += ", ";
    result += x;
  }
  return result.empty() ? "none" : result;
}

} // namespace

caf::expected<std::vector<attribute_spec>>
registry::schema(const std::string& type, const attributes& attrs) const {
  auto info = resource_type(type);
  if (info == nullptr)
    return make_error(errc::not_found,
                      "unknown resource type '" + type
                          + "' (known: " + joined(resource_type_names()) + ")");
  if (!info->unavailable.empty())
    return make_error(errc::unsupported, info->unavailable);
  auto result = common_attributes();
  result.insert(result.end(), info->attributes.begin(), info->attributes.end());
  if (type == agent_resource::type_name) {
    auto i = attrs.find("agent");
    auto name
        = i != attrs.end() ? caf::get_if<std::string>(&i->second) : nullptr;
    if (name == nullptr)
      return make_error(errc::invalid_config,
                        "attribute 'agent' (a string naming the agent type) "
                        "is required");
    auto agent = agent_type(*name);
    if (agent == nullptr)
      return make_error(errc::not_found,
                        "unknown agent type '" + *name
                            + "' (known: " + joined(agent_type_names()) + ")");
    result.insert(result.end(), agent->attributes.begin(),
                  agent->attributes.end());
  }
  return result;
}

caf::error registry::complete(const std::string& type,
                              attributes& attrs) const {
  auto specs = schema(type, attrs);
  if (!specs)
    return std::move(specs.error());
  for (auto& kvp : attrs) {
    auto spec = std::find_if(specs->begin(), specs->end(),
                             [&](auto& x) { return x.name == kvp.first; });
    if (spec == specs->end())
      return make_error(errc::invalid_config, "unknown attribute '" + kvp.first
                                                  + "' for type '" + type
                                                  + "'");
    if (auto err = check_value(*spec, kvp.second))
      return err;
  }
  for (auto& spec : *specs) {
    if (attrs.count(spec.name) > 0)
      continue;
    if (spec.required)
      return make_error(errc::invalid_config, "attribute '" + spec.name
                                                  + "' is required for type '"
                                                  + type + "'");
    attrs.emplace(spec.name, spec.default_value);
  }
  return caf::none;
}

void registry::add_config_step(std::function<void(config&)> step) {
  config_steps_.emplace_back(std::move(step));
}

void registry::configure(config& cfg) const {
  for (auto& step : config_steps_)
    step(cfg);
}

} // namespace troupe
