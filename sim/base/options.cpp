#include "sim/base/options.h"

#include <cmath>

#include "sim/base/plugin_catalog.h"
#include "sim/base/units.h"

namespace dtsim {

namespace {
// What every builder sets: the type, the key, the default (if any) and the help line.
Option declare(Option::Type type, std::string key, std::optional<json> fallback, std::string help) {
  Option o;
  o.type = type;
  o.key = std::move(key);
  o.fallback = std::move(fallback);
  o.help = std::move(help);
  return o;
}
template <typename T>
std::optional<json> as_json(const std::optional<T>& value) {
  if (!value) return std::nullopt;
  return json(*value);
}
}  // namespace

Option Option::integer(std::string key, std::optional<std::int64_t> fallback, std::int64_t min, std::int64_t max,
                       std::string help) {
  Option o = declare(Type::Integer, std::move(key), as_json(fallback), std::move(help));
  o.integer_min = min;
  o.integer_max = max;
  return o;
}

Option Option::number(std::string key, std::optional<double> fallback, double min, bool min_exclusive, double max,
                      std::string help) {
  Option o = declare(Type::Number, std::move(key), as_json(fallback), std::move(help));
  o.min = min;
  o.min_exclusive = min_exclusive;
  o.max = max;
  return o;
}

Option Option::boolean(std::string key, bool fallback, std::string help) {
  return declare(Type::Boolean, std::move(key), json(fallback), std::move(help));
}

Option Option::choice(std::string key, std::optional<std::string> fallback, std::vector<std::string> choices,
                      std::string help) {
  Option o = declare(Type::Choice, std::move(key), as_json(fallback), std::move(help));
  o.choices = std::move(choices);
  return o;
}

Option Option::choice_from(std::string key, std::optional<std::string> fallback,
                           std::function<std::vector<std::string>()> choices, std::string help) {
  Option o = choice(std::move(key), std::move(fallback), {}, std::move(help));
  o.choices_from = std::move(choices);
  return o;
}

Option Option::member(std::string key, std::string family, std::optional<std::string> fallback, std::string help) {
  return choice_from(std::move(key), std::move(fallback), [family] { return plugin_family(family).names(); },
                     std::move(help));
}

Option Option::text(std::string key, std::optional<std::string> fallback, std::string help) {
  return declare(Type::Text, std::move(key), as_json(fallback), std::move(help));
}

Option Option::bandwidth(std::string key, std::optional<std::string> fallback, std::string help) {
  return declare(Type::Bandwidth, std::move(key), as_json(fallback), std::move(help));
}
Option Option::duration(std::string key, std::optional<std::string> fallback, std::string help) {
  return declare(Type::Duration, std::move(key), as_json(fallback), std::move(help));
}
Option Option::size(std::string key, std::optional<std::string> fallback, std::string help) {
  return declare(Type::Size, std::move(key), as_json(fallback), std::move(help));
}

Option Option::integer_list(std::string key, std::int64_t min, std::string help) {
  Option o = declare(Type::IntegerList, std::move(key), std::nullopt, std::move(help));
  o.min = static_cast<double>(min);
  return o;
}

Option Option::object(std::string key, std::vector<Option> fields, std::string help) {
  Option o = declare(Type::Object, std::move(key), std::nullopt, std::move(help));
  o.fields = std::move(fields);
  return o;
}

Option Option::object_list(std::string key, std::vector<Option> fields, std::string help) {
  Option o = declare(Type::ObjectList, std::move(key), std::nullopt, std::move(help));
  o.fields = std::move(fields);
  return o;
}

Option Option::plugin(std::string key, std::string family, std::string selector, std::string fallback_name,
                      std::string none, std::string help) {
  std::optional<json> fallback;
  if (!fallback_name.empty()) fallback = json(std::move(fallback_name));
  Option o = declare(Type::Plugin, std::move(key), std::move(fallback), std::move(help));
  o.family = std::move(family);
  o.selector = std::move(selector);
  o.none = std::move(none);
  return o;
}

Option Option::custom(std::string key, std::function<json()> schema,
                      std::function<void(JsonReader&, const OptionContext&)> read, std::string help) {
  Option o = declare(Type::Custom, std::move(key), std::nullopt, std::move(help));
  o.custom_schema = std::move(schema);
  o.read_custom = std::move(read);
  return o;
}

Option& Option::default_from(std::function<json(const OptionContext&)> f, std::string text) {
  fallback_from = std::move(f);
  fallback_text = std::move(text);
  return *this;
}

namespace {

std::optional<json> fallback_of(const Option& o, const OptionContext& context) {
  if (o.fallback_from) return o.fallback_from(context);
  return o.fallback;
}

std::vector<std::string> member_names(const Option& o) {
  std::vector<std::string> names = plugin_family(o.family).names();
  if (!o.none.empty()) names.insert(names.begin(), o.none);
  return names;
}

// Each object of the array at o.key, read with o.fields; o.on_read runs per entry.
void read_object_list(JsonReader& r, const Option& o, const OptionContext& context) {
  const json* raw = r.raw(o.key);
  if (!raw) return;
  if (!raw->is_array()) {
    r.errors().add(r.child_path(o.key), quote(*raw) + " is not an array of objects");
    return;
  }
  json& resolved = r.resolved()[o.key];
  resolved = json::array();
  for (size_t i = 0; i < raw->size(); ++i) {
    const std::string path = r.child_path(o.key) + "/" + std::to_string(i);
    if (!(*raw)[i].is_object()) {
      r.errors().add(path, quote((*raw)[i]) + " is not an object");
      continue;
    }
    json entry = json::object();
    JsonReader e((*raw)[i], path, r.errors(), entry);
    read_options(e, o.fields, context);
    e.reject_unknown_keys();
    for (const auto& f : o.on_read) f(e, entry);
    resolved.push_back(entry);  // the resolved document states every entry
  }
}

void read_option(JsonReader& r, const Option& o, const OptionContext& context) {
  if (o.when_given && !r.has(o.key)) return;
  if (o.type == Option::Type::ObjectList) return read_object_list(r, o, context);
  const std::optional<json> fallback = fallback_of(o, context);
  auto fallback_string = [&]() -> std::optional<std::string> {
    if (!fallback) return std::nullopt;
    return fallback->get<std::string>();
  };
  json value;  // what the reader returned, for on_read
  switch (o.type) {
    case Option::Type::Integer: {
      std::optional<std::int64_t> f;
      if (fallback) f = fallback->get<std::int64_t>();
      value = r.integer(o.key, f, o.integer_min, o.integer_max);
      break;
    }
    case Option::Type::Number: {
      std::optional<double> f;
      if (fallback) f = fallback->get<double>();
      value = r.number(o.key, f, o.min, o.min_exclusive, o.max);
      break;
    }
    case Option::Type::Boolean:
      value = r.boolean(o.key, fallback ? fallback->get<bool>() : false);
      break;
    case Option::Type::Choice:
      value = r.string(o.key, fallback_string(), o.choices_from ? o.choices_from() : o.choices);
      break;
    case Option::Type::Text:
      value = r.string(o.key, fallback_string());
      break;
    case Option::Type::Bandwidth:
      value = r.bandwidth(o.key, fallback_string());
      break;
    case Option::Type::Duration:
      value = r.duration(o.key, fallback_string(), !o.min_exclusive);
      break;
    case Option::Type::Size:
      value = r.size(o.key, fallback_string());
      break;
    case Option::Type::IntegerList:
      if (!r.has(o.key) && fallback) {
        r.raw(o.key);
        r.resolved()[o.key] = *fallback;
        value = *fallback;
      } else {
        value = r.integer_list(o.key, static_cast<std::int64_t>(o.min));
      }
      break;
    case Option::Type::Object: {
      JsonReader sub = r.object(o.key);
      read_options(sub, o.fields, context);
      sub.reject_unknown_keys();
      break;
    }
    case Option::Type::ObjectList:  // read_object_list
      break;
    case Option::Type::Plugin: {
      JsonReader sub = r.object(o.key);
      const std::string member = sub.string(o.selector, fallback_string(), member_names(o));
      read_options(sub, o.fields, context);  // the keys every member has
      const PluginFamily& family = plugin_family(o.family);
      read_member_options(sub, family, family.contains(member) ? member : std::string(), context);
      sub.reject_unknown_keys();
      break;
    }
    case Option::Type::Custom:
      o.read_custom(r, context);
      break;
  }
  for (const auto& f : o.on_read) f(r, value);
}

std::string quoted_list(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) out += (i ? ", \"" : "\"") + names[i] + "\"";
  return out;
}

}  // namespace

