#include "sim/output/outputs.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <iomanip>
#include <unistd.h>

#include "sim/base/atomic_file.h"
#include "sim/output/shortest_number.h"

namespace dtsim {

std::string prepare_output_dir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return "output directory \"" + dir + "\": cannot create it (" + ec.message() + ")";
  // Asked of the kernel, not by writing a probe file: a run killed between creating and removing
  // a probe left it in the user's directory (found by the timed kills of test_output_swap.cpp).
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    return "output directory \"" + dir + "\": not writable (" + std::strerror(errno) + ")";
  remove_stale_temporaries(dir);  // what writers killed in an earlier run left behind
  return "";
}

void write_summary_json(const std::string& path, const nlohmann::json& summary) {
  write_file_atomically(path, summary.dump(2) + "\n");
}

void write_iterations_csv(const std::string& path, const std::vector<IterationRow>& rows) {
  AtomicFile file(path);
  std::fprintf(file.stream(),
               "iteration,warmup,begin_s,end_s,iteration_time_s,compute_time_s,comm_time_s,exposed_comm_time_s,"
               "wait_time_mean_s,wait_time_max_s,bytes_sent_per_rank,train_loss,test_loss,test_accuracy,"
               "consensus_distance,rank_accuracy_min,rank_accuracy_max,comm_span_s,intra_node_busy_s,inter_node_busy_s,"
               "intra_node_bytes_per_rank,inter_node_bytes_per_rank,input_wait_mean_s,input_wait_max_s\n");
  // Shortest round-trip numbers; an empty cell where there is no value (timing-only, not evaluated).
  for (const IterationRow& r : rows) {
    std::string line = std::to_string(r.iteration) + (r.warmup ? ",1" : ",0");
    for (double v : {r.begin, r.end, r.iteration_time, r.compute, r.comm, r.exposed_comm, r.wait_mean, r.wait_max,
                     r.bytes_sent_per_rank, r.train_loss, r.test_loss, r.test_accuracy, r.consensus_distance,
                     r.rank_accuracy_min, r.rank_accuracy_max, r.comm_span, r.intra_busy, r.inter_busy,
                     r.intra_bytes_per_rank, r.inter_bytes_per_rank, r.input_wait_mean, r.input_wait_max})
      line += "," + shortest_number(v);
    line += "\n";
    std::fputs(line.c_str(), file.stream());
  }
  file.commit();
}

namespace {
// The optional files of the outputs line.
std::string trace_listing(const nlohmann::json& output) {
  std::string files;
  const nlohmann::json& trace = output["trace"];
  if (trace.is_string()) files += ", trace.json.gz";
  else if (trace.get<bool>()) files += ", trace.json";
  if (output.value("links", false)) files += ", links.csv";
  return files;
}

std::string seconds(double s) {
  std::ostringstream o;
  o << std::setprecision(4);
  if (s == 0) o << "0 s";
  else if (s < 1e-3) o << s * 1e6 << " us";
  else if (s < 1) o << s * 1e3 << " ms";
  else o << s << " s";
  return o.str();
}
}  // namespace

