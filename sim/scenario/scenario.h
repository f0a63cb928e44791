// The typed scenario: what one run simulates. sim/scenario.cpp is the only place that reads
// scenario JSON; everything downstream sees these plain structs with defaults filled and units
// resolved to SI (bytes, seconds, bytes/s, FLOP/s).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kernels/specs.h"
#include "sim/base/options.h"
#include "sim/scenario/network_profile.h"

namespace dtsim {

struct GpuSpec {
  std::string name;          // catalog name, or "custom"
  double peak_flops = 0;     // FLOP/s at the workload's precision (a custom GPU: its one peak)
  double efficiency = 0.3;   // generic fraction of peak reached in training (models without a measured figure)
  bool custom = false;       // given as {"peak_flops", "efficiency"}: that peak for every precision
};

struct ClusterSpec {
  int nodes = 1;
  int gpus_per_node = 1;
  GpuSpec gpu;
  int ranks() const { return nodes * gpus_per_node; }
};

struct LinkSpec {
  double bandwidth = 0;  // bytes/s
  double latency = 0;    // s
};

// One entry of network.overrides: machines first_node..last_node (inclusive) get other NIC
// bandwidth/latency (their fabric ports: every fabric link a route leaving or entering the NIC
// crosses first or last) and/or other intra-node links.
struct LinkOverride {
  int first_node = 0, last_node = 0;
  int nic = -1;                 // -1: every NIC of the machine
  double bandwidth = 0;         // 0: unchanged
  double latency = -1;          // < 0: unchanged
  bool has_intra_node = false;
  LinkSpec intra_node;
  std::string path;             // "/network/overrides/3": for errors found after reading
};

struct NetworkSpec {
  std::string topology = "switch";
  LinkSpec link;                 // NIC link and every fabric link
  LinkSpec intra_node;           // GPU-to-GPU inside a machine (NVLink / PCIe)
  std::string intra_node_kind = "nvlink";  // preset the intra-node link started from: nvlink, pcie, custom
  int nics_per_node = 1;         // NICs per machine; GPU g uses NIC g / (gpus_per_node / nics_per_node)
  // "exact": pure alpha-beta (SimGrid CM02); "tcp": CM02 plus SimGrid's LV08 TCP factors on Ethernet
  // inter-node messages only (sim/engine/network_tiers.h).
  std::string model = "exact";
  std::string link_layer = "ethernet";  // NICs and fabric: "ethernet" (TCP sockets), "roce" or "infiniband" (RDMA)
  std::string profile;                  // network.profile as given ("" : none)
  NetworkProfile calibration;           // the profile read (tiers not given stay exact)
  std::string fidelity = "step"; // collectives: "step" (every message), "fast" (aggregated flows),
                                 // "analytic" (closed forms) or "auto" (the cheapest exact one)
  std::string solver = "full";   // SimGrid's max-min sharing: "full" or "lazy" (sim/engine/simgrid_setup.cpp)
  OptionValues topology_options; // the /network keys the topology owns (its fabric's shape)
  std::vector<LinkOverride> overrides;
};

// Real numerics: each rank trains a real model on its shard of a real data set (kernels/).
struct NumericsSpec {
  bool enabled = false;
  kernels::ReplicaSpec replica;   // model, partition, optimizer, batch, seed, backend
  kernels::DatasetSpec dataset;
  std::int64_t train_samples = 0;  // size of the training set (for epochs)
  std::string proxy;               // catalog model whose compute time and message size are charged
  int eval_every = 0;              // evaluate every N iterations (0: only after the last)
  double eval_time = 0;            // simulated seconds each rank spends per evaluation (0: free)
  bool eval_ranks = false;         // decentralized: also evaluate every rank's own model
};

// One layer of a model's profile: its parameters and forward FLOPs per sample (FLOPs = 2 x MACs).
struct LayerProfile {
  double params = 0;
  double flops = 0;
};

// How gradients are grouped into allreduces during the backward pass (allreduce algorithm).
// The policy is a registered FusionPolicy (algorithms/training/fusion_policy.h) with the
// /workload/fusion keys it owns (resolved by its declarations: sizes in bytes, times in s).
struct FusionSpec {
  std::string policy = "none";  // none: one allreduce after backward | ddp | horovod
  OptionValues options;
  bool overlaps() const { return policy != "none"; }
};

// workload.input_pipeline: the hosts' data loading (sim/engine/input_pipeline.h). rate 0: not modelled
// (data is always ready).
struct InputPipelineSpec {
  double rate = 0;   // samples/s one machine's host prepares, shared equally by its GPUs
  int prefetch = 2;  // iterations' batches each GPU's loader may prepare ahead of the GPU
};

struct WorkloadSpec {
  std::string model;                 // catalog name, real model name, or "custom"
  std::int64_t params = 0;
  double bytes_per_param = 4;
  double compute_time = 0;           // s per iteration per GPU (resolved from the catalog if not given)
  std::string compute_time_source;   // "given", "measured throughput", "FLOP model"
  std::string compute_basis;         // the figure used and its source, in words
  std::string precision = "amp";     // fp32 | tf32 | amp | bf16 (math precision of the compute model)
  int batch_per_gpu = 32;
  // Gradient accumulation: the iteration's batch_per_gpu samples (and compute_time) are processed as
  // this many micro-batches and the gradient is exchanged once, after the last; only the last
  // micro-batch's backward pass can overlap the exchange (PyTorch DDP no_sync, Horovod
  // backward_passes_per_step). The gradient, and so real numerics, are those of the whole batch.
  int accumulation_steps = 1;
  double real_flops_per_sample = 0;  // forward + backward of the real model (numerics only)
  double overlap_slowdown = 0;       // compute runs 1 + s times slower while a transfer is in flight; 0: none
  // The backward pass's share of compute_time; 0: 2/3 (backward ~ 2x forward FLOPs). An imported
  // profile (/workload/import) sets the share it measured.
  double backward_share = 0;
  FusionSpec fusion;                 // gradient allreduces overlapped with the backward pass
  InputPipelineSpec input_pipeline;  // host data loading; rate 0: data always ready
  // Forward order (catalog profile, or imported; empty: one layer). The schedule uses `flops` only as
  // each layer's weight in the backward pass (an imported profile puts its backward time there).
  std::vector<LayerProfile> layers;
  NumericsSpec numerics;
  double message_bytes() const { return static_cast<double>(params) * bytes_per_param; }
};

// The training algorithm: its registered name and the /algorithm keys it owns (read and resolved by
// the declarations it registered; the algorithm interprets them).
struct AlgorithmSpec {
  std::string name = "allreduce";
  OptionValues options;
};

// run.recovery: what a synchronous job does when a failure stops it (sim/engine/job_supervisor.h).
// "none": the run ends at the first failure. "checkpoint_restart": the job writes a checkpoint every
// `interval` iterations (or seconds of simulated time), and after a failure waits detection_time, the
// repair of what failed and restart_time, then resumes from the last complete checkpoint.
// "elastic" (TorchElastic, Horovod Elastic): the survivors re-rendezvous (detection_time +
// rendezvous_time) and go on without the failed ranks, from the state every rank committed after the
// last iteration they all finished; repaired ranks join at a later rendezvous (`join`).
struct RecoverySpec {
  std::string policy = "none";     // none | checkpoint_restart | elastic
  int interval_iterations = 0;     // checkpoint after every this many iterations (0: by time)
  double interval_seconds = 0;     // or once this much simulated time has passed since the last one
  double checkpoint_time = 0;      // s to write one checkpoint (given, or bytes / storage bandwidth)
  double checkpoint_bytes = 0;     // 0 when checkpoint_time was given
  bool blocking = true;            // training stops while a checkpoint is written; else it is written behind
  double detection_time = 0;       // s from a failure until the job notices (heartbeat or collective timeout)
  double restart_time = 0;         // s to restart the job (schedule, start processes, load the checkpoint)
  // elastic only:
  double rendezvous_time = 0;      // s for the survivors to agree on the new membership and rebuild the collective
  std::string scaling = "linear";  // linear: per-rank batch kept, lr x p'/p (Goyal et al. 2017); constant: global batch kept
  std::string join = "at_repair";  // when repaired ranks join: at_repair (a rendezvous of its own) | at_failure | never
  int min_ranks = 1;               // fewer live ranks than this: wait for repairs (TorchElastic's min_nodes)
  // Parameter servers under elastic: a shard checkpoints its model every this many of its updates
  // (0: only the initial model) and a failed shard is back, rolled back to it, after server_restore_time.
  int server_checkpoint_interval = 0;
  double server_restore_time = 0;
  bool enabled() const { return policy != "none"; }
  bool elastic() const { return policy == "elastic"; }
};

struct RunSpec {
  int iterations = 10;             // resolved from epochs when those are given
  int warmup_iterations = 1;
  double epochs = 0;               // 0: not used
  double target_accuracy = 0;      // 0: none; else report the time to reach it
  bool stop_at_target = true;      // and stop there (synchronous algorithms)
  RecoverySpec recovery;           // what the job does after a failure (only with run.recovery given)
};

// Stragglers and heterogeneity: every rank's compute time is workload.compute_time times a factor
// drawn per (rank, gradient step) from the scenario seed, so runs are reproducible bit for bit.
struct RankFactor {       // a heterogeneous cluster: ranks first..last compute `factor` times slower
  int first_rank = 0, last_rank = 0;
  double factor = 1;
};
struct SlowdownWindow {   // a transient slowdown: computations starting in [from, to) of simulated time
  int first_rank = 0, last_rank = 0;
  double factor = 1;
  double from = 0, to = 0;
};
struct StragglerSpec {
  std::vector<RankFactor> rank_factors;
  // Compute noise: a registered StragglerNoise (sim/plugin/straggler_noise.h) or "none", with the
  // /stragglers/noise keys it owns (resolved by its declarations).
  std::string noise = "none";
  OptionValues noise_options;
  double jitter_cv = 0;        // set by stragglers.jitter: the CV the lognormal sigma was derived from
  std::vector<SlowdownWindow> slowdowns;
  // Two-state Markov process per rank, stepped once per gradient: normal -> slow with p_slow,
  // slow -> normal with p_recover; the slow state multiplies compute by markov_factor.
  double p_slow = 0, p_recover = 1, markov_factor = 1;
  // Network jitter: every `jitter_period` each link's bandwidth is redrawn as nominal x lognormal (mean 1).
  double jitter_sigma = 0, jitter_period = 0;
  bool any() const {
    return !rank_factors.empty() || noise != "none" || !slowdowns.empty() || p_slow > 0 || jitter_sigma > 0;
  }
};

// Failures (sim/engine/failure_model.h draws them from the scenario seed): renewal processes per GPU,
// per machine (a machine takes its GPUs down with it) and per machine network link, and scheduled
// events. A failed component is back repair_time later (repaired or replaced by a spare).
struct FailureProcessSpec {
  std::string process = "none";  // a FailureProcessRegistry name, or "none"
  OptionValues options;          // that law's resolved keys
  bool any() const { return process != "none"; }
};
enum class FailureTarget { Gpu, Machine, Link, Server };  // Server: a parameter-server shard (scheduled only)
const char* failure_target_name(FailureTarget target);
struct ScheduledFailure {
  double at = 0;                 // simulated seconds
  FailureTarget target = FailureTarget::Machine;
  int index = 0;                 // GPU rank, or machine (the link: that machine's network link)
  std::string path;              // "/failures/events/2", for errors found while running
};
struct FailureSpec {
  FailureProcessSpec gpu, machine, link;
  std::vector<ScheduledFailure> events;
  double repair_time = 0;
  bool any() const { return gpu.any() || machine.any() || link.any() || !events.empty(); }
};

struct OutputSpec {
  std::string dir;
  bool trace = true;
  bool trace_gzip = false;  // output.trace "gzip": trace.json.gz
  bool links = true;        // links.csv and summary.json's bottleneck_links
};

struct Scenario {
  std::string name;
  std::uint64_t seed = 0;
  ClusterSpec cluster;
  NetworkSpec network;
  WorkloadSpec workload;
  AlgorithmSpec algorithm;
  StragglerSpec stragglers;
  FailureSpec failures;
  RunSpec run;
  OutputSpec output;
  nlohmann::json resolved;  // the scenario as understood: defaults filled, SI units
};

struct ScenarioResult {
  Scenario scenario;
  std::vector<std::string> errors;  // one line per problem: "/json/path: message"
  bool ok() const { return errors.empty(); }
};

// Reads the document section by section; never throws on bad content (errors are returned). Plugin
// names and options are checked against the declarations in plugin_family(); the plugins' own
// cross-field checks run in sim/engine/load_scenario.h, which is what callers use.
ScenarioResult read_scenario(const nlohmann::json& document);
// Splits one "--set" item "/pointer=value" (the value is JSON, or a bare word taken as a string);
// returns "" or the problem ("expected /json/pointer=value, ..."). The one --set parser.
std::string parse_override(const std::string& item, std::string& pointer, nlohmann::json& value);
// Applies "--set /pointer=value" overrides to `document` (the value is JSON, or a bare word taken as a
// string); problems are appended to `errors` as "--set ITEM: message".
void apply_overrides(nlohmann::json& document, const std::vector<std::string>& overrides,
                     std::vector<std::string>& errors);

}  // namespace dtsim
