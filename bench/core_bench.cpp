// Core scaling benchmark: wall time and peak memory of timing-only runs of
// ring allreduce at 64, 256 and 1024 ranks and of the synchronous parameter server at 1024 and 4096
// ranks (1 shard, and 8 shards at 4096). Each configuration runs in its own forked child (SimGrid
// allows one simulation per process); the child parses the scenario, simulates it, and reports its
// own peak RSS (getrusage(RUSAGE_SELF).ru_maxrss, read at its end).
//
// Self-checking: the simulated iteration time of every row is compared with its closed form
//   ring: compute + 2(p-1)(alpha + S/(p B))      PS: compute + 2(alpha + p (S/k) / B)
// (alpha = 2 x link latency: two links per route on the switch), and the bytes each rank sent with
// what the algorithm sends; the program exits 1 if either is off or a child failed.
//
// Usage: core_bench [--quick] [--only NAME[,NAME...]] [--iterations N] [--list]
//   --quick       skip the 1024-rank ring and the 4096-rank PS rows
//   --only        run only the named configurations (see --list)
//   --iterations  override the iteration count of every configuration (1 of them is warm-up)
#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sim/app/child_process.h"
#include "sim/engine/engine.h"
#include "sim/output/metrics.h"
#include "sim/scenario/scenario.h"
#include "sim/engine/load_scenario.h"

using nlohmann::json;