void read_options(JsonReader& r, const OptionList& options, const OptionContext& context) {
  for (const Option& o : options) read_option(r, o, context);
}

void read_member_options(JsonReader& r, const PluginFamily& family, const std::string& member,
                         const OptionContext& context) {
  const bool known_member = family.contains(member);
  if (known_member) read_options(r, family.at(member).options, context);
  for (const std::string& key : r.keys()) {
    if (r.is_known(key)) continue;
    const std::vector<std::string> owners = family.owners_of(key);
    if (owners.empty()) continue;  // an unknown key: the caller's reject_unknown_keys reports it
    if (!known_member) {
      // The member's name is already reported as unknown: check the value against the first owner's
      // declaration, so its own problems are reported in the same pass.
      for (const Option& o : family.at(owners[0]).options)
        if (o.key == key) read_option(r, o, context);
      continue;
    }
    r.raw(key);
    r.errors().add(r.child_path(key), "is only meaningful for " + quoted_list(owners) + "; remove it for \"" +
                                          (member.empty() ? std::string("none") : member) + "\"");
  }
}

namespace {

// A quantity: an SI number or a number with a unit (the units sim/base/units.cpp parses).
json quantity_schema(Option::Type type, bool positive) {
  const std::string units = type == Option::Type::Bandwidth  ? units::bandwidth_units_pattern()
                            : type == Option::Type::Duration ? units::duration_units_pattern()
                                                             : units::size_units_pattern();
  json number = {{"type", "number"}, {positive ? "exclusiveMinimum" : "minimum", 0}};
  json text = {{"type", "string"}, {"pattern", std::string("^\\s*[0-9.eE+-]+\\s*(") + units + ")?\\s*$"}};
  return {{"oneOf", json::array({number, text})}};
}

}  // namespace

