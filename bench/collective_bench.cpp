// Fast-path benchmark: wall time and peak memory of ResNet-50-sized ring
// allreduces (25,557,032 x 4 B = 102,228,128 B) at 64, 256, 1024 and 4096 ranks, with the "step"
// fidelity (2(p-1) messages per rank per allreduce) and the "fast" one (2 aggregated flows per rank),
// and the largest cluster whose 100 fast allreduces simulate within 60 s of wall time.
// One switch, 25 Gbps and 5 us links, exact model; back-to-back allreduces with no compute
// (algorithms/collectives/runner.h); each row in its own forked child, which reports its own peak RSS.
// Self-check: simulated time / allreduces = the ring's closed form (1e-6 + rounding), else exit 1.
//
// Usage: collective_bench [--quick] [--iterations N] [--step-max-ranks P] [--budget S]
//   --quick            64 and 256 ranks only, no largest-cluster search
//   --iterations N     fast allreduces per row (default 100); step rows run fewer (below)
//   --step-max-ranks P largest step row (default 1024; step at 4096 is ~33 M messages per allreduce)
//   --budget S         wall-time budget of the largest-cluster search (default 60)
#include <sys/resource.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "algorithms/collectives/runner.h"
#include "sim/app/child_process.h"
#include "sim/scenario/scenario.h"
#include "sim/engine/load_scenario.h"

using nlohmann::json;

namespace {

constexpr double kBytes = 25557032.0 * 4;

dtsim::Scenario platform(int p) {
  json doc = {{"name", "collective-bench"},
              {"cluster", {{"nodes", p}}},
              {"network", {{"topology", "switch"}, {"bandwidth", "25Gbps"}, {"latency", "5us"}, {"model", "exact"}}},
              {"workload", {{"params", 1}, {"compute_time", 0}}},
              {"output", {{"trace", false}}}};
  dtsim::ScenarioResult r = dtsim::parse_scenario(doc);
  if (!r.ok()) {
    for (const auto& e : r.errors) std::fprintf(stderr, "%s\n", e.c_str());
    std::exit(2);
  }
  return r.scenario;
}

struct Row {
  int p = 0, iterations = 0;
  std::string fidelity;
  double sim = 0, model = 0, wall = 0, rss_mib = 0;
  bool ok = false;
};

Row run(int p, dtsim::Fidelity f, int iterations) {
  Row row;
  row.p = p;
  row.iterations = iterations;
  row.fidelity = dtsim::fidelity_name(f);
  const dtsim::Scenario s = platform(p);
  dtsim::CollectiveSpec spec;
  spec.bytes = kBytes;
  spec.fidelity = f;
  spec.repeat = iterations;
  json r = dtsim::run_in_child_process([&] {
    dtsim::CollectiveOutcome o = dtsim::run_collective(s, spec);
    struct rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    return json{{"time", o.time_s}, {"wall", o.wall_s}, {"rss_kib", usage.ru_maxrss}};
  });
  if (r.contains("error")) {
    std::fprintf(stderr, "p=%d %s: %s\n", p, row.fidelity.c_str(), r["error"].get<std::string>().c_str());
    return row;
  }
  row.sim = r["time"].get<double>() / iterations;
  row.wall = r["wall"].get<double>();
  row.rss_mib = r["rss_kib"].get<double>() / 1024;
  row.model = dtsim::closed_form_time(s, spec);
  const double tolerance = 1e-6 + 2.0 * (p - 1) / 3.125e9 / row.model;  // 1 B per step of chunk rounding
  row.ok = std::abs(row.sim - row.model) / row.model <= tolerance;
  return row;
}

void print(const Row& r) {
  std::printf("| %d | %s | %d | %.6f s | %.6f s | %.1e | %.2f s | %.3f s | %.0f |%s\n", r.p, r.fidelity.c_str(),
              r.iterations, r.sim, r.model, std::abs(r.sim - r.model) / r.model, r.wall, r.wall / r.iterations,
              r.rss_mib, r.ok ? "" : " OFF");
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  int iterations = 100, step_max = 1024;
  double budget = 60;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick")) quick = true;
    else if (!std::strcmp(argv[i], "--iterations") && i + 1 < argc) iterations = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--step-max-ranks") && i + 1 < argc) step_max = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--budget") && i + 1 < argc) budget = std::atof(argv[++i]);
    else {
      std::fprintf(stderr, "usage: collective_bench [--quick] [--iterations N] [--step-max-ranks P] [--budget S]\n");
      return 2;
    }
  }
  std::printf("| ranks | fidelity | allreduces | simulated allreduce | closed form | rel. error | wall | wall per allreduce | peak RSS MiB |\n");
  std::printf("|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
  std::fflush(stdout);  // before forking children
  bool all_ok = true;
  std::vector<int> sizes = quick ? std::vector<int>{64, 256} : std::vector<int>{64, 256, 1024, 4096};
  for (int p : sizes) {
    if (p <= step_max) {
      // Step rows: enough allreduces for a stable figure without hours at 1024 ranks.
      const int n = std::max(1, std::min(iterations, (1 << 20) / (p * p)));
      Row r = run(p, dtsim::Fidelity::Step, n);
      print(r);
      all_ok = all_ok && r.ok;
    }
    Row r = run(p, dtsim::Fidelity::Fast, iterations);
    print(r);
    all_ok = all_ok && r.ok;
  }
  if (!quick) {
    // Largest cluster (doubling from 4096) whose `iterations` fast allreduces fit the budget.
    int best = 0;
    for (int p = 4096; p <= (1 << 20); p *= 2) {
      Row r = run(p, dtsim::Fidelity::Fast, iterations);
      print(r);
      all_ok = all_ok && r.ok;
      if (!r.ok || r.wall > budget) break;
      best = p;
    }
    std::printf("\nlargest cluster with %d fast ring allreduces of ResNet-50 within %.0f s of wall time: %d ranks\n",
                iterations, budget, best);
  }
  return all_ok ? 0 : 1;
}
