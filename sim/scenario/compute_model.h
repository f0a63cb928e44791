// Deterministic compute time of one training iteration on one GPU, never from the host's clock:
//  1. the catalog's published throughput for this model, GPU and precision when it has one;
//  2. else the FLOP model: 3 x forward FLOPs x batch / (peak at the precision x the model's
//     efficiency), the efficiency derived from the model's own published figure at that precision on
//     this GPU, else on the newest GPU that has one (achieved nominal FLOP/s over that GPU's peak),
//     else from the model named in its efficiency_like, else the GPU's generic efficiency. Without
//     tensor cores (P100) fp16 takes the fp32 efficiency at the fp16 peak. A FLOP-model estimate is
//     never slower than the same GPU at a lower precision.
// Precisions: fp32 (CUDA-core peak), tf32 (tensor-core TF32 peak; fp32 on GPUs without TF32, as
// PyTorch's allow_tf32 does there), amp (alias fp16: fp16 tensor peak), bf16 (bf16 tensor peak).
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/scenario/scenario.h"

namespace dtsim {

struct ComputeEstimate {
  double seconds = 0;
  std::string source;      // "measured throughput" or "FLOP model"
  std::string basis;       // the figure used and where it comes from, in words
  double efficiency = 0;   // FLOP model: the efficiency used
  std::string error;       // non-empty: the precision is not available on this GPU (message for /workload/precision)
};

// The precisions a scenario may ask for ("fp16" is read as "amp").
const std::vector<std::string>& precision_names();
// The peak FLOP/s of `gpu` (a catalog name) at `precision`; 0 when the GPU has no such unit.
double catalog_peak(const std::string& gpu, const std::string& precision);
// The precision a catalog GPU really computes in: tf32 without TF32 units is fp32; otherwise unchanged.
std::string effective_precision(const std::string& gpu, const std::string& precision);

ComputeEstimate estimate_compute_time(const std::string& model, const GpuSpec& gpu, const std::string& precision,
                                      int batch);

}  // namespace dtsim
