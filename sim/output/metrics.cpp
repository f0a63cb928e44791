#include "sim/output/metrics.h"

#include "sim/engine/fidelity_choice.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace dtsim {

int effective_warmup(const Scenario& scenario, const RunResult& run) {
  return std::min(scenario.run.warmup_iterations, std::max(run.iterations_run - 1, 0));
}

namespace {
// Each GPU rank's mean of one breakdown field over the measured iterations (warm-up excluded).
std::vector<double> per_rank_means(const RunResult& run, int warmup, double IterationBreakdown::*field) {
  std::vector<double> means(static_cast<std::size_t>(run.workers), 0.0);
  for (const IterationBreakdown& b : run.recorder.iterations())
    if (b.endpoint < run.workers && b.iteration >= warmup && b.iteration < run.iterations_run)
      means[static_cast<std::size_t>(b.endpoint)] += b.*field;
  const int measured = run.iterations_run - warmup;
  if (measured > 0)
    for (double& m : means) m /= measured;
  return means;
}
}  // namespace

std::vector<IterationRow> iteration_rows(const Scenario& scenario, const RunResult& run) {
  const int iterations = run.iterations_run;
  const int workers = run.workers;
  std::vector<IterationRow> rows(iterations);
  for (int k = 0; k < iterations; ++k) {
    rows[k].iteration = k;
    rows[k].warmup = k < effective_warmup(scenario, run);
    rows[k].begin = std::numeric_limits<double>::infinity();
  }
  // Means over the ranks that ran the iteration: all of them, except where asynchronous workers
  // ran different numbers of iterations.
  std::vector<int> ranks_in(iterations, 0), communicating(iterations, 0);
  std::vector<double> enter(iterations, std::numeric_limits<double>::infinity());
  std::vector<double> leave(iterations, -std::numeric_limits<double>::infinity());
  for (const IterationBreakdown& b : run.recorder.iterations())
    if (b.endpoint < workers && b.iteration < iterations) ++ranks_in[b.iteration];
  for (const IterationBreakdown& b : run.recorder.iterations()) {
    if (b.endpoint >= workers || b.iteration >= iterations) continue;  // servers are not GPU ranks
    IterationRow& r = rows[b.iteration];
    const double share = 1.0 / ranks_in[b.iteration];
    r.begin = std::min(r.begin, b.begin);
    r.end = std::max(r.end, b.end);
    r.compute += b.compute * share;
    r.comm += b.comm * share;
    r.exposed_comm += b.exposed_comm * share;
    r.wait_mean += b.wait * share;
    r.wait_max = std::max(r.wait_max, b.wait);
    r.input_wait_mean += b.input_wait * share;
    r.input_wait_max = std::max(r.input_wait_max, b.input_wait);
    r.bytes_sent_per_rank += b.bytes_sent * share;
    r.intra_busy += b.intra_busy * share;
    r.inter_busy += b.inter_busy * share;
    r.intra_bytes_per_rank += b.intra_bytes * share;
    r.inter_bytes_per_rank += b.inter_bytes * share;
    if (std::isnan(b.comm_enter)) continue;
    ++communicating[b.iteration];
    enter[b.iteration] = std::min(enter[b.iteration], b.comm_enter);
    leave[b.iteration] = std::max(leave[b.iteration], b.comm_leave);
    if (!run.synchronous) r.comm_span += b.comm_leave - b.comm_enter;  // divided below
  }
  for (int k = 0; k < iterations; ++k) {
    if (communicating[k] == 0) continue;
    if (run.synchronous) rows[k].comm_span = leave[k] - enter[k];
    else rows[k].comm_span /= communicating[k];
  }
  if (run.synchronous) {
    for (int k = 0; k < iterations; ++k)
      rows[k].iteration_time = rows[k].end - (k == 0 ? rows[0].begin : rows[k - 1].end);
  } else {  // asynchronous ranks: the mean over ranks of each one's own iteration
    for (const IterationBreakdown& b : run.recorder.iterations())
      if (b.endpoint < workers && b.iteration < iterations)
        rows[b.iteration].iteration_time += (b.end - b.begin) / ranks_in[b.iteration];
  }
  if (run.numerics) {
    for (int k = 0; k < iterations; ++k) {
      rows[k].train_loss = run.numerics->train_loss[k];
      if (const auto& e = run.numerics->evaluation[k]) {
        rows[k].test_loss = e->loss;
        if (e->accuracy) rows[k].test_accuracy = *e->accuracy;
      }
      if (const auto& c = run.numerics->consensus_distance[k]) rows[k].consensus_distance = *c;
      if (const auto& range = run.numerics->rank_accuracy_range[k]) {
        rows[k].rank_accuracy_min = range->first;
        rows[k].rank_accuracy_max = range->second;
      }
    }
  }
  return rows;
}

