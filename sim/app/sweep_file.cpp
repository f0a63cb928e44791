#include "sim/app/sweep_file.h"

#include <filesystem>
#include <set>

#include "sim/app/sweep_values.h"
#include "sim/base/json_input.h"
#include "sim/scenario/scenario.h"

namespace dtsim {
namespace {

using nlohmann::json;

// "/cluster/nodes" -> "cluster.nodes": the default column name of a pointer.
std::string column_of(const std::string& pointer) {
  std::string c = pointer.size() > 1 ? pointer.substr(1) : pointer;
  for (char& ch : c)
    if (ch == '/') ch = '.';
  return c;
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

json pointer_schema() { return {{"type", "string"}, {"pattern", "^/"}}; }
json non_empty_text_schema() { return {{"type", "string"}, {"minLength", 1}}; }

// The keys of a zip member ({"pointer", "values", "name"}) and of an axis (those, "zip" and "labels").
OptionList zip_member_options() {
  return {Option::custom("pointer", pointer_schema, nullptr, "the JSON pointer into the scenario this column sets"),
          Option::custom("values", sweep_values_schema, nullptr, "the values, one per point of the axis"),
          Option::custom("name", non_empty_text_schema, nullptr,
                         "the table column's name (default: the pointer with / as ., e.g. cluster.nodes)")};
}

OptionList axis_options() {
  OptionList options = zip_member_options();
  options[2].help = "the table column's name; with \"labels\", the label column's name (required then)";
  json member = options_schema(zip_member_options());
  member["required"] = json::array({"pointer", "values"});
  options.push_back(Option::custom(
      "zip", [member] { return json{{"type", "array"}, {"minItems", 1}, {"items", member}}; }, nullptr,
      "pointers that vary together: their lists have the same length and the i-th values make one point"));
  options.push_back(Option::custom(
      "labels", [] { return json{{"type", "array"}, {"minItems", 1}}; }, nullptr,
      "one label per value of the axis, in a table column named by \"name\""));
  return options;
}

json axis_schema() {
  json s = options_schema(axis_options());
  s["description"] = "a grid axis: {\"pointer\", \"values\"} or {\"zip\": [...]}; the last axis varies fastest";
  s["oneOf"] = json::array({{{"required", {"pointer", "values"}}, {"not", {{"required", {"zip"}}}}},
                            {{"required", {"zip"}}, {"not", {{"anyOf", {{{"required", {"pointer"}}}, {{"required", {"values"}}}}}}}}});
  s["dependentRequired"] = {{"labels", {"name"}}};
  return s;
}

// Reads the axes, checking pointers against the base and against each other.
class AxesReader {
 public:
  AxesReader(SweepFile& file, ErrorList& errors) : file_(file), errors_(errors) {}

  void read(const json& axes) {
    for (std::size_t i = 0; i < axes.size(); ++i) read_axis(axes[i], "/axes/" + std::to_string(i));
  }

 private:
  void read_axis(const json& node, const std::string& path) {
    if (!node.is_object()) {
      errors_.add(path, quote(node) + " is not an axis object ({\"pointer\", \"values\"} or {\"zip\": [...]})");
      return;
    }
    reject_undeclared_keys(node, path, axis_options(), errors_);
    const std::size_t errors_before = errors_.lines.size();
    if (node.contains("zip") == (node.contains("pointer") || node.contains("values"))) {
      errors_.add(path, "an axis has either \"pointer\" and \"values\", or \"zip\" (a list of {\"pointer\", \"values\"})");
      return;
    }
    SweepAxis axis;
    if (node.contains("labels")) read_labels(node, path, axis);
    if (node.contains("zip")) {
      if (!read_zip(node["zip"], path + "/zip", axis)) return;
    } else {
      read_column(node, path, axis, true);
    }
    if (errors_.lines.size() != errors_before) return;
    axis.size = axis.columns.front().values.size();
    for (const AxisColumn& c : axis.columns)
      if (c.values.size() != axis.size)
        errors_.add(c.values_path, "has " + std::to_string(c.values.size()) + " values but " +
                                       axis.columns.front().values_path + " has " + std::to_string(axis.size) +
                                       "; zipped lists must have the same length");
    file_.axes.push_back(std::move(axis));
  }

  // An optional label column, first (it needs "name").
  void read_labels(const json& node, const std::string& path, SweepAxis& axis) {
    if (!node.contains("name") || !node["name"].is_string() || node["name"].get<std::string>().empty()) {
      errors_.add(path + "/name", "is required with \"labels\" (it names the label column)");
    } else if (!node["labels"].is_array() || node["labels"].empty()) {
      errors_.add(path + "/labels", quote(node["labels"]) + " is not a non-empty list");
    } else {
      AxisColumn labels;
      labels.name = node["name"];
      labels.values = node["labels"].get<std::vector<json>>();
      labels.values_path = path + "/labels";
      add_column(axis, std::move(labels), path + "/name");
    }
  }

  bool read_zip(const json& zip, const std::string& path, SweepAxis& axis) {
    if (!zip.is_array() || zip.empty()) {
      errors_.add(path, quote(zip) + " is not a non-empty list of {\"pointer\", \"values\"}");
      return false;
    }
    for (std::size_t z = 0; z < zip.size(); ++z) {
      const std::string member_path = path + "/" + std::to_string(z);
      if (!zip[z].is_object()) {
        errors_.add(member_path, quote(zip[z]) + " is not a {\"pointer\", \"values\"} object");
        continue;
      }
      reject_undeclared_keys(zip[z], member_path, zip_member_options(), errors_);
      read_column(zip[z], member_path, axis, false);
    }
    return true;
  }

  // A {"pointer", "values"} column (with an optional "name", which with "labels" names the label column).
  void read_column(const json& node, const std::string& path, SweepAxis& axis, bool allow_labels_name) {
    AxisColumn column;
    if (!node.contains("pointer")) return errors_.add(path + "/pointer", "is required");
    if (std::string e = check_pointer(node["pointer"], file_.plan.base); !e.empty())
      return errors_.add(path + "/pointer", e);
    column.pointer = node["pointer"];
    if (auto s = swept_.find(column.pointer); s != swept_.end())
      errors_.add(path + "/pointer", "\"" + column.pointer + "\" is already swept by " + s->second);
    else if (file_.fixed_source.count(column.pointer))
      errors_.add(path + "/pointer", "\"" + column.pointer + "\" is also fixed by " + file_.fixed_source[column.pointer]);
    swept_[column.pointer] = path;
    if (!node.contains("values")) return errors_.add(path + "/values", "is required: a list of values or a range");
    column.values = read_sweep_values(node["values"], path + "/values", errors_);
    column.values_path = path + "/values";
    column.name = column_of(column.pointer);
    if (node.contains("name") && !(allow_labels_name && node.contains("labels"))) {
      if (node["name"].is_string() && !node["name"].get<std::string>().empty()) column.name = node["name"];
      else errors_.add(path + "/name", quote(node["name"]) + " is not a non-empty string");
    }
    if (axis.size == 0) axis.size = column.values.size();
    add_column(axis, std::move(column), path + "/pointer");
  }

  void add_column(SweepAxis& axis, AxisColumn column, const std::string& path) {
    if (!column_names_.insert(column.name).second)
      errors_.add(path, "column name \"" + column.name + "\" is used twice; give the axis a distinct \"name\"");
    axis.columns.push_back(std::move(column));
  }

  SweepFile& file_;
  ErrorList& errors_;
  std::map<std::string, std::string> swept_;  // pointer -> path of the axis that sweeps it
  std::set<std::string> column_names_;
};

void read_base(JsonReader& r, SweepFile& file, const std::string& base_dir) {
  const json* base = r.raw("base");
  SweepPlan& plan = file.plan;
  if (!base) {
    r.errors().add("/base", "is required: a scenario file (relative to the sweep file) or a scenario object");
  } else if (base->is_object()) {
    plan.base = *base;
  } else if (base->is_string()) {
    std::filesystem::path path = base->get<std::string>();
    if (path.is_relative() && !base_dir.empty()) path = std::filesystem::path(base_dir) / path;
    if (std::string problem = read_json_document(path.string(), "scenario", plan.base); !problem.empty())
      r.errors().add("/base", quote(*base) + ": " + problem + "; path: " + path.string());
    else if (!plan.base.is_object())
      r.errors().add("/base", path.string() + " is not a JSON object");
  } else {
    r.errors().add("/base", quote(*base) + " is not a scenario file name or a scenario object");
  }
  if (!plan.base.is_object()) plan.base = json::object();
}

void read_set(JsonReader& r, SweepFile& file) {
  const json* set = r.raw("set");
  if (!set) return;
  if (!set->is_object()) return r.errors().add("/set", quote(*set) + " is not an object of \"/json/pointer\": value");
  for (auto it = set->begin(); it != set->end(); ++it) {
    const std::string path = "/set/" + escape_pointer_key(it.key());
    if (std::string e = check_pointer(it.key(), file.plan.base); !e.empty()) {
      r.errors().add(path, e);
    } else {
      file.fixed[it.key()] = it.value();
      file.fixed_source[it.key()] = path;
    }
  }
}

// --set items, after the file's "set".
void read_extra_sets(const std::vector<std::string>& extra_sets, SweepFile& file, std::vector<std::string>& errors) {
  for (const std::string& item : extra_sets) {
    const std::string path = "--set " + shown_text(item);
    std::string pointer;
    json value;
    std::string e = parse_override(item, pointer, value);
    if (e.empty()) e = check_pointer(pointer, file.plan.base);
    if (!e.empty()) {
      errors.push_back(path + ": " + e);
      continue;
    }
    file.fixed[pointer] = value;
    file.fixed_source[pointer] = path;
  }
}

// A text that, when given, must not be empty.
Option non_empty_text(const std::string& key, std::string help, std::string& target) {
  return Option::text(key, "", std::move(help)).bind(target).then([key](JsonReader& r, const json&) {
    const json* given = r.raw(key);  // a non-string is already reported by the reader
    if (given && given->is_string() && given->get<std::string>().empty())
      r.errors().add(r.child_path(key), "\"\" is not a non-empty string");
  });
}

}  // namespace

OptionList sweep_file_options(SweepFile& file, const std::string& base_dir) {
  SweepPlan& plan = file.plan;
  auto nothing = [](JsonReader&, const OptionContext&) {};
  return {
      non_empty_text("name", "names the sweep (default: the sweep file's name without .json)", plan.name),
      Option::custom("description", [] { return json::object(); },
                     [&file](JsonReader& r, const OptionContext&) {
                       if (const json* d = r.raw("description")) file.description = *d;
                     },
                     "what the sweep shows (copied into sweep.json)"),
      Option::custom("base", [] { return json{{"oneOf", {non_empty_text_schema(), {{"type", "object"}}}}}; },
                     [&file, base_dir](JsonReader& r, const OptionContext&) { read_base(r, file, base_dir); },
                     "the base scenario: a file (relative to the sweep file) or a scenario object"),
      Option::custom("set", [] { return json{{"type", "object"}, {"propertyNames", pointer_schema()}}; },
                     [&file](JsonReader& r, const OptionContext&) { read_set(r, file); },
                     "overrides applied to every point: {\"/json/pointer\": value}"),
      Option::custom("axes", [] { return json{{"type", "array"}, {"items", axis_schema()}}; }, nothing,
                     "the grid axes; the points are their product, the last axis varying fastest"),
      Option::boolean("point_outputs", true, "each point writes summary.json, iterations.csv (and trace.json) "
                                             "into points/<id>/; false: only the table rows")
          .bind(plan.point_outputs),
      non_empty_text("output_dir", "where results.jsonl and results.csv go (default: out/<name>)", plan.output_dir),
  };
}

void read_sweep_file(const json& document, const std::string& base_dir, const std::vector<std::string>& extra_sets,
                     SweepFile& file, ErrorList& errors, std::vector<std::string>& set_errors) {
  json resolved;
  JsonReader r(document, "", errors, resolved);
  read_options(r, sweep_file_options(file, base_dir), OptionContext{});
  if (file.plan.name.empty()) file.plan.name = "sweep";
  if (file.plan.output_dir.empty()) file.plan.output_dir = "out/" + file.plan.name;
  read_extra_sets(extra_sets, file, set_errors);
  if (const json* axes = r.raw("axes")) {
    if (!axes->is_array()) errors.add("/axes", quote(*axes) + " is not a list of axes");
    else AxesReader(file, errors).read(*axes);
  }
  r.reject_unknown_keys();
}

json sweep_schema() {
  SweepFile unused;  // the declarations bind to a sweep file; nothing is read here
  json body = options_schema(sweep_file_options(unused, ""));
  for (const char* key : {"name", "output_dir"}) {
    body["properties"][key]["minLength"] = 1;  // the reader rejects "" (a check, not a type)
    body["properties"][key].erase("default");  // the defaults depend on the file's name
  }
  body["required"] = json::array({"base"});
  json s = {{"$schema", "https://json-schema.org/draft/2020-12/schema"},
            {"$id", "https://dtsim.invalid/sweep.schema.json"},
            {"title", "dtsim sweep"},
            {"description",
             "A base scenario plus axes over JSON pointers into it; `dtsim sweep` runs every point of the grid. "
             "Generated by `dtsim schema --sweep` from the declarations dtsim reads sweep files with; dtsim "
             "itself also checks the pointers against the base and every point as a scenario."}};
  for (const auto& item : body.items()) s[item.key()] = item.value();
  return s;
}

}  // namespace dtsim
