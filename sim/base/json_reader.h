// Typed, path-aware reading of one JSON object. Every problem becomes one line naming the JSON
// pointer, the bad value and what is allowed; reading goes on so that all problems are reported at
// once. As it reads, it builds the "resolved" document: every value in SI units, defaults filled.
#pragma once
#include <cstdint>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace dtsim {

using json = nlohmann::json;

struct ErrorList {
  std::vector<std::string> lines;
  void add(const std::string& path, const std::string& message) {
    lines.push_back((path.empty() ? "/" : path) + ": " + message);
  }
  bool empty() const { return lines.empty(); }
};

class JsonReader {
 public:
  JsonReader(const json& node, std::string path, ErrorList& errors, json& resolved);

  const std::string& path() const { return path_; }
  bool has(const std::string& key) const;
  const json* raw(const std::string& key) const;  // nullptr when absent; marks the key as known
  std::string child_path(const std::string& key) const { return path_ + "/" + key; }
  ErrorList& errors() { return errors_; }
  // Sub-object reader; an absent key reads as an empty object so that defaults apply.
  JsonReader object(const std::string& key);

  std::string string(const std::string& key, std::optional<std::string> fallback,
                     const std::vector<std::string>& allowed = {});
  std::int64_t integer(const std::string& key, std::optional<std::int64_t> fallback, std::int64_t min,
                       std::int64_t max = std::numeric_limits<std::int64_t>::max());
  double number(const std::string& key, std::optional<double> fallback, double min, bool min_exclusive,
                double max = std::numeric_limits<double>::infinity());
  bool boolean(const std::string& key, bool fallback);
  std::vector<std::int64_t> integer_list(const std::string& key, std::int64_t min);

  // Quantities: a unit string or an SI number; must be > 0 unless allow_zero.
  double bandwidth(const std::string& key, std::optional<std::string> fallback);
  double duration(const std::string& key, std::optional<std::string> fallback, bool allow_zero = true);
  double size(const std::string& key, std::optional<std::string> fallback);

  // Keys present in this object, and whether a getter has asked for `key` yet.
  std::vector<std::string> keys() const;
  bool is_known(const std::string& key) const { return known_.count(key) != 0; }
  // The resolved document this reader writes into (defaults filled, SI units).
  json& resolved() { return resolved_; }

  // A value dtsim derives from others (a catalog figure, epochs as iterations), recorded in the resolved
  // scenario so it states what runs. A resolved scenario read back gives it as input: accepted when it
  // agrees with the derivation (numbers equal as doubles; a quantity string is parsed with `parse`),
  // reported as contradicting `what` otherwise, with `hint` appended. The derived value is what runs.
  void derived(const std::string& key, const json& value, const std::string& what, const std::string& hint = "",
               std::optional<double> (*parse)(const std::string&) = nullptr);

  // Reports every key of this object that no getter asked for.
  void reject_unknown_keys();

 private:
  template <typename Parse>
  double quantity(const std::string& key, const std::optional<std::string>& fallback, Parse parse,
                  const char* what, const std::string& allowed, bool allow_zero);
  void missing(const std::string& key);

  const json& node_;
  std::string path_;
  ErrorList& errors_;
  json& resolved_;
  std::set<std::string> known_;
  bool is_object_ = true;
};

// Reads one JSON document (comments allowed) from `file` into `document`, with sim/base/json_input.h's
// checks; returns "" or the problem without the file name ("cannot open the WHAT file (...)", "not
// valid JSON: ...", "the WHAT file is a directory...").
std::string read_json_document(const std::string& file, const std::string& what, json& document);
// The same, appending "FILE: problem" to `errors` and returning nullopt on failure.
std::optional<json> read_json_file(const std::string& file, const std::string& what, std::vector<std::string>& errors);

// "25Gbs" -> "\"25Gbs\"" : how a bad value is quoted in error messages.
std::string quote(const json& value);

}  // namespace dtsim