namespace {

nlohmann::json summarize_numerics(const Scenario& scenario, const RunResult& run,
                                  const std::vector<IterationRow>& rows) {
  const NumericsLog& log = *run.numerics;
  nlohmann::json n;
  n["model"] = scenario.workload.model;
  n["real_params"] = log.real_params;
  n["backend"] = log.backend;
  if (!log.backend_note.empty()) n["backend_note"] = log.backend_note;
  // A proxy run trains a small real model but charges a catalog model's time and message size.
  n["proxy"] = scenario.workload.numerics.proxy.empty() ? nlohmann::json(nullptr)
                                                        : nlohmann::json(scenario.workload.numerics.proxy);
  n["samples_processed"] = log.samples_processed;
  n["batched_gradient_steps"] = log.batched_steps;
  n["epochs_processed"] = static_cast<double>(log.samples_processed) / scenario.workload.numerics.train_samples;
  n["final_train_loss"] = rows.empty() ? 0.0 : rows.back().train_loss;
  n["final_test_loss"] = nullptr;
  n["final_test_accuracy"] = nullptr;
  for (const IterationRow& r : rows) {
    if (!std::isnan(r.consensus_distance)) n["final_consensus_distance"] = r.consensus_distance;
    if (!std::isnan(r.rank_accuracy_min))
      n["final_rank_accuracy"] = {{"min", r.rank_accuracy_min}, {"max", r.rank_accuracy_max}};
    if (!std::isnan(r.test_loss)) n["final_test_loss"] = r.test_loss;
    if (!std::isnan(r.test_accuracy)) n["final_test_accuracy"] = r.test_accuracy;
  }
  n["target_accuracy"] = scenario.run.target_accuracy > 0 ? nlohmann::json(scenario.run.target_accuracy)
                                                          : nlohmann::json(nullptr);
  n["time_to_accuracy_s"] = nullptr;  // simulated time at the end of the first iteration reaching it
  n["iterations_to_accuracy"] = nullptr;
  if (scenario.run.target_accuracy > 0) {
    for (const IterationRow& r : rows) {
      if (!std::isnan(r.test_accuracy) && r.test_accuracy >= scenario.run.target_accuracy) {
        n["time_to_accuracy_s"] = r.end;
        n["iterations_to_accuracy"] = r.iteration + 1;
        break;
      }
    }
  }
  if (log.distance_to_optimum) n["relative_distance_to_optimum"] = *log.distance_to_optimum;
  n["numerics_wall_time_s"] = log.wall_time_s;
  return n;
}

// The value below which a fraction q of `values` lies (linear interpolation between order statistics).
double percentile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const double position = q * static_cast<double>(values.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(position));
  const std::size_t above = std::min(below + 1, values.size() - 1);
  return values[below] + (position - static_cast<double>(below)) * (values[above] - values[below]);
}

