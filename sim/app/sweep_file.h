// Reading a sweep file: its keys are declared once (sim/base/options.h), and that one declaration
// drives the reading (each key's reader, unknown-key errors naming the allowed keys) and the JSON Schema
// (`dtsim schema --sweep`, scenarios/sweep.schema.json). sweep.cpp expands what is read into points.
#pragma once
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/app/sweep.h"
#include "sim/base/options.h"

namespace dtsim {

// One table column of an axis: a swept pointer, or the axis's label column (pointer "").
struct AxisColumn {
  std::string name;
  std::string pointer;
  std::vector<nlohmann::json> values;
  std::string values_path;  // sweep path of the values (per value: values_path + "/" + j)
};

// A grid axis: its columns vary together (zip), each with `size` values.
struct SweepAxis {
  std::size_t size = 0;
  std::vector<AxisColumn> columns;
};

// The sweep file as read, before the grid product.
struct SweepFile {
  SweepPlan plan;  // name, output_dir, point_outputs, base; no points yet
  nlohmann::json description;                       // null when absent
  nlohmann::json fixed = nlohmann::json::object();  // "set" then --set: pointer -> value
  std::map<std::string, std::string> fixed_source;  // pointer -> where it was set ("/set/~1x", "--set ...")
  std::vector<SweepAxis> axes;
};

// Reads `document` (a JSON object). Problems of the file go to `errors` with their sweep path; problems
// of --set items to `set_errors` ("--set ITEM: ..."). `base_dir` resolves a relative "base" path.
void read_sweep_file(const nlohmann::json& document, const std::string& base_dir,
                     const std::vector<std::string>& extra_sets, SweepFile& file, ErrorList& errors,
                     std::vector<std::string>& set_errors);

// The declarations of a sweep file's top-level keys, reading into `file` (what the schema is built from).
OptionList sweep_file_options(SweepFile& file, const std::string& base_dir);

// The JSON Schema of sweep files (`dtsim schema --sweep`).
nlohmann::json sweep_schema();

}  // namespace dtsim