void print_summary(std::ostream& out, const nlohmann::json& s, const std::string& dir) {
  const auto& sc = s["scenario"];
  out << "dtsim " << s["dtsim_version"].get<std::string>() << " — " << s["name"].get<std::string>() << "\n";
  out << "  cluster     " << s["ranks"] << " GPU ranks (" << sc["cluster"]["nodes"] << " nodes x "
      << sc["cluster"]["gpus_per_node"] << " "
      << (sc["cluster"]["gpu"].is_string() ? sc["cluster"]["gpu"].get<std::string>()
                                          : sc["cluster"]["gpu"]["name"].get<std::string>())
      << ")";
  if (s["servers"].get<int>() > 0) out << " + " << s["servers"] << " server(s)";
  out << ", " << sc["network"]["topology"].get<std::string>() << " @ "
      << sc["network"]["bandwidth"].get<double>() * 8 / 1e9 << " Gbps, model " << sc["network"]["model"].get<std::string>() << "\n";
  out << "  workload    " << sc["workload"]["model"].get<std::string>() << ", " << s["message_bytes"].get<double>() / 1e6
      << " MB per message, batch " << sc["workload"]["batch_per_gpu"] << "/GPU, algorithm "
      << sc["algorithm"]["name"].get<std::string>() << "\n";
  out << std::setprecision(4);
  out << "  iteration   " << seconds(s["iteration_time_s"]) << "  (compute " << seconds(s["compute_time_s"])
      << ", comm " << seconds(s["comm_time_s"]) << " busy / " << seconds(s["comm_span_s"]) << " span, exposed comm "
      << seconds(s["exposed_comm_time_s"])
      << ", wait " << seconds(s["wait_time_s"]["mean"]) << " mean / " << seconds(s["wait_time_s"]["max"]) << " max";
  if (sc["workload"].contains("input_pipeline"))
    out << ", input wait " << seconds(s["input_wait_time_s"]["mean"]) << " mean / "
        << seconds(s["input_wait_time_s"]["max"]) << " max";
  out << ")\n";
  out << "  comm/compute " << s["comm_to_compute_ratio"].get<double>() << ", throughput "
      << s["throughput_samples_per_s"].get<double>() << " samples/s, speedup " << s["speedup"].get<double>()
      << " (efficiency " << 100 * s["scaling_efficiency"].get<double>() << " %)\n";
  if (sc.contains("stragglers") && !sc["stragglers"].empty() && s.contains("stragglers")) {
    const auto& d = s["iteration_time_distribution_s"];
    const auto& st = s["stragglers"];
    out << "  stragglers  iteration p50 " << seconds(d["p50"]) << ", p90 " << seconds(d["p90"]) << ", p99 "
        << seconds(d["p99"]) << "; slowest rank " << st["slowest_rank"] << " (" << seconds(st["slowest_rank_compute_s"])
        << " compute, on the critical path in " << 100 * st["critical_share"].get<double>() << " % of iterations)\n";
  }
  if (s.contains("parameter_server")) {
    const auto& ps = s["parameter_server"];
    out << "  server      " << ps["model_updates"] << " model updates, one per " << seconds(ps["update_interval_s"])
        << "; staleness mean " << ps["staleness"]["mean"].get<double>() << ", max " << ps["staleness"]["max"];
    if (ps["gradients_dropped"].get<std::int64_t>() > 0)
      out << "; " << ps["gradients_dropped"] << " gradients dropped by backup workers ("
          << 100 * ps["wasted_compute_fraction"].get<double>() << " % of compute wasted)";
    if (const std::int64_t late = ps["gradients_unapplied_at_end"].get<std::int64_t>(); late > 0)
      out << "; " << late << (late == 1 ? " gradient" : " gradients")
          << " computed when the update budget ran out, not applied";
    out << "\n";
  }
  if (s.contains("failures")) {
    const auto& f = s["failures"];
    const auto& lost = f["time_lost_s"];
    out << "  failures    " << f["failures_seen"] << " seen, " << f["interruptions"] << " interruptions, "
        << f["checkpoints_written"] << " checkpoints; waste " << 100 * f["waste_fraction"].get<double>()
        << " % (checkpoint " << seconds(lost["checkpoint"]) << ", recompute " << seconds(lost["recompute"])
        << ", restart " << seconds(lost["restart"])
        << (lost.contains("rendezvous") ? ", rendezvous " + seconds(lost["rendezvous"]) : std::string()) << "), goodput " << f["goodput_iterations_per_s"].get<double>()
        << " iterations/s" << (f["ended_by_failure"].get<bool>() ? "; the run ended at its first failure" : "") << "\n";
  }
  if (s.contains("numerics")) {
    const auto& n = s["numerics"];
    out << "  numerics    " << n["model"].get<std::string>() << " (" << n["real_params"] << " params, "
        << n["backend"].get<std::string>() << ")" << (n["proxy"].is_null() ? "" : ", charged as proxy ")
        << (n["proxy"].is_null() ? std::string() : n["proxy"].get<std::string>()) << ", "
        << n["epochs_processed"].get<double>() << " epochs, final train loss " << n["final_train_loss"].get<double>();
    if (!n["final_test_accuracy"].is_null()) out << ", test accuracy " << n["final_test_accuracy"].get<double>();
    out << "\n";
    if (!n["target_accuracy"].is_null()) {
      out << "  target      accuracy " << n["target_accuracy"].get<double>() << ": ";
      if (n["time_to_accuracy_s"].is_null()) out << "not reached\n";
      else out << "reached after " << n["iterations_to_accuracy"] << " iterations, " << seconds(n["time_to_accuracy_s"])
               << " simulated\n";
    }
  }
  out << "  simulated   " << seconds(s["sim_time_s"]) << " in " << seconds(s["wall_time_s"]) << " of wall time\n";
  out << "  outputs     " << dir << "/{summary.json, iterations.csv"
      << trace_listing(sc["output"]) << "}\n";
}

}  // namespace dtsim
