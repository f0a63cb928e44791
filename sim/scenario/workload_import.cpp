// The reader for a format name, and the totals of an imported profile.
#include "sim/scenario/workload_import.h"

namespace dtsim {

double ImportedWorkload::backward_total() const {
  double total = 0;
  for (const ImportedLayer& l : layers) total += l.backward;
  return total;
}

double ImportedWorkload::params_total() const {
  double total = 0;
  for (const ImportedLayer& l : layers) total += l.params;
  return total;
}

std::vector<std::string> workload_import_formats() { return {"auto", "layer_csv", "torch_profiler"}; }

ImportedWorkload read_imported_workload(const std::string& format, const std::string& file,
                                        std::vector<std::string>& problems) {
  auto ends_with = [&](const std::string& suffix) {
    return file.size() >= suffix.size() && file.compare(file.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  std::string chosen = format;
  if (format == "auto") {
    if (ends_with(".csv")) chosen = "layer_csv";
    else if (ends_with(".json") || ends_with(".json.gz")) chosen = "torch_profiler";
    else {
      problems.push_back(file + ": the format cannot be told from the name (.csv, .json or .json.gz); give format "
                         "\"layer_csv\" or \"torch_profiler\"");
      return {};
    }
  }
  return chosen == "layer_csv" ? read_layer_csv(file, problems) : read_torch_profiler_trace(file, problems);
}

}  // namespace dtsim
