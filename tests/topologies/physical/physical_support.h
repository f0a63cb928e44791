// Helpers for the cluster-network tests: ring / PS closed forms and route inspection.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace dtsim::physical_test {

// Builds the scenario's platform in a forked child (no simulation) and returns, for each (src, dst)
// host index pair (GPU ranks, then servers), {"links": [names], "latency": s, "min_bandwidth": B/s}.
nlohmann::json routes(const nlohmann::json& scenario, const std::vector<std::pair<int, int>>& pairs);

// Builds the scenario's platform in a forked child and returns the names of `machine`'s network links,
// the ones a link failure turns off (machine_network_links, sim/engine/job_supervisor.h).
std::vector<std::string> machine_link_names(const nlohmann::json& scenario, int machine);

// The errors parse_scenario reports, one per line ("" when valid).
std::string errors_of(const nlohmann::json& scenario);

// A switch scenario of `nodes` machines, exact model, compute 0, message of `bytes` bytes, explicit links.
nlohmann::json ring_scenario(int nodes, double bytes, double bandwidth, double latency);

// Simulated iteration time (ring allreduce or whatever the scenario names).
double iteration_time(const nlohmann::json& scenario);

// Ring allreduce closed form when every step waits for the slowest hop: 2(p-1)(alpha + S/(p B)).
inline double ring_closed_form(int p, double bytes, double alpha, double bandwidth) {
  return 2.0 * (p - 1) * (alpha + bytes / (p * bandwidth));
}

}  // namespace dtsim::physical_test
