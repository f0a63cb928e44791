#include "sim/base/json_reader.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "sim/base/json_input.h"
#include "sim/base/units.h"

namespace dtsim {

std::string read_json_document(const std::string& file, const std::string& what, json& document) {
  if (std::string problem = regular_file_problem(file); !problem.empty())  // before opening: a FIFO would block
    return problem.rfind("cannot", 0) == 0 ? "cannot open the " + what + " file" + problem.substr(problem.find(" ("))
                                           : "the " + what + " file " + problem;
  std::ifstream in(file, std::ios::binary);
  if (!in) return "cannot open the " + what + " file";
  std::ostringstream text;
  text << in.rdbuf();
  ParsedJson parsed = parse_json_text(text.str(), /*allow_comments=*/true);
  if (!parsed.value) return parsed.error;
  document = std::move(*parsed.value);
  return "";
}

std::optional<json> read_json_file(const std::string& file, const std::string& what, std::vector<std::string>& errors) {
  json document;
  if (std::string problem = read_json_document(file, what, document); !problem.empty()) {
    errors.push_back(shown_text(file) + ": " + problem);
    return std::nullopt;
  }
  return document;
}

std::string quote(const json& value) {
  std::string text = value.dump();
  return text.size() > 80 ? text.substr(0, 77) + "..." : text;
}

namespace {
const json& empty_object() {
  static const json object = json::object();
  return object;
}
// An unsigned JSON integer above 2^63-1 (e.g. 2^64-1) would read as a negative int64.
bool fits_no_int64(const json& v) {
  return v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
}
std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", \"" : "\"") + items[i] + "\"";
  return out;
}
}  // namespace

JsonReader::JsonReader(const json& node, std::string path, ErrorList& errors, json& resolved)
    : node_(node.is_null() ? empty_object() : node), path_(std::move(path)), errors_(errors), resolved_(resolved) {
  if (!node_.is_object()) {
    errors_.add(path_, quote(node_) + " is not an object; expected {...}");
    is_object_ = false;
  }
  if (!resolved_.is_object()) resolved_ = json::object();
}

bool JsonReader::has(const std::string& key) const { return is_object_ && node_.contains(key); }

const json* JsonReader::raw(const std::string& key) const {
  const_cast<JsonReader*>(this)->known_.insert(key);
  if (!has(key)) return nullptr;
  return &node_.at(key);
}

void JsonReader::missing(const std::string& key) { errors_.add(child_path(key), "is required"); }

JsonReader JsonReader::object(const std::string& key) {
  const json* value = raw(key);
  return JsonReader(value ? *value : empty_object(), child_path(key), errors_, resolved_[key]);
}

std::string JsonReader::string(const std::string& key, std::optional<std::string> fallback,
                               const std::vector<std::string>& allowed) {
  const json* value = raw(key);
  std::string result;
  if (!value) {
    if (!fallback) { missing(key); return {}; }
    result = *fallback;
  } else if (!value->is_string()) {
    errors_.add(child_path(key), quote(*value) + " is not a string" +
                                     (allowed.empty() ? std::string() : "; allowed: " + join(allowed)));
    return fallback.value_or("");
  } else {
    result = value->get<std::string>();
  }
  if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), result) == allowed.end()) {
    errors_.add(child_path(key), quote(result) + " is not allowed; allowed: " + join(allowed));
  }
  resolved_[key] = result;
  return result;
}

std::int64_t JsonReader::integer(const std::string& key, std::optional<std::int64_t> fallback, std::int64_t min,
                                 std::int64_t max) {
  const json* value = raw(key);
  std::int64_t result = 0;
  if (!value) {
    if (!fallback) { missing(key); return min; }
    result = *fallback;
  } else if (!value->is_number_integer() || fits_no_int64(*value)) {
    errors_.add(child_path(key), quote(*value) + (value->is_number_integer() ? " is out of range" : " is not an integer") +
                                     "; allowed: integers " + std::to_string(min) +
                                     (max == std::numeric_limits<std::int64_t>::max() ? " or more"
                                                                                      : " to " + std::to_string(max)));
    return fallback.value_or(min);
  } else {
    result = value->get<std::int64_t>();
  }
  if (result < min || result > max) {
    errors_.add(child_path(key), std::to_string(result) + " is out of range; allowed: " + std::to_string(min) +
                                     (max == std::numeric_limits<std::int64_t>::max() ? " or more"
                                                                                      : " to " + std::to_string(max)));
    return min;
  }
  resolved_[key] = result;
  return result;
}

double JsonReader::number(const std::string& key, std::optional<double> fallback, double min, bool min_exclusive,
                          double max) {
  const json* value = raw(key);
  double result = 0;
  auto bounds = [&] {
    std::ostringstream s;
    s << (min_exclusive ? "numbers > " : "numbers >= ") << min;
    if (std::isfinite(max)) s << " and <= " << max;
    return s.str();
  };
  if (!value) {
    if (!fallback) { missing(key); return min; }
    result = *fallback;
  } else if (!value->is_number()) {
    errors_.add(child_path(key), quote(*value) + " is not a number; allowed: " + bounds());
    return fallback.value_or(min);
  } else {
    result = value->get<double>();
  }
  if (!std::isfinite(result) || result < min || (min_exclusive && result == min) || result > max) {
    errors_.add(child_path(key), quote(value ? *value : json(result)) + " is out of range; allowed: " + bounds());
    return fallback.value_or(min);
  }
  resolved_[key] = result;
  return result;
}

