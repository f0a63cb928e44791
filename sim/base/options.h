// Declared options: the keys a plugin (training algorithm, collective, compressor, fabric, ...) owns,
// each with its type, default, range and one line of help. One declaration serves three jobs, so they
// cannot drift apart: reading the scenario (typed, path-aware errors, defaults filled, units resolved
// to SI), the JSON Schema (`dtsim schema`), and the "only meaningful for X" errors (the catalog knows
// which plugin owns which key).
#pragma once
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "sim/base/json_reader.h"

namespace dtsim {

// What a default may depend on: a few scenario-wide facts read before any plugin section.
struct OptionContext {
  std::uint64_t seed = 0;
  int ranks = 1;
  int gpus_per_node = 1;
  std::string name;  // the scenario's name ("" when not given)
};

struct Option {
  enum class Type { Integer, Number, Boolean, Choice, Text, Bandwidth, Duration, Size, IntegerList, Object, ObjectList, Plugin, Custom };
  Type type = Type::Integer;
  std::string key;
  std::string help;
  std::optional<json> fallback;                              // absent and no fallback_from: required
  std::function<json(const OptionContext&)> fallback_from;   // a default that depends on the scenario
  std::string fallback_text;                                 // how the schema states fallback_from ("the scenario seed")
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool min_exclusive = false;
  std::int64_t integer_min = 0, integer_max = 0;  // Integer: exact bounds (doubles cannot hold every int64)
  std::vector<std::string> choices;   // Choice
  // Choice: the allowed names, asked for when reading (registries fill up during static
  // initialisation, so a list taken at declaration time could miss members).
  std::function<std::vector<std::string>()> choices_from;
  std::vector<Option> fields;         // Object, ObjectList: the keys of the object (of each entry);
                                      // Plugin: keys every member has (read before the member's own)
  // Read only when the owner gives the key: absent, it is neither read nor resolved, and on_read does
  // not run (an optional part whose own keys are required once it is given).
  bool when_given = false;
  bool custom_required = false;       // Custom: the owner must give it (the schema lists it as required)
  std::string family;                 // Plugin: the plugin family whose member this object configures
  std::string selector;               // Plugin: the key naming the member ("kind", "name")
  std::string none;                   // Plugin: a selector value meaning "no plugin" (e.g. "none"), or ""
  // Custom: reads the value itself (JsonReader positioned on the owner) and states its schema.
  std::function<void(JsonReader&, const OptionContext&)> read_custom;
  // Custom: its JSON Schema, built only when a schema is asked for (`dtsim schema`), not per read.
  std::function<json()> custom_schema;
  // Called after the value is read with what the reader returned (its fallback or bound on a bad value),
  // so a section's reader can fill its typed struct and run its checks from the same declaration.
  std::vector<std::function<void(JsonReader&, const json&)>> on_read;

  // Builders, so declarations read as one line each.
  static Option integer(std::string key, std::optional<std::int64_t> fallback, std::int64_t min, std::int64_t max,
                        std::string help);
  static Option number(std::string key, std::optional<double> fallback, double min, bool min_exclusive, double max,
                       std::string help);
  static Option boolean(std::string key, bool fallback, std::string help);
  static Option choice(std::string key, std::optional<std::string> fallback, std::vector<std::string> choices,
                       std::string help);
  // A member of plugin family `family` (e.g. "collective"), by name.
  static Option member(std::string key, std::string family, std::optional<std::string> fallback, std::string help);
  static Option choice_from(std::string key, std::optional<std::string> fallback,
                            std::function<std::vector<std::string>()> choices, std::string help);
  static Option text(std::string key, std::optional<std::string> fallback, std::string help);
  static Option bandwidth(std::string key, std::optional<std::string> fallback, std::string help);
  static Option duration(std::string key, std::optional<std::string> fallback, std::string help);
  static Option size(std::string key, std::optional<std::string> fallback, std::string help);
  static Option integer_list(std::string key, std::int64_t min, std::string help);
  static Option object(std::string key, std::vector<Option> fields, std::string help);
  // An array of objects, each with `fields`; absent means none. on_read runs once per entry, with
  // that entry's reader and its resolved object (so the owner can build one typed item per entry).
  static Option object_list(std::string key, std::vector<Option> fields, std::string help);
  // A nested plugin: {"<selector>": name, ...that plugin's options}; fallback_name "": the selector
  // must be given.
  static Option plugin(std::string key, std::string family, std::string selector, std::string fallback_name,
                       std::string none, std::string help);
  static Option custom(std::string key, std::function<json()> schema,
                       std::function<void(JsonReader&, const OptionContext&)> read, std::string help);
  // See when_given.
  Option& only_when_given() {
    when_given = true;
    return *this;
  }
  // The default comes from the scenario (e.g. the scenario seed), stated in the schema as `text`.
  Option& default_from(std::function<json(const OptionContext&)> f, std::string text);
  // Stores the value read into `target` (int, double, std::string, bool, ...).
  template <typename T>
  Option& bind(T& target) {
    on_read.push_back([&target](JsonReader&, const json& value) { target = value.get<T>(); });
    return *this;
  }
  // Runs `f` after the value is read (and after earlier bind/then), e.g. a cross-field check.
  Option& then(std::function<void(JsonReader&, const json&)> f) {
    on_read.push_back(std::move(f));
    return *this;
  }
};

using OptionList = std::vector<Option>;

// Reads every option of `options` from `r` into r's resolved document (defaults filled, SI units).
// Problems go to r.errors() with their JSON path; reading goes on.
void read_options(JsonReader& r, const OptionList& options, const OptionContext& context);

// The options' defaults for `context` (what reading an empty object gives).
json default_options(const OptionList& options, const OptionContext& context = {});

// JSON Schema of one option's value, and of an object holding `options` (no additionalProperties).
json option_schema(const Option& option);
json options_schema(const OptionList& options);
// Whether an object holding `option` must give it (no default; an Object when one of its fields is).
bool option_required(const Option& option);

// Typed access to a plugin's resolved options (what read_options produced).
class OptionValues {
 public:
  OptionValues() : values_(json::object()) {}
  explicit OptionValues(json values) : values_(std::move(values)) {}
  bool has(const std::string& key) const { return values_.contains(key) && !values_.at(key).is_null(); }
  std::int64_t integer(const std::string& key) const { return values_.at(key).get<std::int64_t>(); }
  double number(const std::string& key) const { return values_.at(key).get<double>(); }
  bool boolean(const std::string& key) const { return values_.at(key).get<bool>(); }
  std::string text(const std::string& key) const { return values_.at(key).get<std::string>(); }
  OptionValues object(const std::string& key) const { return OptionValues(has(key) ? values_.at(key) : json::object()); }
  const json& raw() const { return values_; }

 private:
  json values_;
};

}  // namespace dtsim