json option_schema(const Option& o) {
  json s = json::object();
  switch (o.type) {
    case Option::Type::Integer:
      s["type"] = "integer";
      s["minimum"] = o.integer_min;
      if (o.integer_max != std::numeric_limits<std::int64_t>::max()) s["maximum"] = o.integer_max;
      break;
    case Option::Type::Number:
      s["type"] = "number";
      if (std::isfinite(o.min)) s[o.min_exclusive ? "exclusiveMinimum" : "minimum"] = o.min;
      if (std::isfinite(o.max)) s["maximum"] = o.max;
      break;
    case Option::Type::Boolean:
      s["type"] = "boolean";
      break;
    case Option::Type::Choice:
      s["type"] = "string";
      s["enum"] = o.choices_from ? o.choices_from() : o.choices;
      break;
    case Option::Type::Text:
      s["type"] = "string";
      break;
    case Option::Type::Bandwidth:
    case Option::Type::Duration:
    case Option::Type::Size:
      s = quantity_schema(o.type, o.type != Option::Type::Duration || o.min_exclusive);
      break;
    case Option::Type::IntegerList:
      s["type"] = "array";
      s["minItems"] = 1;
      s["items"] = {{"type", "integer"}, {"minimum", static_cast<std::int64_t>(o.min)}};
      break;
    case Option::Type::Object:
      s = options_schema(o.fields);
      break;
    case Option::Type::ObjectList:
      s = {{"type", "array"}, {"items", options_schema(o.fields)}};
      break;
    case Option::Type::Plugin: {
      std::optional<std::string> fallback_name;
      if (o.fallback) fallback_name = o.fallback->get<std::string>();
      OptionList shared = {Option::choice(o.selector, fallback_name, member_names(o), "")};
      shared.insert(shared.end(), o.fields.begin(), o.fields.end());
      s = member_section_schema(plugin_family(o.family), shared, o.selector, fallback_name.value_or(""), o.none);
      break;
    }
    case Option::Type::Custom:
      s = o.custom_schema();
      break;
  }
  std::string description = o.help;
  if (!o.fallback_text.empty()) description += (description.empty() ? "" : " ") + std::string("Default: ") + o.fallback_text + ".";
  if (!description.empty()) s["description"] = description;
  if (o.fallback && o.type != Option::Type::Object && o.type != Option::Type::ObjectList &&
      o.type != Option::Type::Custom) {
    if (o.type == Option::Type::Plugin) s["properties"][o.selector]["default"] = *o.fallback;
    else s["default"] = *o.fallback;
  }
  return s;
}

