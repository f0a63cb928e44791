// The per-layer workload CSV: one row per layer in forward order, a header naming the columns.
//
//   # comment lines and blank lines are skipped
//   layer,params,forward_s,backward_s          (times per iteration, as measured at the scenario's batch)
//   layer,params,forward_flops,backward_flops  (FLOPs per sample; FLOPs = 2 x multiply-adds)
//
// Columns may come in any order; both passes are times or both are FLOPs. Extra columns are an error
// (a misspelt column would otherwise be ignored silently).
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "sim/base/json_input.h"
#include "sim/scenario/workload_import.h"

namespace dtsim {
namespace {

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, ',')) {
    const auto first = cell.find_first_not_of(" \t\r");
    const auto last = cell.find_last_not_of(" \t\r");
    cells.push_back(first == std::string::npos ? "" : cell.substr(first, last - first + 1));
  }
  if (!line.empty() && line.back() == ',') cells.push_back("");
  return cells;
}

// Whether the whole cell is a finite number >= 0 (stored in `value`).
bool parse_count(const std::string& cell, double& value) {
  if (cell.empty()) return false;
  std::size_t used = 0;
  try {
    value = std::stod(cell, &used);
  } catch (const std::exception&) {
    return false;
  }
  return used == cell.size() && std::isfinite(value) && value >= 0;
}

}  // namespace

ImportedWorkload read_layer_csv(const std::string& file, std::vector<std::string>& problems) {
  ImportedWorkload w;
  if (std::string problem = regular_file_problem(file); !problem.empty()) {
    problems.push_back(file + ": " + problem);
    return w;
  }
  std::ifstream in(file);
  std::string line;
  std::map<std::string, std::size_t> column;
  int line_number = 0;
  auto fail = [&](const std::string& message) {
    problems.push_back(file + ":" + std::to_string(line_number) + ": " + message);
    return ImportedWorkload{};
  };
  while (std::getline(in, line)) {
    ++line_number;
    if (line.find('\0') != std::string::npos || !utf8_problem(line).empty()) return fail("is not UTF-8 text");
    const auto start = line.find_first_not_of(" \t\r");
    if (start == std::string::npos || line[start] == '#') continue;
    const std::vector<std::string> cells = split_csv_line(line);
    if (column.empty()) {  // the header
      for (std::size_t i = 0; i < cells.size(); ++i) {
        static const char* kKnown[] = {"layer", "params", "forward_s", "backward_s", "forward_flops", "backward_flops"};
        bool known = false;
        for (const char* k : kKnown) known = known || cells[i] == k;
        if (!known)
          return fail("unknown column \"" + shown_text(cells[i]) + "\"; allowed: layer, params, forward_s, backward_s "
                      "(s per iteration) or forward_flops, backward_flops (FLOPs per sample)");
        if (!column.emplace(cells[i], i).second) return fail("column \"" + cells[i] + "\" appears twice");
      }
      const bool times = column.count("forward_s") && column.count("backward_s");
      const bool flops = column.count("forward_flops") && column.count("backward_flops");
      if (!column.count("layer") || !column.count("params") || times == flops)
        return fail("the header must name layer, params and either forward_s, backward_s (seconds per iteration) "
                    "or forward_flops, backward_flops (FLOPs per sample)");
      w.measured = times;
      continue;
    }
    if (cells.size() != column.size())
      return fail(std::to_string(cells.size()) + " cells; the header has " + std::to_string(column.size()));
    ImportedLayer layer;
    layer.name = cells[column["layer"]];
    double forward = 0;
    const std::string fwd = w.measured ? "forward_s" : "forward_flops";
    const std::string bwd = w.measured ? "backward_s" : "backward_flops";
    for (const auto& [name, target] : {std::pair<std::string, double*>{"params", &layer.params},
                                       {fwd, &forward}, {bwd, &layer.backward}}) {
      if (!parse_count(cells[column[name]], *target))
        return fail(name + " \"" + shown_text(cells[column[name]]) + "\" is not a number >= 0");
    }
    if (w.layers.size() == kMaxImportedLayers) return fail("more than " + std::to_string(kMaxImportedLayers) + " layers");
    w.forward += forward;
    w.layers.push_back(layer);
  }
  if (column.empty()) problems.push_back(file + ": no header (layer,params,forward_s,backward_s or ..._flops)");
  else if (w.layers.empty()) problems.push_back(file + ": no layer rows after the header");
  else if (w.params_total() < 1) problems.push_back(file + ": the layers have no parameters in all");
  else if (w.backward_total() <= 0) problems.push_back(file + ": the backward column is 0 for every layer");
  std::ostringstream d;
  d << "layer CSV " << file << ": " << w.layers.size() << " layers";
  w.description = d.str();
  return w;
}

}  // namespace dtsim
