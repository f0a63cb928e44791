// `dtsim calibrate`: fits a network profile (sim/scenario/network_profile.h) to nccl-tests logs.
// Each log is one tier: a log whose ranks are all on one host measures intra_node, any other log
// inter_node. Per tier it fits alpha and beta of the collective's ring cost model
// (sim/app/alpha_beta_fit.h) and derives efficiency = beta / nominal bandwidth and
// overhead = alpha - nominal route latency, then writes the profile atomically and prints the fit
// and its residuals.
#pragma once
#include <ostream>
#include <string>
#include <vector>

namespace dtsim {

// args excludes the word "calibrate". Returns the exit code (0, or 2 on bad input).
int calibrate_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// The nominal per-GPU NVLink bandwidth (bytes/s, one direction) of a GPU named in nccl-tests' device
// column, from NVIDIA's datasheets; 0 when unknown.
double nominal_nvlink_bandwidth(const std::string& device);

}  // namespace dtsim
