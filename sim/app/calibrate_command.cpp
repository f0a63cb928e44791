#include "sim/app/calibrate_command.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "sim/app/alpha_beta_fit.h"
#include "sim/app/nccl_tests_log.h"
#include "sim/base/atomic_file.h"
#include "sim/base/cli_parse.h"
#include "sim/base/units.h"
#include "sim/scenario/network_profile.h"

namespace dtsim {
namespace {

const char* kCalibrateUsage =
    "dtsim calibrate LOG [LOG] --out FILE --name NAME --system TEXT [options]\n"
    "\n"
    "Fits a network profile (network.profile) to nccl-tests logs (all_reduce_perf, all_gather_perf or\n"
    "sendrecv_perf output, pasted whole: the '#  Rank ... on HOST device ...' lines and the rows). A log\n"
    "whose ranks share one host calibrates the intra_node tier, any other the inter_node tier; one log\n"
    "per tier. Per tier, least squares on relative error fits the ring cost model\n"
    "  all_reduce 2(n-1) alpha + 2(n-1)/n S/beta,  all_gather (n-1) alpha + (n-1)/n S/beta,\n"
    "  sendrecv alpha + S/beta\n"
    "to both the out-of-place and in-place times, then\n"
    "  efficiency = beta / nominal bandwidth,  overhead = alpha - nominal route latency (>= 0).\n"
    "A scenario using the profile with these nominal figures simulates each message in alpha + S/beta.\n"
    "\n"
    "options:\n"
    "  --out FILE              the profile to write (atomically)\n"
    "  --name NAME, --system TEXT, --source TEXT\n"
    "                          the profile's name, the measured system, where the logs were published\n"
    "                          (default: the logs' '# source:' lines)\n"
    "  --intra-bandwidth B     nominal intra-node bandwidth per GPU (default: from the log's device\n"
    "                          names: V100-SXM2 150GBps, A100-SXM4 300GBps, H100 SXM 450GBps)\n"
    "  --inter-bandwidth B     nominal inter-node bandwidth a ring sees (required for an inter-node\n"
    "                          log), e.g. 100Gbps for one 100 GbE NIC per machine\n"
    "  --intra-latency L       nominal route latency inside a machine (default 2us: two 1us NVLink\n"
    "                          links, dtsim's nvlink preset)\n"
    "  --inter-latency L       nominal route latency between machines (default 10us, two 5us links of\n"
    "                          dtsim's default switch, plus 2us of NVLink when machines hold several GPUs)\n"
    "  --collective C          all_reduce, all_gather or sendrecv, when the log does not say\n"
    "  --ranks N, --hosts H    for a log pasted without its rank lines\n"
    "  --min-bytes S, --max-bytes S\n"
    "                          fit only rows with min <= size <= max (default: every row)\n";

std::string format_number(double value, int digits = 6) {
  std::ostringstream s;
  s << std::setprecision(digits) << value;
  return s.str();
}

std::string cost_formula(const std::string& collective) {
  if (collective == "all_reduce") return "2(n-1) alpha + 2(n-1)/n S / beta";
  if (collective == "all_gather") return "(n-1) alpha + (n-1)/n S / beta";
  return "alpha + S / beta";
}

struct TierOptions {
  std::string bandwidth_arg, latency_arg;
};

}  // namespace

double nominal_nvlink_bandwidth(const std::string& device) {
  // NVIDIA datasheets give the bidirectional NVLink total per GPU; one direction is half.
  if (device.find("V100-SXM2") != std::string::npos) return 150e9;  // NVLink 2: 6 links, 300 GB/s
  if (device.find("A100-SXM4") != std::string::npos) return 300e9;  // NVLink 3: 12 links, 600 GB/s
  if (device.find("H100 80GB HBM3") != std::string::npos || device.find("H100-SXM") != std::string::npos)
    return 450e9;  // NVLink 4: 18 links, 900 GB/s
  return 0;
}

int calibrate_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::vector<std::string> logs;
  std::string out_file, name, system, source, collective_arg, min_arg, max_arg;
  TierOptions intra_opt, inter_opt;
  CLI::App app(kCalibrateUsage, "dtsim calibrate");
  app.add_option("LOG", logs, "nccl-tests logs (one per tier)");
  app.add_option("--out", out_file, "the profile file to write");
  app.add_option("--name", name, "the profile's name");
  app.add_option("--system", system, "the measured system, in words");
  app.add_option("--source", source, "where the logs were published");
  app.add_option("--intra-bandwidth", intra_opt.bandwidth_arg, "nominal intra-node bandwidth");
  app.add_option("--inter-bandwidth", inter_opt.bandwidth_arg, "nominal inter-node bandwidth");
  app.add_option("--intra-latency", intra_opt.latency_arg, "nominal intra-node route latency");
  app.add_option("--inter-latency", inter_opt.latency_arg, "nominal inter-node route latency");
  app.add_option("--collective", collective_arg, "all_reduce, all_gather or sendrecv");
  int ranks_arg = 0, hosts_arg = 0;
  app.add_option("--ranks", ranks_arg, "ranks, for a log pasted without its rank lines");
  app.add_option("--hosts", hosts_arg, "hosts, for a log pasted without its rank lines");
  app.add_option("--min-bytes", min_arg, "smallest size fitted");
  app.add_option("--max-bytes", max_arg, "largest size fitted");
  if (int rc = cli::parse(app, "calibrate", args, out, err); rc >= 0) return rc;
  auto bad = [&](const std::string& message) { return cli::usage_error(err, "calibrate", message); };
  if (logs.empty()) return bad("give at least one nccl-tests log");
  if (logs.size() > 2) return bad("at most two logs: one per tier");
  if (out_file.empty()) return bad("--out FILE is required");
  if (name.empty()) return bad("--name is required");
  if (system.empty()) return bad("--system is required");
  double min_bytes = 0, max_bytes = INFINITY;
  for (auto [flag, text, into] : {std::make_tuple("--min-bytes", &min_arg, &min_bytes),
                                  std::make_tuple("--max-bytes", &max_arg, &max_bytes)}) {
    if (!app.count(flag)) continue;
    auto size = units::parse_size(*text);
    if (!size || *size < 0)
      return bad(std::string(flag) + ": \"" + *text + "\" is not a size; use e.g. 8, \"64KiB\", \"1GiB\"");
    *into = *size;
  }
  if (min_bytes > max_bytes) return bad("--min-bytes is above --max-bytes");
  // Every tier's options are checked here, also those of a tier no log calibrates.
  for (const auto& [flag, opt] : {std::make_pair(std::string("--intra"), &intra_opt),
                                  std::make_pair(std::string("--inter"), &inter_opt)}) {
    if (!opt->bandwidth_arg.empty()) {
      auto b = units::parse_bandwidth(opt->bandwidth_arg);
      if (!b || !(*b > 0)) return bad(flag + "-bandwidth: \"" + opt->bandwidth_arg + "\" is not a bandwidth; use e.g. 100Gbps");
    }
    if (!opt->latency_arg.empty()) {
      auto l = units::parse_duration(opt->latency_arg);
      if (!l || !(*l >= 0)) return bad(flag + "-latency: \"" + opt->latency_arg + "\" is not a duration; use e.g. 10us");
    }
  }
  if (!collective_arg.empty() && collective_arg != "all_reduce" && collective_arg != "all_gather" &&
      collective_arg != "sendrecv")
    return bad("--collective: \"" + collective_arg + "\"; allowed: all_reduce, all_gather, sendrecv");

