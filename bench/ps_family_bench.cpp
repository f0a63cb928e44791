// Parameter-server family benchmark: wall time and peak memory of timing-only runs of the
// asynchronous PS (64 to 1024 workers, 1 and 8 shards) and of the synchronous PS with backup workers
// under lognormal stragglers (m = 64 to 1024 gradients per update, e = m / 16 backups). Every
// configuration runs in its own forked child (one SimGrid simulation per process).
//
// Self-checking: homogeneous asynchronous runs must show a mean staleness within 10 % of n - 1, and
// backup-worker runs must apply exactly `iterations` updates of m gradients each; exit 1 otherwise.
//
// Usage: ps_family_bench [--quick]   (--quick: skip the 1024-worker rows)
#include <sys/resource.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "sim/app/child_process.h"
#include "sim/engine/engine.h"
#include "sim/output/metrics.h"
#include "sim/scenario/scenario.h"
#include "sim/engine/load_scenario.h"

using nlohmann::json;

namespace {

struct Config {
  std::string name;
  bool async = true;
  int workers = 0;  // m for backup runs (ranks = m + m / 16)
  int servers = 1;
  bool heavy = false;
};

json scenario_for(const Config& c, int iterations) {
  const int backups = c.async ? 0 : c.workers / 16;
  json algorithm = c.async ? json{{"name", "async_parameter_server"}, {"servers", c.servers}}
                           : json{{"name", "parameter_server"}, {"servers", c.servers}, {"backup_workers", backups}};
  json s = {{"name", c.name},
            {"seed", 1},
            {"cluster", {{"nodes", c.workers + backups}, {"gpu", "V100"}}},
            {"network", {{"topology", "switch"}, {"bandwidth", "100Gbps"}, {"latency", "5us"}, {"model", "exact"}}},
            {"workload", {{"model", "resnet50"}, {"batch_per_gpu", 64}}},
            {"algorithm", algorithm},
            {"run", {{"iterations", iterations}, {"warmup_iterations", 1}}},
            {"output", {{"dir", "/tmp/unused"}, {"trace", false}}}};
  if (!c.async) s["stragglers"] = {{"noise", {{"distribution", "lognormal"}, {"sigma", 0.3}}}};
  return s;
}

json run_config(const Config& c, int iterations) {
  const json document = scenario_for(c, iterations);
  return dtsim::run_in_child_process([&]() -> json {
    dtsim::ScenarioResult parsed = dtsim::parse_scenario(document);
    if (!parsed.ok()) return {{"error", parsed.errors.front()}};
    dtsim::RunResult run = dtsim::run_simulation(parsed.scenario);
    const json summary = dtsim::summarize(parsed.scenario, run, dtsim::iteration_rows(parsed.scenario, run));
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    return {{"wall_s", run.wall_time_s},
            {"sim_time_s", run.sim_time_s},
            {"ps", summary["parameter_server"]},
            {"peak_rss_kib", static_cast<double>(usage.ru_maxrss)}};
  });
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::string(argv[1]) == "--quick";
  const int iterations = 10;
  const std::vector<Config> configs = {
      {"async-64", true, 64, 1},      {"async-256", true, 256, 1},     {"async-1024", true, 1024, 1, true},
      {"async-1024x8", true, 1024, 8, true}, {"backup-64", false, 64, 1}, {"backup-256", false, 256, 1},
      {"backup-1024x8", false, 1024, 8, true}};
  std::printf("# dtsim PS-family benchmark: switch, 100Gbps, 5us/link, resnet50 on V100, timing only, %d updates "
              "per worker (async) or %d model updates (backup, lognormal sigma 0.3, e = m/16)\n\n",
              iterations, iterations);
  std::printf("| configuration | workers | shards | gradients applied | mean staleness | dropped | simulated | "
              "wall time | gradients/s wall | peak RSS MiB |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  std::fflush(stdout);  // before forking: a child would print the buffered header again
  bool ok = true;
  for (const Config& c : configs) {
    if (quick && c.heavy) continue;
    const json r = run_config(c, iterations);
    if (r.contains("error")) {
      std::printf("| %s | FAILED: %s |\n", c.name.c_str(), r["error"].dump().c_str());
      ok = false;
      continue;
    }
    const json& ps = r["ps"];
    const double applied = ps["gradients_applied"].get<double>();
    const double staleness = ps["staleness"]["mean"].get<double>();
    const int ranks = c.async ? c.workers : c.workers + c.workers / 16;
    std::printf("| %s | %d | %d | %.0f | %.2f | %lld | %.3f s | %.2f s | %.0f | %.1f |\n", c.name.c_str(), ranks,
                c.servers, applied, staleness, ps["gradients_dropped"].get<long long>(), r["sim_time_s"].get<double>(),
                r["wall_s"].get<double>(), applied / r["wall_s"].get<double>(), r["peak_rss_kib"].get<double>() / 1024);
    std::fflush(stdout);
    if (c.async && std::abs(staleness - (c.workers - 1)) > 0.1 * (c.workers - 1)) {
      std::printf("CHECK FAILED: %s mean staleness %.2f, expected about %d\n", c.name.c_str(), staleness, c.workers - 1);
      ok = false;
    }
    if (!c.async && (ps["model_updates"].get<int>() != iterations || applied != double(iterations) * c.workers)) {
      std::printf("CHECK FAILED: %s applied %.0f gradients in %d updates\n", c.name.c_str(), applied,
                  ps["model_updates"].get<int>());
      ok = false;
    }
  }
  return ok ? 0 : 1;
}
