// Sweeps: a base scenario plus axes over JSON pointers (grid product and zipped axes), expanded into
// points; each point runs in its own forked child; results are appended one line per point to
// results.jsonl (a single write()) and results.csv is regenerated from it. See docs/sweeps-and-plots.md.
//
// A sweep file:
//   {
//     "name": "linear_speedup",
//     "base": "../quickstart.json",              // scenario path (relative to the sweep file) or object
//     "set": {"/run/iterations": 4},               // overrides applied to every point (optional)
//     "axes": [                                    // grid product, the last axis varying fastest
//       {"pointer": "/cluster/nodes", "values": {"from": 4, "to": 256, "factor": 2}, "name": "nodes"},
//       {"name": "algorithm", "labels": ["ring", "PS"],          // zipped: varies together
//        "zip": [{"pointer": "/algorithm/name", "values": ["allreduce", "parameter_server"]},
//                {"pointer": "/algorithm/servers", "values": [1, 4]}]}
//     ],
//     "point_outputs": true,                      // per-point summary.json, iterations.csv (and trace.json)
//     "output_dir": "out/linear_speedup"           // default out/<name>
//   }
#pragma once
#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/scenario/scenario.h"

namespace dtsim {

struct SweepPoint {
  std::size_t index = 0;   // position in the full expansion (grid order)
  std::string id;          // stable: hash of the point's resolved overrides (16 hex digits)
  nlohmann::json overrides = nlohmann::json::object();  // pointer -> value (fixed "set" + axis values)
  // Table columns of this point, in axis order: (column name, value).
  std::vector<std::pair<std::string, nlohmann::json>> params;
  // Where each axis value came from in the sweep file (for error messages): pointer -> sweep path.
  std::vector<std::pair<std::string, std::string>> sources;
};

struct SweepPlan {
  std::string name;
  std::string output_dir;
  bool point_outputs = true;
  nlohmann::json base;                    // the base scenario document
  std::vector<std::string> columns;       // parameter columns, in axis order
  std::vector<SweepPoint> points;
  nlohmann::json definition;              // the sweep as understood (written to sweep.json)
};

struct SweepPlanResult {
  SweepPlan plan;
  std::vector<std::string> errors;  // "/json/path: message", paths into the sweep file
  bool ok() const { return errors.empty(); }
};

// Expands a sweep document. `base_dir` resolves a relative "base" path; `extra_sets` are
// "--set /pointer=value" items applied to every point after the file's "set". Checks the structure,
// the pointers, duplicate points, and that every point is a valid scenario (scenario errors are
// attributed to the axis value or "set" entry that produced them).
SweepPlanResult expand_sweep(const nlohmann::json& document, const std::string& base_dir,
                             const std::vector<std::string>& extra_sets = {});
SweepPlanResult load_sweep(const std::string& file, const std::vector<std::string>& extra_sets = {});

// The point's scenario document: base with the point's overrides applied (output dir not set).
nlohmann::json point_document(const SweepPlan& plan, const SweepPoint& point);

// The stable point id of an overrides object.
std::string sweep_point_id(const nlohmann::json& overrides);

// Shard K of N (1-based K): the points whose index % N == K - 1.
std::vector<const SweepPoint*> shard_points(const SweepPlan& plan, int k, int n);

// `dtsim sweep ...`; args are the words after "sweep".
int sweep_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace dtsim
