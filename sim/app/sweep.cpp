// Sweep files: parsing, expansion into points, point ids, shards.
#include "sim/app/sweep.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "sim/base/json_input.h"
#include "sim/base/json_reader.h"
#include "sim/engine/load_scenario.h"

namespace dtsim {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxPoints = 1000000;
constexpr std::size_t kMaxErrorLines = 40;

// "/cluster/nodes" -> "cluster.nodes": the default column name of a pointer.
std::string column_of(const std::string& pointer) {
  std::string c = pointer.size() > 1 ? pointer.substr(1) : pointer;
  for (char& ch : c)
    if (ch == '/') ch = '.';
  return c;
}

// A key of "set" as it appears in a JSON path ("/" -> "~1", "~" -> "~0").
std::string escape_key(const std::string& key) {
  std::string e;
  for (char ch : key) e += ch == '~' ? std::string("~0") : ch == '/' ? std::string("~1") : std::string(1, ch);
  return e;
}

// Checks a pointer's syntax and that it can be set on `base`; returns an error message or "".
std::string check_pointer(const json& pointer_value, const json& base) {
  if (!pointer_value.is_string()) return quote(pointer_value) + " is not a JSON pointer; use e.g. \"/cluster/nodes\"";
  const std::string p = pointer_value.get<std::string>();
  if (p.empty() || p[0] != '/') return quote(pointer_value) + " is not a JSON pointer (it must start with /); use e.g. \"/cluster/nodes\"";
  // Checked without setting it: a huge array index would make nlohmann resize the array to it.
  if (std::string e = settable_pointer_problem(base, p); !e.empty())
    return quote(pointer_value) + " cannot be set on the base scenario: " + e;
  try {
    json probe = base;
    probe[json::json_pointer(p)] = nullptr;
  } catch (const json::exception& e) {
    return quote(pointer_value) + " cannot be set on the base scenario (" + e.what() + ")";
  }
  return "";
}

// The values of an axis: a non-empty array, or a range {"from", "to", "step"} / {"from", "to", "factor"}.
std::vector<json> read_values(const json& node, const std::string& path, ErrorList& errors) {
  std::vector<json> values;
  if (node.is_array()) {
    if (node.empty()) errors.add(path, "is empty; an axis needs at least one value");
    for (const json& v : node) values.push_back(v);
    return values;
  }
  if (!node.is_object()) {
    errors.add(path, quote(node) + " is not a list of values or a range {\"from\", \"to\", \"step\" or \"factor\"}");
    return values;
  }
  for (auto it = node.begin(); it != node.end(); ++it)
    if (it.key() != "from" && it.key() != "to" && it.key() != "step" && it.key() != "factor")
      errors.add(path + "/" + escape_key(it.key()), "unknown key; allowed here: \"factor\", \"from\", \"step\", \"to\"");
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
    if (values.size() >= kMaxPoints) {
      errors.add(path, "makes more than 1000000 values");
      break;
    }
    if (integral) values.push_back(static_cast<std::int64_t>(std::llround(x)));
    else values.push_back(x);
  }
  return values;
}

struct AxisColumn {
  std::string name;
  std::string pointer;  // "" for a label column
  std::vector<json> values;
  std::string values_path;  // sweep path of the values (per value: values_path + "/" + j)
};

struct Axis {
  std::size_t size = 0;
  std::vector<AxisColumn> columns;
};

}  // namespace

std::string sweep_point_id(const json& overrides) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a 64 over the canonical (sorted, compact) JSON
  for (unsigned char c : overrides.dump()) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(h));
  return text;
}

json point_document(const SweepPlan& plan, const SweepPoint& point) {
  json doc = plan.base;
  for (auto it = point.overrides.begin(); it != point.overrides.end(); ++it)
    doc[json::json_pointer(it.key())] = it.value();
  return doc;
}

std::vector<const SweepPoint*> shard_points(const SweepPlan& plan, int k, int n) {
  std::vector<const SweepPoint*> out;
  for (const SweepPoint& p : plan.points)
    if (n <= 1 || static_cast<int>(p.index % static_cast<std::size_t>(n)) == k - 1) out.push_back(&p);
  return out;
}

