#include "sim/scenario/compute_model.h"

namespace dtsim {

ComputeEstimate estimate_compute_time(const nlohmann::json& model, const GpuSpec& gpu, int batch) {
  if (model.contains("samples_per_s") && model["samples_per_s"].contains(gpu.name))
    return {batch / model["samples_per_s"][gpu.name].get<double>(), "measured throughput"};
  const double flops = 3.0 * model["flops_per_sample"].get<double>() * batch;  // forward + backward
  return {flops / (gpu.peak_flops * gpu.efficiency), "FLOP model"};
}

}  // namespace dtsim