// Failures and recovery: the wall time split into useful work and time lost by cause, goodput, and
// the figures of the first-order checkpoint model (Young 1974; Daly 2006) to compare with.
nlohmann::json summarize_resilience(const Scenario& scenario, const RunResult& run) {
  const ResilienceLog& log = *run.resilience;
  const double wall = run.sim_time_s;
  const double lost = log.checkpoint_s + log.recompute_s + log.down_s + log.rendezvous_s;
  nlohmann::json f;
  f["failures_seen"] = log.failures;
  f["interruptions"] = log.interruptions;
  f["checkpoints_written"] = log.checkpoints;
  f["ended_by_failure"] = log.ended_by_failure;
  f["useful_iterations"] = run.iterations_run;
  f["goodput_iterations_per_s"] = wall > 0 ? run.iterations_run / wall : 0.0;
  f["time_lost_s"] = {{"checkpoint", log.checkpoint_s}, {"recompute", log.recompute_s}, {"restart", log.down_s}};
  if (scenario.run.recovery.elastic()) {  // (only then, so other runs keep their outputs)
    f["time_lost_s"]["rendezvous"] = log.rendezvous_s;
    f["rendezvous"] = log.rendezvous;
    f["final_ranks"] = log.final_ranks;
  }
  f["useful_time_s"] = wall - lost;
  f["waste_fraction"] = wall > 0 ? lost / wall : 0.0;
  f["mean_time_between_interruptions_s"] =
      log.interruptions > 0 ? nlohmann::json(wall / log.interruptions) : nlohmann::json(nullptr);
  f["job_mtbf_s"] = log.job_failure_rate > 0 ? nlohmann::json(1 / log.job_failure_rate) : nlohmann::json(nullptr);
  const RecoverySpec& r = scenario.run.recovery;
  f["checkpoint_time_s"] = r.checkpoint_time;
  // Young's optimum interval sqrt(2 delta M), delta the checkpoint time, M the job's MTBF.
  f["young_daly_interval_s"] = log.job_failure_rate > 0 && r.checkpoint_time > 0
                                   ? nlohmann::json(std::sqrt(2 * r.checkpoint_time / log.job_failure_rate))
                                   : nlohmann::json(nullptr);
  return f;
}

// The distribution of iteration times: of the lockstep iterations, or of every rank's own iterations
// when the ranks run asynchronously (those summaries have iterations_per_rank). Seconds only: a label
// here would be a text column among numbers in a sweep's results.csv.
nlohmann::json iteration_time_distribution(const RunResult& run, const std::vector<IterationRow>& rows, int warmup) {
  std::vector<double> times;
  if (run.synchronous) {
    for (int k = warmup; k < run.iterations_run; ++k) times.push_back(rows[k].iteration_time);
  } else {
    for (const IterationBreakdown& b : run.recorder.iterations())
      if (b.endpoint < run.workers && b.iteration >= warmup && b.iteration < run.iterations_run) times.push_back(b.end - b.begin);
  }
  return {{"p50", percentile(times, 0.5)}, {"p90", percentile(times, 0.9)}, {"p99", percentile(times, 0.99)},
          {"max", times.empty() ? 0.0 : *std::max_element(times.begin(), times.end())}};
}

// Who holds the others up: in each measured iteration the rank with the longest compute is on the
// critical path of a synchronous step. The slowest rank is the one with the most compute overall;
// critical_share is the fraction of iterations in which it was that rank.
nlohmann::json straggler_summary(const RunResult& run, int warmup) {
  const int measured = run.iterations_run - warmup;
  std::vector<double> rank_compute(run.workers, 0.0);
  std::vector<std::pair<double, int>> longest(run.iterations_run, {-1.0, -1});
  std::vector<double> compute_sum(run.iterations_run, 0.0);
  for (const IterationBreakdown& b : run.recorder.iterations()) {
    if (b.endpoint >= run.workers || b.iteration < warmup || b.iteration >= run.iterations_run) continue;
    rank_compute[b.endpoint] += b.compute;
    compute_sum[b.iteration] += b.compute;
    // Ties go to the lower rank, so the choice does not depend on the order ranks finished in.
    auto& l = longest[b.iteration];
    if (b.compute > l.first || (b.compute == l.first && b.endpoint < l.second)) l = {b.compute, b.endpoint};
  }
  for (double& c : rank_compute) c /= measured;  // divided once (see summarize)
  const int slowest = static_cast<int>(std::max_element(rank_compute.begin(), rank_compute.end()) - rank_compute.begin());
  int critical = 0;
  double delay = 0;
  for (int k = warmup; k < run.iterations_run; ++k) {
    // An iteration where every rank computed equally long has no straggler.
    const bool uneven = longest[k].first * run.workers > compute_sum[k] * (1 + 1e-12);
    critical += uneven && longest[k].second == slowest;
    // Even iterations add exactly 0: their mean (a sum / n) would differ from the max by rounding.
    if (uneven) delay += longest[k].first - compute_sum[k] / run.workers;
  }
  delay /= measured;
  return {{"slowest_rank", slowest},
          {"slowest_rank_compute_s", rank_compute[slowest]},
          {"critical_share", measured > 0 ? static_cast<double>(critical) / measured : 0.0},
          {"max_minus_mean_compute_s", delay}};
}

