// A model's per-layer profile read from a file, for workloads not in the catalog: a per-layer CSV
// (layer_csv_import.cpp) or a PyTorch profiler trace (torch_trace_import.cpp). /workload/import turns
// it into the workload's params, compute_time, layer profile and backward share
// (scenario_workload.cpp).
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace dtsim {

constexpr std::size_t kMaxImportedLayers = 1000000;  // more is a wrong file, not a model

// Times are seconds per iteration as measured (ImportedWorkload::measured), else FLOPs per sample.
struct ImportedLayer {
  std::string name;
  double params = 0;    // parameters whose gradients this layer produces
  // Its share of the backward pass: the backward pass runs the layers in reverse order, so the
  // gradients of layer i are ready after the backward of the layers after it and its own.
  double backward = 0;
};

struct ImportedWorkload {
  std::vector<ImportedLayer> layers;  // forward order
  double forward = 0;  // everything in an iteration but the backward pass (no exchange overlaps it)
  // true: times in seconds per iteration as measured (at the profiled batch); false: FLOPs per sample
  // (the compute time then comes from the GPU's peak and efficiency).
  bool measured = true;
  std::string description;  // what was read, for summary.json's compute_basis
  double backward_total() const;
  double params_total() const;
};

// Each reader returns what it read; problems are appended as "FILE:LINE: message" (or "FILE: message")
// and the result is then empty.
ImportedWorkload read_layer_csv(const std::string& file, std::vector<std::string>& problems);
ImportedWorkload read_torch_profiler_trace(const std::string& file, std::vector<std::string>& problems);

// The reader for a format name ("layer_csv", "torch_profiler"), or the one the file name implies
// ("auto": .csv is layer_csv, .json and .json.gz are torch_profiler).
ImportedWorkload read_imported_workload(const std::string& format, const std::string& file,
                                        std::vector<std::string>& problems);
std::vector<std::string> workload_import_formats();

}  // namespace dtsim