  nlohmann::json tiers = nlohmann::json::object(), log_entries = nlohmann::json::array();
  std::set<std::string> sources;
  std::vector<std::string> errors;
  for (const std::string& file : logs) {
    std::ifstream in(file);
    if (!in) {
      err << "error: " << file << ": cannot open the log\n";
      return kBadInput;
    }
    NcclTestsLog log = parse_nccl_tests_log(in, file, errors);
    if (!errors.empty()) break;
    if (log.ranks() == 0) {  // pasted without its rank lines: --ranks and --hosts say what ran
      if (ranks_arg < 2 || hosts_arg < 1 || ranks_arg % hosts_arg != 0) {
        errors.push_back(file + ": no rank lines (\"#  Rank  0 Group  0 Pid ... on HOST device N ...\"); paste the "
                                "log with its header, or give --ranks N --hosts H (H dividing N)");
        break;
      }
      for (int r = 0; r < ranks_arg; ++r) {
        log.rank_hosts.push_back("host" + std::to_string(r / (ranks_arg / hosts_arg)));
        log.devices.push_back("(not in the log)");
      }
    } else if ((ranks_arg && ranks_arg != log.ranks()) || (hosts_arg && hosts_arg != log.hosts())) {
      errors.push_back(file + ": the rank lines give " + std::to_string(log.ranks()) + " ranks on " +
                       std::to_string(log.hosts()) + " hosts, not --ranks " + std::to_string(ranks_arg) +
                       " --hosts " + std::to_string(hosts_arg));
      break;
    }
    for (const std::string& s : log.sources) sources.insert(s);
    std::string collective = log.collective.empty() ? collective_arg : log.collective;
    if (!collective_arg.empty() && !log.collective.empty() && collective_arg != log.collective) {
      errors.push_back(file + ": the log is " + log.collective + "_perf, not " + collective_arg);
      break;
    }
    if (collective.empty()) {
      errors.push_back(file + ": the log does not say which test it ran (no \"# Collective test starting:\" "
                              "line); give --collective all_reduce|all_gather|sendrecv");
      break;
    }
    const bool intra = log.hosts() == 1;
    const std::string tier = intra ? "intra_node" : "inter_node";
    if (tiers.contains(tier)) {
      errors.push_back(file + ": a second " + tier + " log (" + std::to_string(log.hosts()) +
                       " hosts); give one log per tier");
      break;
    }
    const TierOptions& opt = intra ? intra_opt : inter_opt;
    const std::string flag = intra ? "--intra" : "--inter";
    TierCalibration t;
    t.given = true;
    if (!opt.bandwidth_arg.empty()) {
      auto b = units::parse_bandwidth(opt.bandwidth_arg);
      if (!b || *b <= 0) return bad(flag + "-bandwidth: \"" + opt.bandwidth_arg + "\" is not a bandwidth; use e.g. 100Gbps");
      t.nominal_bandwidth = *b;
    } else if (intra) {
      t.nominal_bandwidth = nominal_nvlink_bandwidth(log.devices.front());
      if (t.nominal_bandwidth <= 0)
        return bad(file + ": no nominal NVLink bandwidth known for device \"" + log.devices.front() +
                   "\"; give --intra-bandwidth");
    } else {
      return bad(file + " spans " + std::to_string(log.hosts()) + " hosts (inter_node): give --inter-bandwidth");
    }
    if (!opt.latency_arg.empty()) {
      auto l = units::parse_duration(opt.latency_arg);
      if (!l || *l < 0) return bad(flag + "-latency: \"" + opt.latency_arg + "\" is not a duration; use e.g. 10us");
      t.nominal_latency = *l;
    } else {
      t.nominal_latency = intra ? 2e-6 : 10e-6 + (log.ranks_per_host() > 1 ? 2e-6 : 0);
    }
    CostShape shape;
    try {
      shape = collective_cost_shape(collective, log.ranks());
    } catch (const std::invalid_argument& e) {
      errors.push_back(file + ": " + e.what());
      break;
    }
    std::vector<FitPoint> points;
    std::vector<NcclTestsRow> used;
    for (const NcclTestsRow& row : log.rows) {
      if (row.bytes < min_bytes || row.bytes > max_bytes || row.bytes <= 0) continue;
      used.push_back(row);
      points.push_back({row.bytes, row.out_of_place_s});
      points.push_back({row.bytes, row.in_place_s});
    }
    AlphaBetaFit fit;
    try {
      fit = fit_alpha_beta(shape, points);
    } catch (const std::invalid_argument& e) {
      errors.push_back(file + ": " + e.what() + " (" + std::to_string(used.size()) + " rows in the size range)");
      break;
    }
    t.alpha = fit.alpha;
    t.beta = fit.beta;
    t.efficiency = fit.beta / t.nominal_bandwidth;
    if (t.efficiency > 1) {
      errors.push_back(file + ": the fitted bandwidth " + format_number(fit.beta / 1e9) +
                       " GB/s exceeds the nominal " + format_number(t.nominal_bandwidth / 1e9) + " GB/s; give the "
                       "right " + flag + "-bandwidth");
      break;
    }
    t.overhead = std::max(0.0, fit.alpha - t.nominal_latency);

    out << file << ": " << collective << "_perf, " << log.ranks() << " ranks on " << log.hosts() << " host"
        << (log.hosts() > 1 ? "s" : "") << " (" << log.devices.front() << ") -> " << tier << "\n";
    out << "  model " << cost_formula(collective) << ", n = " << log.ranks() << ", " << used.size()
        << " sizes x (out-of-place, in-place)\n";
    out << "  " << std::setw(12) << "size (B)" << std::setw(12) << "out (us)" << std::setw(12) << "in (us)"
        << std::setw(12) << "model (us)" << std::setw(10) << "err out" << std::setw(10) << "err in" << "\n";
    nlohmann::json residuals = nlohmann::json::array();
    for (const NcclTestsRow& row : used) {
      const double model = fit.predict(shape, row.bytes);
      const double e_out = (model - row.out_of_place_s) / row.out_of_place_s;
      const double e_in = (model - row.in_place_s) / row.in_place_s;
      char line[160];
      std::snprintf(line, sizeof line, "  %12.0f %11.2f %11.2f %11.2f %+9.1f%% %+9.1f%%\n", row.bytes,
                    row.out_of_place_s * 1e6, row.in_place_s * 1e6, model * 1e6, 100 * e_out, 100 * e_in);
      out << line;
      residuals.push_back({{"bytes", row.bytes}, {"out_of_place_s", row.out_of_place_s},
                           {"in_place_s", row.in_place_s}, {"model_s", model},
                           {"relative_error_out_of_place", e_out}, {"relative_error_in_place", e_in},
                           {"line", row.line}});
    }
    out << "  alpha " << format_number(fit.alpha * 1e6) << " us, beta " << format_number(fit.beta / 1e9)
        << " GB/s; nominal " << format_number(t.nominal_bandwidth / 1e9) << " GB/s, "
        << format_number(t.nominal_latency * 1e6) << " us -> efficiency " << format_number(t.efficiency, 4)
        << ", overhead " << format_number(t.overhead * 1e6) << " us\n";
    out << "  relative error: max " << format_number(100 * fit.max_relative_error, 3) << " %, RMS "
        << format_number(100 * fit.rms_relative_error, 3) << " %\n";
    if (fit.alpha_clamped) out << "  note: the unconstrained fit gave alpha < 0; alpha fixed at 0\n";
    if (fit.alpha < t.nominal_latency)
      out << "  note: alpha is below the nominal route latency: overhead 0, so simulated messages cost "
          << format_number(t.nominal_latency * 1e6) << " us of latency, not alpha\n";

    nlohmann::json tier_json = tier_to_json(t);
    std::set<std::string> devices(log.devices.begin(), log.devices.end());
    tier_json["fit"] = {{"log", file},
                        {"collective", collective},
                        {"model", cost_formula(collective)},
                        {"ranks", log.ranks()},
                        {"hosts", log.hosts()},
                        {"points", points.size()},
                        {"weighting", "least squares on relative error"},
                        {"alpha_clamped", fit.alpha_clamped},
                        {"max_relative_error", fit.max_relative_error},
                        {"rms_relative_error", fit.rms_relative_error},
                        {"residuals", residuals}};
    tiers[tier] = tier_json;
    log_entries.push_back({{"file", file}, {"tier", tier}, {"collective", collective}, {"ranks", log.ranks()},
                           {"hosts", log.hosts()}, {"devices", devices}, {"sources", log.sources}});
  }
  if (!errors.empty()) {
    for (const std::string& e : errors) err << "error: " << e << "\n";
    return kBadInput;
  }
  if (source.empty())
    for (const std::string& s : sources) source += (source.empty() ? "" : "; ") + s;
  if (source.empty()) return bad("no --source and no '# source:' line in the logs: say where they come from");
  std::string command = "dtsim calibrate";
  for (const std::string& a : args) command += " " + (a.find(' ') == std::string::npos ? a : nlohmann::json(a).dump());
  nlohmann::json profile = {{"name", name}, {"system", system}, {"source", source}, {"generated_by", command},
                            {"tiers", tiers}, {"logs", log_entries}};
  ErrorList check;  // what dtsim will read back must be a valid profile
  read_network_profile(profile, out_file, check);
  if (!check.empty()) {
    for (const std::string& e : check.lines) err << "error: " << e << "\n";
    return kBadInput;
  }
  try {
    write_file_atomically(out_file, profile.dump(2) + "\n");
  } catch (const std::exception& e) {
    err << "error: " << e.what() << "\n";
    return 1;
  }
  out << "wrote " << out_file << "\n";
  return 0;
}

}  // namespace dtsim
