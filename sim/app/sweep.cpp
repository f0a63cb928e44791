// Sweep files: expansion into points (the grid product), point ids, shards. Reading the file's keys is
// sweep_file.cpp's job.
#include "sim/app/sweep.h"

#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <stdexcept>

#include "sim/app/sweep_file.h"
#include "sim/app/sweep_values.h"
#include "sim/base/json_input.h"
#include "sim/engine/load_scenario.h"

namespace dtsim {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxErrorLines = 40;

// The number of grid points, or 0 with an error when an axis is empty or there are too many.
std::size_t grid_size(const std::vector<SweepAxis>& axes, ErrorList& errors) {
  std::size_t total = 1;
  for (const SweepAxis& a : axes) {
    if (a.size == 0 || total > kMaxSweepPoints / a.size) {
      if (a.size != 0) errors.add("/axes", "makes more than 1000000 points");
      return 0;
    }
    total *= a.size;
  }
  return total;
}

// Point `index` of the grid (the last axis fastest): its overrides, parameters, sources and id.
SweepPoint grid_point(const SweepFile& file, std::size_t index) {
  SweepPoint point;
  point.index = index;
  point.overrides = file.fixed;
  std::size_t rest = index;
  std::vector<std::size_t> digit(file.axes.size());
  for (std::size_t a = file.axes.size(); a-- > 0;) {
    digit[a] = rest % file.axes[a].size;
    rest /= file.axes[a].size;
  }
  for (std::size_t a = 0; a < file.axes.size(); ++a)
    for (const AxisColumn& c : file.axes[a].columns) {
      const json& v = c.values[digit[a]];
      point.params.emplace_back(c.name, v);
      if (c.pointer.empty()) continue;
      point.overrides[c.pointer] = v;
      point.sources.emplace_back(c.pointer, c.values_path + "/" + std::to_string(digit[a]));
    }
  point.id = sweep_point_id(point.overrides);
  return point;
}

// Where a scenario error at JSON path `field` comes from: the "set" entry or axis value whose pointer is
// the longest prefix of `field`, else the base scenario.
std::string source_of(const std::string& field, const SweepFile& file, const SweepPoint& point) {
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
  for (const auto& [pointer, from] : file.fixed_source) consider(pointer, from);
  for (const auto& [pointer, from] : point.sources) consider(pointer, from);
  return source;
}

// The problems of the points, each once, at most kMaxErrorLines of them.
class PointProblems {
 public:
  void add(const std::string& line) {
    if (!unique_.insert(line).second) return;
    if (lines_.size() < kMaxErrorLines) lines_.push_back(line);
    else ++suppressed_;
  }
  std::vector<std::string> lines() const {
    std::vector<std::string> out = lines_;
    if (suppressed_) out.push_back("... and " + std::to_string(suppressed_) + " more problems");
    return out;
  }

 private:
  std::vector<std::string> lines_;
  std::set<std::string> unique_;
  std::size_t suppressed_ = 0;
};

// Builds every point; a repeated point or a point that is not a valid scenario is a problem.
std::vector<std::string> expand_points(const SweepFile& file, std::size_t total, SweepPlan& plan) {
  std::map<std::string, std::size_t> seen_ids;
  PointProblems problems;
  plan.points.reserve(total);
  for (std::size_t index = 0; index < total; ++index) {
    SweepPoint point = grid_point(file, index);
    if (auto [it, fresh] = seen_ids.emplace(point.id, index); !fresh) {
      std::string where;
      for (const auto& [pointer, source] : point.sources) where += (where.empty() ? "" : ", ") + source;
      problems.add("/axes: points " + std::to_string(it->second) + " and " + std::to_string(index) +
                   " are the same scenario (" + point.overrides.dump() + "); remove the repeated value" +
                   (where.empty() ? "" : " among " + where));
      continue;
    }
    json doc;
    try {
      doc = point_document(plan, point);
    } catch (const std::invalid_argument& e) {
      const std::string line = e.what();
      problems.add(source_of(line.substr(0, line.find(": ")), file, point) + ": " + line);
      continue;
    }
    ScenarioResult parsed = parse_scenario(doc);
    for (const std::string& line : parsed.errors)
      problems.add(source_of(line.substr(0, line.find(": ")), file, point) + ": " + line);
    plan.points.push_back(std::move(point));
  }
  return problems.lines();
}

// The sweep as understood (written to sweep.json).
json definition_of(const SweepFile& file, const SweepPlan& plan) {
  json axes = json::array();
  for (const SweepAxis& a : file.axes) {
    json columns = json::array();
    for (const AxisColumn& c : a.columns)
      columns.push_back({{"column", c.name}, {"pointer", c.pointer.empty() ? json(nullptr) : json(c.pointer)}, {"values", c.values}});
    axes.push_back(columns);
  }
  json d = {{"name", plan.name},           {"base", plan.base},       {"set", file.fixed},
            {"axes", axes},                {"columns", plan.columns}, {"points", plan.points.size()},
            {"point_outputs", plan.point_outputs}, {"output_dir", plan.output_dir}};
  if (!file.description.is_null()) d["description"] = file.description;
  return d;
}

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
  for (auto it = point.overrides.begin(); it != point.overrides.end(); ++it) {
    try {
      doc[json::json_pointer(it.key())] = it.value();
    } catch (const json::exception&) {  // e.g. "/workload/proxy/x" where /workload/proxy is a string
      throw std::invalid_argument(it.key() + ": cannot be set: a value on its path is not an object; allowed: a "
                                             "pointer whose every parent is an object (or absent)");
    }
  }
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
  if (!document.is_object()) {
    result.errors.push_back("/: a sweep is a JSON object with \"base\" and \"axes\"");
    return result;
  }
  SweepFile file;
  ErrorList errors;
  read_sweep_file(document, base_dir, extra_sets, file, errors, result.errors);
  const std::size_t total = grid_size(file.axes, errors);
  for (const std::string& e : errors.lines) result.errors.push_back(e);
  if (!result.errors.empty()) return result;

  SweepPlan& plan = result.plan;
  plan = std::move(file.plan);
  for (const SweepAxis& a : file.axes)
    for (const AxisColumn& c : a.columns) plan.columns.push_back(c.name);
  result.errors = expand_points(file, total, plan);
  plan.definition = definition_of(file, plan);
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