// Parameter servers that hold the model: staleness of the applied gradients, dropped (backup) work
// and the pace of model updates.
// Staleness of the applied gradients: mean, max and histogram.
nlohmann::json staleness_summary(const AlgorithmCounters& c) {
  double sum = 0;
  std::int64_t count = 0, max = 0;
  for (std::size_t s = 0; s < c.staleness.size(); ++s) {
    sum += static_cast<double>(s) * c.staleness[s];
    count += c.staleness[s];
    if (c.staleness[s] > 0) max = static_cast<std::int64_t>(s);
  }
  return {{"mean", count > 0 ? sum / count : 0.0}, {"max", max}, {"histogram", c.staleness}};
}

nlohmann::json server_summary(const Scenario& scenario, const RunResult& run, double total_compute) {
  const AlgorithmCounters& c = run.recorder.counters();
  nlohmann::json out;
  out["staleness"] = staleness_summary(c);
  out["gradients_applied"] = c.gradients_applied;
  out["gradients_dropped"] = c.gradients_dropped;
  out["dropped_compute_s"] = c.dropped_compute_s;
  out["wasted_compute_fraction"] = total_compute > 0 ? c.dropped_compute_s / total_compute : 0.0;
  // Asynchronous PS: gradients in flight when the update budget ran out (end of run, not waste of a policy).
  out["gradients_unapplied_at_end"] = c.gradients_unapplied_at_end;
  out["unapplied_compute_s"] = c.unapplied_compute_s;
  out["model_updates"] = c.update_times.size();
  if (scenario.run.recovery.elastic()) out["updates_rolled_back"] = c.updates_rolled_back;  // failed shards
  // Mean time between updates, leaving out the first warmup_iterations updates.
  const std::size_t skip = std::min<std::size_t>(static_cast<std::size_t>(scenario.run.warmup_iterations),
                                                 c.update_times.empty() ? 0 : c.update_times.size() - 1);
  double interval = 0;
  if (c.update_times.size() > skip + 1)
    interval = (c.update_times.back() - c.update_times[skip]) / static_cast<double>(c.update_times.size() - 1 - skip);
  else if (!c.update_times.empty())
    interval = c.update_times.back() / static_cast<double>(c.update_times.size());
  out["update_interval_s"] = interval;
  return out;
}

}  // namespace

