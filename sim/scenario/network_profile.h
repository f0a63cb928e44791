// A calibrated network model ("network.profile"): per tier, what real collectives achieved on a
// measured system, fitted by `dtsim calibrate` from nccl-tests logs.
//
// Two tiers: intra_node (GPU to GPU inside one machine: NVLink / PCIe) and inter_node (anything
// else: NIC and fabric). A profile tier combines with the scenario's nominal links as
//   message time = (route link latency + overhead) + size / (efficiency x bottleneck link bandwidth)
// so a profile fitted on one system carries over to scenarios with other nominal figures; with the
// nominal figures the profile was fitted against, a message costs exactly the fitted alpha + S / beta.
// A tier the profile does not give stays exact (pure alpha-beta on the nominal links).
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/base/json_reader.h"

namespace dtsim {

struct TierCalibration {
  bool given = false;
  double efficiency = 1;         // achieved / nominal bandwidth, in (0, 1]
  double overhead = 0;           // s per message, added to the route's link latency
  double alpha = 0;              // fitted per-message time, s (documentation of the fit)
  double beta = 0;               // fitted achieved bandwidth, bytes/s
  double nominal_bandwidth = 0;  // bytes/s the efficiency is relative to
  double nominal_latency = 0;    // s: the route latency the overhead is in excess of
};

struct NetworkProfile {
  std::string name;     // "" : no profile
  std::string origin;   // shipped name or file path it was read from
  std::string system;   // the measured system, in words
  std::string source;   // where the measurements were published
  TierCalibration intra_node, inter_node;
  nlohmann::json document;  // the whole profile (logs, fit residuals), as read
};

// Reads a profile document; problems go to `errors` as "<origin>:/json/path: message".
NetworkProfile read_network_profile(const nlohmann::json& document, const std::string& origin, ErrorList& errors);

// The profile named `name_or_path`: a shipped profile (scenarios/profiles/<name>.json, compiled in)
// or a file path (relative to the working directory). Problems are reported under `json_path`.
NetworkProfile load_network_profile(const std::string& name_or_path, const std::string& json_path, ErrorList& errors);

// Names of the shipped profiles, sorted.
std::vector<std::string> shipped_profile_names();

// The JSON form of one tier (what `dtsim calibrate` writes; read back by read_network_profile).
nlohmann::json tier_to_json(const TierCalibration& tier);

}  // namespace dtsim