bool option_required(const Option& o) {
  if (o.when_given || o.type == Option::Type::ObjectList) return false;
  if (o.type == Option::Type::Custom) return o.custom_required;
  if (o.type == Option::Type::Object) {
    for (const Option& field : o.fields)
      if (option_required(field)) return true;
    return false;
  }
  return !(o.fallback || o.fallback_from || o.type == Option::Type::Boolean || o.type == Option::Type::Plugin);
}

json options_schema(const OptionList& options) {
  json s = {{"type", "object"}, {"additionalProperties", false}};
  json properties = json::object();
  json required = json::array();
  for (const Option& o : options) {
    properties[o.key] = option_schema(o);
    if (option_required(o)) required.push_back(o.key);
  }
  s["properties"] = properties;
  if (!required.empty()) s["required"] = required;
  return s;
}

std::vector<std::string> PluginFamily::names() const {
  std::vector<std::string> out;
  for (const auto& entry : members_) out.push_back(entry.first);
  return out;
}

std::vector<std::string> PluginFamily::owners_of(const std::string& key) const {
  std::vector<std::string> out;
  for (const auto& entry : members_)
    for (const Option& o : entry.second.options)
      if (o.key == key) out.push_back(entry.first);
  return out;
}

PluginFamily& plugin_family(const std::string& name) {
  static std::map<std::string, PluginFamily> families;
  return families[name];
}

json member_section_schema(const PluginFamily& family, const OptionList& shared, const std::string& selector,
                           const std::string& default_member, const std::string& none) {
  json s = options_schema(shared);
  json shared_keys = json::array();
  for (const Option& o : shared) shared_keys.push_back(o.key);
  json& properties = s["properties"];
  // Every member's keys, so editors can complete them; a key several members own takes the first
  // declaration without its default (members may differ in defaults; the per-member rule has them).
  for (const auto& entry : family.members())
    for (const Option& o : entry.second.options) {
      if (properties.contains(o.key)) continue;
      json ms = option_schema(o);
      ms.erase("default");
      properties[o.key] = ms;
    }
  std::vector<std::string> values = family.names();
  if (!none.empty()) values.insert(values.begin(), none);
  json rules = json::array();
  for (const std::string& value : values) {
    const OptionList own = family.contains(value) ? family.at(value).options : OptionList{};
    json when = {{"properties", {{selector, {{"const", value}}}}}};
    if (value != default_member) when["required"] = json::array({selector});
    json then = json::object();
    json allowed = shared_keys;
    for (const Option& o : own) allowed.push_back(o.key);
    then["propertyNames"] = {{"enum", allowed}};
    if (!own.empty()) {
      json own_schema = options_schema(own);
      then["properties"] = own_schema["properties"];
      if (own_schema.contains("required")) then["required"] = own_schema["required"];
    }
    rules.push_back({{"if", when}, {"then", then}});
  }
  if (!rules.empty()) s["allOf"] = rules;
  return s;
}

json default_options(const OptionList& options, const OptionContext& context) {
  ErrorList errors;
  json resolved = json::object();
  JsonReader r(json::object(), "", errors, resolved);
  read_options(r, options, context);
  return resolved;
}

}  // namespace dtsim