SweepPlanResult expand_sweep(const json& document, const std::string& base_dir, const std::vector<std::string>& extra_sets) {
  SweepPlanResult result;
  SweepPlan& plan = result.plan;
  ErrorList errors;
  if (!document.is_object()) {
    result.errors.push_back("/: a sweep is a JSON object with \"base\" and \"axes\"");
    return result;
  }
  static const std::set<std::string> kKeys = {"name", "description", "base", "set", "axes", "point_outputs", "output_dir"};
  for (auto it = document.begin(); it != document.end(); ++it)
    if (!kKeys.count(it.key()))
      errors.add("/" + escape_key(it.key()),
                 "unknown key; allowed here: \"axes\", \"base\", \"description\", \"name\", \"output_dir\", \"point_outputs\", \"set\"");

  plan.name = "sweep";
  if (document.contains("name")) {
    if (document["name"].is_string() && !document["name"].get<std::string>().empty()) plan.name = document["name"];
    else errors.add("/name", quote(document["name"]) + " is not a non-empty string");
  }
  if (document.contains("point_outputs")) {
    if (document["point_outputs"].is_boolean()) plan.point_outputs = document["point_outputs"];
    else errors.add("/point_outputs", quote(document["point_outputs"]) + " is not true or false");
  }
  if (document.contains("output_dir")) {
    if (document["output_dir"].is_string() && !document["output_dir"].get<std::string>().empty())
      plan.output_dir = document["output_dir"];
    else errors.add("/output_dir", quote(document["output_dir"]) + " is not a non-empty string");
  }
  if (plan.output_dir.empty()) plan.output_dir = "out/" + plan.name;

  // The base scenario.
  if (!document.contains("base")) {
    errors.add("/base", "is required: a scenario file (relative to the sweep file) or a scenario object");
  } else if (document["base"].is_object()) {
    plan.base = document["base"];
  } else if (document["base"].is_string()) {
    std::filesystem::path file = document["base"].get<std::string>();
    if (file.is_relative() && !base_dir.empty()) file = std::filesystem::path(base_dir) / file;
    if (std::string problem = read_json_document(file.string(), "scenario", plan.base); !problem.empty())
      errors.add("/base", quote(document["base"]) + ": " + problem + "; path: " + file.string());
    else if (!plan.base.is_object())
      errors.add("/base", file.string() + " is not a JSON object");
  } else {
    errors.add("/base", quote(document["base"]) + " is not a scenario file name or a scenario object");
  }
  if (!plan.base.is_object()) plan.base = json::object();

  // Fixed overrides: "set", then --set.
  json fixed = json::object();
  std::map<std::string, std::string> fixed_source;  // pointer -> sweep path
  if (document.contains("set")) {
    if (!document["set"].is_object()) {
      errors.add("/set", quote(document["set"]) + " is not an object of \"/json/pointer\": value");
    } else {
      for (auto it = document["set"].begin(); it != document["set"].end(); ++it) {
        const std::string path = "/set/" + escape_key(it.key());
        if (std::string e = check_pointer(it.key(), plan.base); !e.empty()) errors.add(path, e);
        else {
          fixed[it.key()] = it.value();
          fixed_source[it.key()] = path;
        }
      }
    }
  }
  for (const std::string& item : extra_sets) {
    const std::string path = "--set " + shown_text(item);
    std::string pointer;
    json value;
    if (std::string e = parse_override(item, pointer, value); !e.empty()) {
      result.errors.push_back(path + ": " + e);
      continue;
    }
    if (std::string e = check_pointer(pointer, plan.base); !e.empty()) {
      result.errors.push_back(path + ": " + e);
      continue;
    }
    fixed[pointer] = value;
    fixed_source[pointer] = path;
  }

  // Axes.
  std::vector<Axis> axes;
  std::map<std::string, std::string> swept;  // pointer -> path of the axis that sweeps it
  std::set<std::string> column_names;
  auto add_column = [&](Axis& axis, AxisColumn column, const std::string& path) {
    if (!column_names.insert(column.name).second)
      errors.add(path, "column name \"" + column.name + "\" is used twice; give the axis a distinct \"name\"");
    axis.columns.push_back(std::move(column));
  };
  auto read_pointer_values = [&](const json& node, const std::string& path, Axis& axis, bool allow_labels_name) {
    // node has "pointer" and "values" (and, for a plain axis, optional "name" and "labels").
    AxisColumn column;
    if (!node.contains("pointer")) {
      errors.add(path + "/pointer", "is required");
      return;
    }
    if (std::string e = check_pointer(node["pointer"], plan.base); !e.empty()) {
      errors.add(path + "/pointer", e);
      return;
    }
    column.pointer = node["pointer"];
    if (auto s = swept.find(column.pointer); s != swept.end())
      errors.add(path + "/pointer", "\"" + column.pointer + "\" is already swept by " + s->second);
    else if (fixed_source.count(column.pointer))
      errors.add(path + "/pointer", "\"" + column.pointer + "\" is also fixed by " + fixed_source[column.pointer]);
    swept[column.pointer] = path;
    if (!node.contains("values")) {
      errors.add(path + "/values", "is required: a list of values or a range");
      return;
    }
    column.values = read_values(node["values"], path + "/values", errors);
    column.values_path = path + "/values";
    column.name = column_of(column.pointer);
    if (node.contains("name") && !(allow_labels_name && node.contains("labels"))) {
      if (node["name"].is_string() && !node["name"].get<std::string>().empty()) column.name = node["name"];
      else errors.add(path + "/name", quote(node["name"]) + " is not a non-empty string");
    }
    if (axis.size == 0) axis.size = column.values.size();
    add_column(axis, std::move(column), path + "/pointer");
  };

  if (document.contains("axes") && !document["axes"].is_array()) {
    errors.add("/axes", quote(document["axes"]) + " is not a list of axes");
  } else if (document.contains("axes")) {
    for (std::size_t i = 0; i < document["axes"].size(); ++i) {
      const json& node = document["axes"][i];
      const std::string path = "/axes/" + std::to_string(i);
      if (!node.is_object()) {
        errors.add(path, quote(node) + " is not an axis object ({\"pointer\", \"values\"} or {\"zip\": [...]})");
        continue;
      }
      for (auto it = node.begin(); it != node.end(); ++it)
        if (it.key() != "pointer" && it.key() != "values" && it.key() != "zip" && it.key() != "name" && it.key() != "labels")
          errors.add(path + "/" + escape_key(it.key()), "unknown key; allowed here: \"labels\", \"name\", \"pointer\", \"values\", \"zip\"");
      Axis axis;
      const std::size_t errors_before = errors.lines.size();
      if (node.contains("zip") == (node.contains("pointer") || node.contains("values"))) {
        errors.add(path, "an axis has either \"pointer\" and \"values\", or \"zip\" (a list of {\"pointer\", \"values\"})");
        continue;
      }
      // An optional label column first (required "name").
      if (node.contains("labels")) {
        if (!node.contains("name") || !node["name"].is_string() || node["name"].get<std::string>().empty()) {
          errors.add(path + "/name", "is required with \"labels\" (it names the label column)");
        } else if (!node["labels"].is_array() || node["labels"].empty()) {
          errors.add(path + "/labels", quote(node["labels"]) + " is not a non-empty list");
        } else {
          AxisColumn labels;
          labels.name = node["name"];
          labels.values = node["labels"].get<std::vector<json>>();
          labels.values_path = path + "/labels";
          add_column(axis, std::move(labels), path + "/name");
        }
      }
      if (node.contains("zip")) {
        if (!node["zip"].is_array() || node["zip"].empty()) {
          errors.add(path + "/zip", quote(node["zip"]) + " is not a non-empty list of {\"pointer\", \"values\"}");
          continue;
        }
        for (std::size_t z = 0; z < node["zip"].size(); ++z) {
          const json& member = node["zip"][z];
          const std::string member_path = path + "/zip/" + std::to_string(z);
          if (!member.is_object()) {
            errors.add(member_path, quote(member) + " is not a {\"pointer\", \"values\"} object");
            continue;
          }
          for (auto it = member.begin(); it != member.end(); ++it)
            if (it.key() != "pointer" && it.key() != "values" && it.key() != "name")
              errors.add(member_path + "/" + escape_key(it.key()), "unknown key; allowed here: \"name\", \"pointer\", \"values\"");
          read_pointer_values(member, member_path, axis, false);
        }
      } else {
        read_pointer_values(node, path, axis, true);
      }
      if (errors.lines.size() != errors_before) continue;
      axis.size = axis.columns.front().values.size();
      for (const AxisColumn& c : axis.columns)
        if (c.values.size() != axis.size)
          errors.add(c.values_path, "has " + std::to_string(c.values.size()) + " values but " +
                                        axis.columns.front().values_path + " has " + std::to_string(axis.size) +
                                        "; zipped lists must have the same length");
      axes.push_back(std::move(axis));
    }
  }
  std::size_t total = 1;
  for (const Axis& a : axes) {
    if (a.size == 0 || total > kMaxPoints / a.size) {
      if (a.size != 0) errors.add("/axes", "makes more than 1000000 points");
      total = 0;
      break;
    }
    total *= a.size;
  }
  for (const std::string& e : errors.lines) result.errors.push_back(e);
  if (!result.errors.empty()) return result;

  for (const Axis& a : axes)
    for (const AxisColumn& c : a.columns) plan.columns.push_back(c.name);

  // The grid product, last axis fastest.
  std::map<std::string, std::size_t> seen_ids;
  std::vector<std::string> point_errors;
  std::set<std::string> unique_errors;
  std::size_t suppressed = 0;
  auto add_point_error = [&](const std::string& line) {
    if (!unique_errors.insert(line).second) return;
    if (point_errors.size() < kMaxErrorLines) point_errors.push_back(line);
    else ++suppressed;
  };
  plan.points.reserve(total);
  for (std::size_t index = 0; index < total; ++index) {
    SweepPoint point;
    point.index = index;
    point.overrides = fixed;
    std::size_t rest = index;
    std::vector<std::size_t> digit(axes.size());
    for (std::size_t a = axes.size(); a-- > 0;) {
      digit[a] = rest % axes[a].size;
      rest /= axes[a].size;
    }
    for (std::size_t a = 0; a < axes.size(); ++a)
      for (const AxisColumn& c : axes[a].columns) {
        const json& v = c.values[digit[a]];
        point.params.emplace_back(c.name, v);
        const std::string source = c.values_path + "/" + std::to_string(digit[a]);
        if (!c.pointer.empty()) {
          point.overrides[c.pointer] = v;
          point.sources.emplace_back(c.pointer, source);
        }
      }
    point.id = sweep_point_id(point.overrides);
    if (auto [it, fresh] = seen_ids.emplace(point.id, index); !fresh) {
      std::string where;
      for (const auto& [pointer, source] : point.sources) where += (where.empty() ? "" : ", ") + source;
      add_point_error("/axes: points " + std::to_string(it->second) + " and " + std::to_string(index) +
                      " are the same scenario (" + point.overrides.dump() + "); remove the repeated value" +
                      (where.empty() ? "" : " among " + where));
      continue;
    }
    // Validate the point's scenario; attribute each error to what produced the offending field.
    ScenarioResult parsed = parse_scenario(point_document(plan, point));
    for (const std::string& line : parsed.errors) {
      const std::string field = line.substr(0, line.find(": "));
      std::string source = "/base";
      std::size_t best = 0;
      auto consider = [&](const std::string& pointer, const std::string& from) {
        const bool prefix = field == pointer || (field.size() > pointer.size() && field.compare(0, pointer.size(), pointer) == 0 &&
                                                 field[pointer.size()] == '/');
        if (prefix && pointer.size() > best) {
          best = pointer.size();
          source = from;
        }
      };
      for (const auto& [pointer, from] : fixed_source) consider(pointer, from);
      for (const auto& [pointer, from] : point.sources) consider(pointer, from);
      add_point_error(source + ": " + line);
    }
    plan.points.push_back(std::move(point));
  }
  if (suppressed) point_errors.push_back("... and " + std::to_string(suppressed) + " more problems");
  result.errors = point_errors;

  // The sweep as understood.
  json axes_json = json::array();
  for (const Axis& a : axes) {
    json columns = json::array();
    for (const AxisColumn& c : a.columns)
      columns.push_back({{"column", c.name}, {"pointer", c.pointer.empty() ? json(nullptr) : json(c.pointer)}, {"values", c.values}});
    axes_json.push_back(columns);
  }
  plan.definition = {{"name", plan.name},           {"base", plan.base},     {"set", fixed},
                     {"axes", axes_json},           {"columns", plan.columns}, {"points", plan.points.size()},
                     {"point_outputs", plan.point_outputs}, {"output_dir", plan.output_dir}};
  if (document.contains("description")) plan.definition["description"] = document["description"];
  return result;
}

SweepPlanResult load_sweep(const std::string& file, const std::vector<std::string>& extra_sets) {
  SweepPlanResult result;
  std::optional<json> read = read_json_file(file, "sweep", result.errors);
  if (!read) return result;
  json& document = *read;
  if (document.is_object() && !document.contains("name"))
    document["name"] = shown_text(std::filesystem::path(file).stem().string());  // JSON strings are UTF-8
  return expand_sweep(document, std::filesystem::path(file).parent_path().string(), extra_sets);
}

}  // namespace dtsim