namespace {

constexpr double kBandwidth = 25e9 / 8;  // 25 Gbps in bytes/s
constexpr double kLatency = 5e-6;        // per link

struct Config {
  std::string name;
  bool ps = false;    // parameter_server, else allreduce/ring
  int ranks = 0;      // GPU ranks (workers)
  int servers = 0;    // PS shards (own hosts)
  bool heavy = false; // skipped by --quick
  int iterations = 10;
};

std::vector<Config> all_configs() {
  return {
      {"ring-64", false, 64, 0, false},      {"ring-256", false, 256, 0, false},
      {"ring-1024", false, 1024, 0, true},   {"ps1-1024", true, 1024, 1, false},
      {"ps1-4096", true, 4096, 1, true},     {"ps8-4096", true, 4096, 8, true},
  };
}

json scenario_for(const Config& c) {
  json algorithm = c.ps ? json{{"name", "parameter_server"}, {"servers", c.servers}}
                        : json{{"name", "allreduce"}, {"collective", "ring"}};
  return {{"name", "core_bench/" + c.name},
          {"seed", 1},
          {"cluster", {{"nodes", c.ranks}, {"gpus_per_node", 1}, {"gpu", "V100"}}},
          {"network", {{"topology", "switch"}, {"bandwidth", "25Gbps"}, {"latency", "5us"}, {"model", "exact"}}},
          {"workload", {{"model", "resnet50"}, {"batch_per_gpu", 64}}},
          {"algorithm", algorithm},
          {"run", {{"iterations", c.iterations}, {"warmup_iterations", 1}}},
          {"output", {{"trace", false}}}};
}

// Messages (point-to-point transfers) per iteration, from the algorithm's structure: the recorder
// counts bytes, not messages (spans, which would give the count, are kept only with a trace).
double messages_per_iteration(const Config& c) {
  const double p = c.ranks;
  return c.ps ? 2.0 * p * c.servers  // every worker pushes one shard to and pulls one from each server
              : 2.0 * p * (p - 1);   // 2(p-1) steps, every rank sends one chunk per step
}

double closed_form_iteration(const Config& c, double bytes, double compute) {
  const double alpha = 2 * kLatency, p = c.ranks;
  return c.ps ? compute + 2 * (alpha + p * (bytes / c.servers) / kBandwidth)
              : compute + 2 * (p - 1) * (alpha + bytes / (p * kBandwidth));
}

// Timing-only messages are split into chunks/shards whole bytes at a time (the first S mod p get one
// byte more), so a step can last up to 1 byte / B longer than S/(pB) says: 2(p-1) steps on the ring, and
// on the PS p chunks in a row through the server link, each way. The check allows that plus 1e-9.
double rounding_tolerance(const Config& c, double expected) {
  const double p = c.ranks;
  return 1e-9 + (c.ps ? 2 * p : 2 * (p - 1)) / kBandwidth / expected;
}

double expected_bytes_sent_per_rank(const Config& c, double bytes) {
  return c.ps ? bytes : 2.0 * (c.ranks - 1) * bytes / c.ranks;
}

long rss_kib_now() {  // VmRSS of this process, for the parent's baseline
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  return -1;
}

json run_config(const Config& c) {
  const json document = scenario_for(c);
  return dtsim::run_in_child_process([&]() -> json {
    dtsim::ScenarioResult parsed = dtsim::parse_scenario(document);
    if (!parsed.ok()) {
      std::string all;
      for (const auto& e : parsed.errors) all += (all.empty() ? "" : "; ") + e;
      return {{"error", "scenario: " + all}};
    }
    const dtsim::Scenario& s = parsed.scenario;
    dtsim::RunResult run = dtsim::run_simulation(s);
    const std::vector<dtsim::IterationRow> rows = dtsim::iteration_rows(s, run);
    const json summary = dtsim::summarize(s, run, rows);
    double it_min = 1e300, it_max = 0;
    for (const auto& r : rows)
      if (!r.warmup) it_min = std::min(it_min, r.iteration_time), it_max = std::max(it_max, r.iteration_time);
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    return {{"wall_s", run.wall_time_s},
            {"sim_time_s", run.sim_time_s},
            {"iteration_time_s", summary["iteration_time_s"]},
            {"iteration_time_min_s", it_min},
            {"iteration_time_max_s", it_max},
            {"compute_time_s", s.workload.compute_time},
            {"message_bytes", s.workload.message_bytes()},
            {"bytes_sent_per_rank", summary["bytes_sent_per_rank_per_iteration"]},
            {"endpoints", run.workers + run.servers},
            {"peak_rss_kib", static_cast<double>(usage.ru_maxrss)}};  // KiB on Linux
  });
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

int usage(const char* argv0, int code) {
  std::fprintf(code ? stderr : stdout,
               "usage: %s [--quick] [--only NAME[,NAME...]] [--iterations N] [--list]\n"
               "  --quick       skip ring-1024, ps1-4096 and ps8-4096\n"
               "  --only        run only these configurations\n"
               "  --iterations  iterations per run (default 10, of which 1 warm-up)\n",
               argv0);
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  std::vector<std::string> only;
  int iterations = 10;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--quick") quick = true;
    else if (a == "--only" && i + 1 < argc) only = split_commas(argv[++i]);
    else if (a == "--iterations" && i + 1 < argc) {
      iterations = std::atoi(argv[++i]);
      if (iterations < 2) return std::fprintf(stderr, "--iterations must be >= 2 (1 is warm-up)\n"), 2;
    } else if (a == "--list") {
      for (const Config& c : all_configs()) std::printf("%s%s\n", c.name.c_str(), c.heavy ? " (skipped by --quick)" : "");
      return 0;
    } else if (a == "--help" || a == "-h") return usage(argv[0], 0);
    else return usage(argv[0], 2);
  }
  std::vector<Config> configs;
  for (Config c : all_configs()) {
    if (!only.empty() && std::find(only.begin(), only.end(), c.name) == only.end()) continue;
    if (only.empty() && quick && c.heavy) continue;
    c.iterations = iterations;
    configs.push_back(c);
  }
  for (const std::string& n : only) {
    const auto all = all_configs();
    if (std::none_of(all.begin(), all.end(), [&](const Config& c) { return c.name == n; }))
      return std::fprintf(stderr, "unknown configuration '%s' (see --list)\n", n.c_str()), 2;
  }

  std::printf("# dtsim core benchmark: switch, 25Gbps, 5us/link (alpha = 10us), model exact, resnet50 "
              "(4 B/param) on V100, batch 64/GPU, %d iterations (1 warm-up), timing only, no trace\n",
              iterations);
  std::printf("# parent RSS before forking: %.1f MiB (children inherit it copy-on-write)\n\n", rss_kib_now() / 1024.0);
  std::printf("| configuration | ranks | servers | iterations | simulated iteration | closed form | rel. error | "
              "wall time | messages | messages/s wall | peak RSS MiB |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  std::fflush(stdout);

  bool ok = true;
  std::vector<std::string> notes;
  for (const Config& c : configs) {
    std::fprintf(stderr, "running %s ...\n", c.name.c_str());
    const json r = run_config(c);
    if (r.contains("error")) {
      std::printf("| %s | %d | %d | %d | FAILED: %s | | | | | | |\n", c.name.c_str(), c.ranks, c.servers,
                  c.iterations, r["error"].get<std::string>().c_str());
      std::fflush(stdout);
      ok = false;
      continue;
    }
    const double bytes = r["message_bytes"], compute = r["compute_time_s"], it = r["iteration_time_s"];
    const double wall = r["wall_s"], rss_mib = r["peak_rss_kib"].get<double>() / 1024.0;
    const double expected = closed_form_iteration(c, bytes, compute);
    const double rel = std::abs(it - expected) / expected;
    const double sent = r["bytes_sent_per_rank"], sent_expected = expected_bytes_sent_per_rank(c, bytes);
    const double sent_rel = std::abs(sent - sent_expected) / sent_expected;
    const double messages = messages_per_iteration(c) * c.iterations;
    const double tolerance = rounding_tolerance(c, expected);
    const bool row_ok = rel <= tolerance && sent_rel <= 1e-9;
    ok = ok && row_ok;
    std::printf("| %s | %d | %d | %d | %.6f s | %.6f s | %.1e%s | %.2f s | %.3g | %.3g | %.0f |\n", c.name.c_str(),
                c.ranks, c.servers, c.iterations, it, expected, rel, row_ok ? "" : " FAIL", wall, messages,
                messages / wall, rss_mib);
    std::fflush(stdout);
    char line[512];
    std::snprintf(line, sizeof line,
                  "%s: rel. error allowed %.1e (chunk rounding), %.2f us wall per message, %.1f KiB peak RSS per endpoint (%d endpoints), compute %.6f s, "
                  "comm %.6f s, iteration min/max %.9f/%.9f s, bytes sent/rank/iteration %.0f (expected %.0f)",
                  c.name.c_str(), tolerance, 1e6 * wall / messages, r["peak_rss_kib"].get<double>() / r["endpoints"].get<int>(),
                  r["endpoints"].get<int>(), compute, it - compute, r["iteration_time_min_s"].get<double>(),
                  r["iteration_time_max_s"].get<double>(), sent, sent_expected);
    notes.push_back(line);
  }
  std::printf("\n");
  for (const std::string& n : notes) std::printf("# %s\n", n.c_str());
  std::printf("# closed forms: ring compute + 2(p-1)(alpha + S/(pB)); PS compute + 2(alpha + p(S/k)/B); S = %.0f B\n",
              25557032.0 * 4);
  std::printf("# messages: from the algorithm's structure (ring 2p(p-1), PS 2pk per iteration, all iterations "
              "incl. warm-up); RunResult records bytes, not message counts\n");
  std::printf("# wall time: run_simulation's own measure (engine + platform + actors + run); peak RSS: the "
              "child's ru_maxrss at its end\n");
  std::printf("%s\n", ok ? "# self-check: OK" : "# self-check: FAILED");
  return ok ? 0 : 1;
}