nlohmann::json summarize(const Scenario& scenario, const RunResult& run, const std::vector<IterationRow>& rows) {
  const int workers = run.workers;
  const int warmup = effective_warmup(scenario, run);
  const int measured = run.iterations_run - warmup;
  // Means as sums divided once: a sum of quotients turns n equal values of 102228128 B into
  // 102228127.99999999.
  double iteration = 0, compute = 0, comm = 0, exposed = 0, wait_mean = 0, input_wait = 0, bytes = 0, span = 0;
  double intra_busy = 0, inter_busy = 0, intra_bytes = 0, inter_bytes = 0;
  for (int k = warmup; k < run.iterations_run; ++k) {
    iteration += rows[k].iteration_time;
    compute += rows[k].compute;
    comm += rows[k].comm;
    exposed += rows[k].exposed_comm;
    wait_mean += rows[k].wait_mean;
    input_wait += rows[k].input_wait_mean;
    bytes += rows[k].bytes_sent_per_rank;
    span += rows[k].comm_span;
    intra_busy += rows[k].intra_busy;
    inter_busy += rows[k].inter_busy;
    intra_bytes += rows[k].intra_bytes_per_rank;
    inter_bytes += rows[k].inter_bytes_per_rank;
  }
  for (double* sum : {&iteration, &compute, &comm, &exposed, &wait_mean, &input_wait, &bytes, &span, &intra_busy,
                      &inter_busy, &intra_bytes, &inter_bytes})
    if (measured > 0) *sum /= measured;
  // Per-rank mean waits over measured iterations; the worst rank shows who waits on stragglers (or on
  // its data loader).
  const std::vector<double> rank_wait = per_rank_means(run, warmup, &IterationBreakdown::wait);
  const double wait_max = rank_wait.empty() ? 0 : *std::max_element(rank_wait.begin(), rank_wait.end());
  const std::vector<double> rank_input_wait = per_rank_means(run, warmup, &IterationBreakdown::input_wait);
  const double input_wait_max =
      rank_input_wait.empty() ? 0 : *std::max_element(rank_input_wait.begin(), rank_input_wait.end());

  const double global_batch = static_cast<double>(workers) * scenario.workload.batch_per_gpu;
  const double throughput = iteration > 0 ? global_batch / iteration : 0;
  // Baseline: one GPU doing the same per-GPU work with no communication.
  const double single_gpu_time = scenario.workload.compute_time;
  const double single_gpu_throughput = single_gpu_time > 0 ? scenario.workload.batch_per_gpu / single_gpu_time : 0;
  const double speedup = single_gpu_throughput > 0 ? throughput / single_gpu_throughput : 0;

  nlohmann::json s;
  s["dtsim_version"] = DTSIM_VERSION;
  s["name"] = scenario.name;
  s["ranks"] = workers;
  s["servers"] = run.servers * run.shards_per_server;  // shards, also where symmetric ones ran as one
  s["iterations"] = run.iterations_run;
  s["measured_iterations"] = measured;
  s["iteration_time_s"] = iteration;
  s["compute_time_s"] = compute;
  s["comm_time_s"] = comm;
  s["exposed_comm_time_s"] = exposed;
  s["comm_span_s"] = span;
  s["comm_tiers"] = {{"intra_node", {{"bytes_sent_per_rank", intra_bytes}, {"busy_time_s", intra_busy}}},
                     {"inter_node", {{"bytes_sent_per_rank", inter_bytes}, {"busy_time_s", inter_busy}}}};
  // The collective's wall time over compute: what a profile of the step shows. (It was comm_time_s /
  // compute, which on multi-GPU machines counts the ranks idle between their fast intra-node hops.)
  s["comm_to_compute_ratio"] = compute > 0 ? span / compute : 0;
  s["wait_time_s"] = {{"mean", wait_mean}, {"max", wait_max}, {"per_rank", rank_wait}};
  s["input_wait_time_s"] = {{"mean", input_wait}, {"max", input_wait_max}};
  s["iteration_time_distribution_s"] = iteration_time_distribution(run, rows, warmup);
  if (!run.synchronous) {  // asynchronous workers run as many iterations as their speed allows
    std::vector<int> per_rank(workers, 0);
    for (const IterationBreakdown& b : run.recorder.iterations())
      if (b.endpoint < workers) ++per_rank[b.endpoint];
    s["iterations_per_rank"] = per_rank;
  }
  if (workers > 1 && measured > 0) s["stragglers"] = straggler_summary(run, warmup);
  const AlgorithmCounters& counters = run.recorder.counters();
  if (run.servers > 0 && (counters.gradients_applied > 0 || !counters.update_times.empty())) {
    double total_compute = 0;  // every rank, every iteration (the dropped work is counted over all)
    for (const IterationBreakdown& b : run.recorder.iterations())
      if (b.endpoint < workers) total_compute += b.compute;
    s["parameter_server"] = server_summary(scenario, run, total_compute);
  } else if (!counters.staleness.empty()) {  // asynchronous decentralized training (AD-PSGD)
    s["staleness"] = staleness_summary(counters);
  }
  s["throughput_samples_per_s"] = throughput;
  s["single_gpu_iteration_time_s"] = single_gpu_time;
  s["speedup"] = speedup;
  s["scaling_efficiency"] = workers > 0 ? speedup / workers : 0;
  s["bytes_sent_per_rank_per_iteration"] = bytes;
  s["message_bytes"] = scenario.workload.message_bytes();
  s["compute_time_source"] = scenario.workload.compute_time_source;
  s["compute_basis"] = scenario.workload.compute_basis;  // the published figure or FLOP model used, with its source
  s["precision"] = scenario.workload.precision;
  s["sim_time_s"] = run.sim_time_s;
  s["fidelity"] = fidelity_summary(scenario);
  if (run.numerics) s["numerics"] = summarize_numerics(scenario, run, rows);
  if (run.resilience) s["failures"] = summarize_resilience(scenario, run);
  s["scenario"] = scenario.resolved;
  return s;
}

}  // namespace dtsim
