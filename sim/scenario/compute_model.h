// Deterministic compute time of one training iteration on one GPU: from the catalog's measured
// throughput for that GPU when it has one, else from FLOPs: 3 x forward FLOPs x batch / (peak x
// efficiency). Never from the host's clock.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "sim/scenario/scenario.h"

namespace dtsim {

struct ComputeEstimate {
  double seconds = 0;
  std::string source;  // "measured throughput" or "FLOP model"
};

ComputeEstimate estimate_compute_time(const nlohmann::json& catalog_model, const GpuSpec& gpu, int batch);

}  // namespace dtsim
