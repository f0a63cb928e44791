// A ring-allreduce job whose closed form SimGrid reproduces bit for bit: p ranks, one per machine, on
// one switch, with binary-exact figures (B = 2^30 B/s, link latency 2^-18 s, compute 2^-6 s) and a
// message size chosen by the test (whole-byte, equal ring chunks for the rank counts it uses). The
// failure tests time their hand-computed timelines against it.
#pragma once
#include <nlohmann/json.hpp>

#include "tests/support/test_support.h"

namespace dtsim::test {

constexpr double kExactBandwidth = 1073741824, kExactLatency = 1.0 / 262144, kExactCompute = 1.0 / 64;

inline nlohmann::json binary_exact_ring_job(int p, int iterations, double bytes) {
  nlohmann::json s = base_scenario(p);
  s["network"]["bandwidth"] = kExactBandwidth;
  s["network"]["latency"] = kExactLatency;
  s["workload"] = {{"params", static_cast<long>(bytes)}, {"bytes_per_param", 1}, {"compute_time", kExactCompute}};
  s["run"] = {{"iterations", iterations}, {"warmup_iterations", 0}};
  return s;
}

// Ring allreduce over p ranks: 2(p-1)(alpha + S/(pB)), alpha two link latencies (host-switch-host).
inline double binary_exact_ring_time(int p, double bytes) {
  return 2.0 * (p - 1) * (2 * kExactLatency + bytes / (p * kExactBandwidth));
}

}  // namespace dtsim::test
