#include "sim/app/sweep_values.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <set>

namespace dtsim {
namespace {

using nlohmann::json;

// A range: exactly one of step / factor, checked after the keys are known.
std::vector<json> read_range(const json& node, const std::string& path, ErrorList& errors) {
  std::vector<json> values;
  for (const char* key : {"from", "to"})
    if (!node.contains(key) || !node[key].is_number()) {
      errors.add(path + "/" + key, node.contains(key) ? quote(node[key]) + " is not a number" : "is required");
      return values;
    }
  const bool has_step = node.contains("step"), has_factor = node.contains("factor");
  if (has_step == has_factor) {
    errors.add(path, "a range needs exactly one of \"step\" (arithmetic) or \"factor\" (geometric)");
    return values;
  }
  const char* key = has_step ? "step" : "factor";
  if (!node[key].is_number() || node[key].get<double>() <= (has_step ? 0.0 : 1.0)) {
    errors.add(path + "/" + key, quote(node[key]) + (has_step ? " must be a number > 0" : " must be a number > 1"));
    return values;
  }
  const double from = node["from"].get<double>(), to = node["to"].get<double>(), by = node[key].get<double>();
  if (from > to || (!has_step && from <= 0)) {
    errors.add(path, has_step ? "\"from\" must not exceed \"to\"" : "a geometric range needs 0 < \"from\" <= \"to\"");
    return values;
  }
  const bool integral = node["from"].is_number_integer() && node[key].is_number_integer();
  const double tolerance = 1e-9 * std::max(1.0, std::fabs(to));
  for (double x = from; x <= to + tolerance; x = has_step ? x + by : x * by) {
    if (values.size() >= kMaxSweepPoints) {
      errors.add(path, "makes more than 1000000 values");
      break;
    }
    if (integral) values.push_back(static_cast<std::int64_t>(std::llround(x)));
    else values.push_back(x);
  }
  return values;
}

}  // namespace

std::string escape_pointer_key(const std::string& key) {
  std::string e;
  for (char ch : key) e += ch == '~' ? std::string("~0") : ch == '/' ? std::string("~1") : std::string(1, ch);
  return e;
}

void reject_undeclared_keys(const json& node, const std::string& path, const OptionList& options, ErrorList& errors) {
  std::set<std::string> declared;
  for (const Option& o : options) declared.insert(o.key);
  std::string allowed;
  for (const std::string& key : declared) allowed += (allowed.empty() ? "\"" : ", \"") + key + "\"";
  for (auto it = node.begin(); it != node.end(); ++it)
    if (!declared.count(it.key())) errors.add(path + "/" + escape_pointer_key(it.key()), "unknown key; allowed here: " + allowed);
}

const OptionList& sweep_range_options() {
  constexpr double inf = std::numeric_limits<double>::infinity();
  static const OptionList options = {
      Option::number("from", std::nullopt, -inf, false, inf, "the first value"),
      Option::number("to", std::nullopt, -inf, false, inf, "the last value (included when the steps reach it)"),
      Option::number("step", 0.0, 0, true, inf, "arithmetic range: from, from + step, ... <= to"),
      Option::number("factor", 0.0, 1, true, inf, "geometric range (0 < from): from, from * factor, ... <= to"),
  };
  return options;
}

std::vector<json> read_sweep_values(const json& node, const std::string& path, ErrorList& errors) {
  if (node.is_array()) {
    if (node.empty()) errors.add(path, "is empty; an axis needs at least one value");
    return std::vector<json>(node.begin(), node.end());
  }
  if (!node.is_object()) {
    errors.add(path, quote(node) + " is not a list of values or a range {\"from\", \"to\", \"step\" or \"factor\"}");
    return {};
  }
  reject_undeclared_keys(node, path, sweep_range_options(), errors);
  return read_range(node, path, errors);
}

json sweep_values_schema() {
  json range = options_schema(sweep_range_options());
  for (const char* key : {"step", "factor"}) range["properties"][key].erase("default");  // no default: one is given
  range["oneOf"] = json::array({{{"required", {"step"}}}, {{"required", {"factor"}}}});
  return {{"description", "the axis values: a non-empty list, or a range"},
          {"oneOf", json::array({{{"type", "array"}, {"minItems", 1}}, range})}};
}

}  // namespace dtsim