bool JsonReader::boolean(const std::string& key, bool fallback) {
  const json* value = raw(key);
  bool result = fallback;
  if (value) {
    if (!value->is_boolean()) {
      errors_.add(child_path(key), quote(*value) + " is not a boolean; allowed: true, false");
    } else {
      result = value->get<bool>();
    }
  }
  resolved_[key] = result;
  return result;
}

std::vector<std::int64_t> JsonReader::integer_list(const std::string& key, std::int64_t min) {
  const json* value = raw(key);
  std::vector<std::int64_t> result;
  if (!value) { missing(key); return result; }
  if (!value->is_array() || value->empty()) {
    errors_.add(child_path(key), quote(*value) + " is not a non-empty array of integers >= " + std::to_string(min));
    return result;
  }
  for (size_t i = 0; i < value->size(); ++i) {
    const json& item = (*value)[i];
    if (!item.is_number_integer() || fits_no_int64(item) || item.get<std::int64_t>() < min) {
      errors_.add(child_path(key) + "/" + std::to_string(i),
                  quote(item) + " is not allowed; allowed: integers >= " + std::to_string(min));
      continue;
    }
    result.push_back(item.get<std::int64_t>());
  }
  resolved_[key] = result;
  return result;
}

template <typename Parse>
double JsonReader::quantity(const std::string& key, const std::optional<std::string>& fallback, Parse parse,
                            const char* what, const std::string& allowed, bool allow_zero) {
  const json* value = raw(key);
  std::optional<double> result;
  if (!value) {
    if (!fallback) { missing(key); return 0; }
    result = parse(*fallback);
  } else if (value->is_number()) {
    result = value->get<double>();
  } else if (value->is_string()) {
    result = parse(value->get<std::string>());
  }
  const std::string shown = value ? quote(*value) : quote(*fallback);
  if (!result) {
    errors_.add(child_path(key), shown + " is not " + what + "; allowed: " + allowed);
    return 0;
  }
  if (!std::isfinite(*result) || *result < 0 || (!allow_zero && *result == 0)) {
    errors_.add(child_path(key), shown + " is out of range; allowed: " + (allow_zero ? ">= 0" : "> 0"));
    return 0;
  }
  resolved_[key] = *result;
  return *result;
}

double JsonReader::bandwidth(const std::string& key, std::optional<std::string> fallback) {
  const double b = quantity(key, fallback, units::parse_bandwidth, "a bandwidth", units::bandwidth_units_help(), false);
  // Below 1 B/s a 100 MB gradient alone puts the clock past 10^8 s, where a double resolves no
  // better than 10^-8 s, so latencies and compute times are rounded away (1e-6 B/s turned 53 ms of
  // compute into 62.5 ms); near 1e-300 B/s SimGrid sees transfers that never end.
  if (b > 0 && b < 1) {
    errors_.add(child_path(key), (raw(key) ? quote(*raw(key)) : quote(json(*fallback))) +
                                     " is below 1 B/s; allowed: >= 1 B/s (\"8bps\")");
    return 0;
  }
  return b;
}
double JsonReader::duration(const std::string& key, std::optional<std::string> fallback, bool allow_zero) {
  return quantity(key, fallback, units::parse_duration, "a duration", units::duration_units_help(), allow_zero);
}
double JsonReader::size(const std::string& key, std::optional<std::string> fallback) {
  return quantity(key, fallback, units::parse_size, "a size", units::size_units_help(), false);
}

void JsonReader::derived(const std::string& key, const json& value, const std::string& what, const std::string& hint,
                         std::optional<double> (*parse)(const std::string&)) {
  resolved_[key] = value;
  const json* given = raw(key);
  if (!given) return;
  bool agrees = *given == value;  // nlohmann compares an integer with a float as numbers
  if (value.is_number() && given->is_string() && parse) {
    const std::optional<double> number = parse(given->get<std::string>());
    agrees = number && *number == value.get<double>();
  }
  if (!agrees)
    errors_.add(child_path(key), quote(*given) + " contradicts " + what + " (" + quote(value) +
                                     "); remove it (dtsim derives it)" + (hint.empty() ? "" : " " + hint));
}

std::vector<std::string> JsonReader::keys() const {
  std::vector<std::string> out;
  if (is_object_)
    for (const auto& item : node_.items()) out.push_back(item.key());
  return out;
}

void JsonReader::reject_unknown_keys() {
  if (!is_object_) return;
  std::vector<std::string> known(known_.begin(), known_.end());
  for (const auto& item : node_.items()) {
    if (!known_.count(item.key()))
      errors_.add(child_path(item.key()), "unknown key; allowed here: " + join(known));
  }
}

}  // namespace dtsim
