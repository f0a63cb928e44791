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

}  // namespace

double nominal_nvlink_bandwidth(const std::string& device) {
  // NVIDIA datasheets give the bidirectional NVLink total per GPU; one direction is half.
  if (device.find("V100-SXM2") != std::string::npos) return 150e9;  // NVLink 2: 6 links, 300 GB/s
  if (device.find("A100-SXM4") != std::string::npos) return 300e9;  // NVLink 3: 12 links, 600 GB/s
  if (device.find("H100 80GB HBM3") != std::string::npos || device.find("H100-SXM") != std::string::npos)
    return 450e9;  // NVLink 4: 18 links, 900 GB/s
  return 0;
}

namespace {

struct TierOptions {
  std::string bandwidth_arg, latency_arg;
};

struct CalibrateArgs {
  std::vector<std::string> logs;
  std::string out_file, name, system, source, collective_arg, min_arg, max_arg;
  TierOptions intra, inter;
  int ranks = 0, hosts = 0;
  double min_bytes = 0, max_bytes = INFINITY;
};

void declare_options(CLI::App& app, CalibrateArgs& a) {
  app.add_option("LOG", a.logs, "nccl-tests logs (one per tier)");
  app.add_option("--out", a.out_file, "the profile file to write");
  app.add_option("--name", a.name, "the profile's name");
  app.add_option("--system", a.system, "the measured system, in words");
  app.add_option("--source", a.source, "where the logs were published");
  app.add_option("--intra-bandwidth", a.intra.bandwidth_arg, "nominal intra-node bandwidth");
  app.add_option("--inter-bandwidth", a.inter.bandwidth_arg, "nominal inter-node bandwidth");
  app.add_option("--intra-latency", a.intra.latency_arg, "nominal intra-node route latency");
  app.add_option("--inter-latency", a.inter.latency_arg, "nominal inter-node route latency");
  app.add_option("--collective", a.collective_arg, "all_reduce, all_gather or sendrecv");
  app.add_option("--ranks", a.ranks, "ranks, for a log pasted without its rank lines");
  app.add_option("--hosts", a.hosts, "hosts, for a log pasted without its rank lines");
  app.add_option("--min-bytes", a.min_arg, "smallest size fitted");
  app.add_option("--max-bytes", a.max_arg, "largest size fitted");
}

// "" or the usage problem of the options.
std::string check_args(const CLI::App& app, CalibrateArgs& a) {
  if (a.logs.empty()) return "give at least one nccl-tests log";
  if (a.logs.size() > 2) return "at most two logs: one per tier";
  if (a.out_file.empty()) return "--out FILE is required";
  if (a.name.empty()) return "--name is required";
  if (a.system.empty()) return "--system is required";
  if (std::string e = cli::read_size_options(app, {{"--min-bytes", &a.min_arg, &a.min_bytes},
                                                   {"--max-bytes", &a.max_arg, &a.max_bytes}},
                                             units::parse_size, "8, \"64KiB\", \"1GiB\"");
      !e.empty())
    return e;
  if (a.min_bytes > a.max_bytes) return "--min-bytes is above --max-bytes";
  // Every tier's options are checked here, also those of a tier no log calibrates.
  for (const auto& [flag, opt] : {std::make_pair(std::string("--intra"), &a.intra),
                                  std::make_pair(std::string("--inter"), &a.inter)}) {
    if (!opt->bandwidth_arg.empty()) {
      auto b = units::parse_bandwidth(opt->bandwidth_arg);
      if (!b || !(*b > 0))
        return flag + "-bandwidth: \"" + opt->bandwidth_arg + "\" is not a bandwidth > 0; allowed: " + units::bandwidth_units_help();
    }
    if (!opt->latency_arg.empty()) {
      auto l = units::parse_duration(opt->latency_arg);
      if (!l || !(*l >= 0))
        return flag + "-latency: \"" + opt->latency_arg + "\" is not a duration >= 0; allowed: " + units::duration_units_help();
    }
  }
  if (!a.collective_arg.empty() && a.collective_arg != "all_reduce" && a.collective_arg != "all_gather" &&
      a.collective_arg != "sendrecv")
    return "--collective: \"" + a.collective_arg + "\"; allowed: all_reduce, all_gather, sendrecv";
  return "";
}

// Why one log cannot be calibrated: a usage problem (an option to give) or a problem of the input.
struct Problem {
  std::string usage;
  std::vector<std::string> input;
  bool any() const { return !usage.empty() || !input.empty(); }
};
Problem usage_problem(std::string m) { return {std::move(m), {}}; }
Problem input_problem(std::string m) { return {"", {std::move(m)}}; }

// Reads `file` into `log` (ranks from --ranks/--hosts when it has no rank lines) and its collective.
Problem read_log(const std::string& file, const CalibrateArgs& a, NcclTestsLog& log, std::string& collective) {
  std::ifstream in(file);
  if (!in) return input_problem(file + ": cannot open the log");
  std::vector<std::string> errors;
  log = parse_nccl_tests_log(in, file, errors);
  if (!errors.empty()) return {"", errors};
  if (log.ranks() == 0) {  // pasted without its rank lines: --ranks and --hosts say what ran
    if (a.ranks < 2 || a.hosts < 1 || a.ranks % a.hosts != 0)
      return input_problem(file + ": no rank lines (\"#  Rank  0 Group  0 Pid ... on HOST device N ...\"); paste the "
                                  "log with its header, or give --ranks N --hosts H (H dividing N)");
    for (int r = 0; r < a.ranks; ++r) {
      log.rank_hosts.push_back("host" + std::to_string(r / (a.ranks / a.hosts)));
      log.devices.push_back("(not in the log)");
    }
  } else if ((a.ranks && a.ranks != log.ranks()) || (a.hosts && a.hosts != log.hosts())) {
    return input_problem(file + ": the rank lines give " + std::to_string(log.ranks()) + " ranks on " +
                         std::to_string(log.hosts()) + " hosts, not --ranks " + std::to_string(a.ranks) +
                         " --hosts " + std::to_string(a.hosts));
  }
  collective = log.collective.empty() ? a.collective_arg : log.collective;
  if (!a.collective_arg.empty() && !log.collective.empty() && a.collective_arg != log.collective)
    return input_problem(file + ": the log is " + log.collective + "_perf, not " + a.collective_arg);
  if (collective.empty())
    return input_problem(file + ": the log does not say which test it ran (no \"# Collective test starting:\" "
                                "line); give --collective all_reduce|all_gather|sendrecv");
  return {};
}

// The tier's nominal bandwidth and route latency: from the options, the device name or the defaults.
Problem nominal_figures(const std::string& file, const NcclTestsLog& log, const TierOptions& opt, bool intra,
                        TierCalibration& t) {
  const std::string flag = intra ? "--intra" : "--inter";
  if (!opt.bandwidth_arg.empty()) {
    auto b = units::parse_bandwidth(opt.bandwidth_arg);
    if (!b || *b <= 0) return usage_problem(flag + "-bandwidth: \"" + opt.bandwidth_arg + "\" is not a bandwidth; use e.g. 100Gbps");
    t.nominal_bandwidth = *b;
  } else if (intra) {
    t.nominal_bandwidth = nominal_nvlink_bandwidth(log.devices.front());
    if (t.nominal_bandwidth <= 0)
      return usage_problem(file + ": no nominal NVLink bandwidth known for device \"" + log.devices.front() +
                           "\"; give --intra-bandwidth");
  } else {
    return usage_problem(file + " spans " + std::to_string(log.hosts()) + " hosts (inter_node): give --inter-bandwidth");
  }
  if (!opt.latency_arg.empty()) {
    auto l = units::parse_duration(opt.latency_arg);
    if (!l || *l < 0) return usage_problem(flag + "-latency: \"" + opt.latency_arg + "\" is not a duration; use e.g. 10us");
    t.nominal_latency = *l;
  } else {
    t.nominal_latency = intra ? 2e-6 : 10e-6 + (log.ranks_per_host() > 1 ? 2e-6 : 0);
  }
  return {};
}

// One tier's fit: the rows in the size range, the fitted alpha and beta, and the profile's figures.
struct TierFit {
  CostShape shape;
  std::vector<NcclTestsRow> used;
  std::size_t points = 0;
  AlphaBetaFit fit;
};

Problem fit_tier(const std::string& file, const NcclTestsLog& log, const std::string& collective,
                 const CalibrateArgs& a, bool intra, TierCalibration& t, TierFit& f) {
  try {
    f.shape = collective_cost_shape(collective, log.ranks());
  } catch (const std::invalid_argument& e) {
    return input_problem(file + ": " + e.what());
  }
  std::vector<FitPoint> points;
  for (const NcclTestsRow& row : log.rows) {
    if (row.bytes < a.min_bytes || row.bytes > a.max_bytes || row.bytes <= 0) continue;
    f.used.push_back(row);
    points.push_back({row.bytes, row.out_of_place_s});
    points.push_back({row.bytes, row.in_place_s});
  }
  f.points = points.size();
  try {
    f.fit = fit_alpha_beta(f.shape, points);
  } catch (const std::invalid_argument& e) {
    return input_problem(file + ": " + e.what() + " (" + std::to_string(f.used.size()) + " rows in the size range)");
  }
  t.alpha = f.fit.alpha;
  t.beta = f.fit.beta;
  t.efficiency = f.fit.beta / t.nominal_bandwidth;
  if (t.efficiency > 1)
    return input_problem(file + ": the fitted bandwidth " + format_number(f.fit.beta / 1e9) + " GB/s exceeds the nominal " +
                         format_number(t.nominal_bandwidth / 1e9) + " GB/s; give the right " +
                         (intra ? "--intra" : "--inter") + "-bandwidth");
  t.overhead = std::max(0.0, f.fit.alpha - t.nominal_latency);
  return {};
}

// Prints the measured and modelled time of every row used; returns them as the fit's residuals.
nlohmann::json print_residuals(const TierFit& f, std::ostream& out) {
  out << "  " << std::setw(12) << "size (B)" << std::setw(12) << "out (us)" << std::setw(12) << "in (us)"
      << std::setw(12) << "model (us)" << std::setw(10) << "err out" << std::setw(10) << "err in" << "\n";
  nlohmann::json residuals = nlohmann::json::array();
  for (const NcclTestsRow& row : f.used) {
    const double model = f.fit.predict(f.shape, row.bytes);
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
  return residuals;
}

// Prints the tier's fit and returns its "fit" record for the profile.
nlohmann::json report_fit(const std::string& file, const NcclTestsLog& log, const std::string& collective,
                          const std::string& tier, const TierCalibration& t, const TierFit& f, std::ostream& out) {
  out << file << ": " << collective << "_perf, " << log.ranks() << " ranks on " << log.hosts() << " host"
      << (log.hosts() > 1 ? "s" : "") << " (" << log.devices.front() << ") -> " << tier << "\n";
  out << "  model " << cost_formula(collective) << ", n = " << log.ranks() << ", " << f.used.size()
      << " sizes x (out-of-place, in-place)\n";
  nlohmann::json residuals = print_residuals(f, out);
  out << "  alpha " << format_number(f.fit.alpha * 1e6) << " us, beta " << format_number(f.fit.beta / 1e9)
      << " GB/s; nominal " << format_number(t.nominal_bandwidth / 1e9) << " GB/s, "
      << format_number(t.nominal_latency * 1e6) << " us -> efficiency " << format_number(t.efficiency, 4)
      << ", overhead " << format_number(t.overhead * 1e6) << " us\n";
  out << "  relative error: max " << format_number(100 * f.fit.max_relative_error, 3) << " %, RMS "
      << format_number(100 * f.fit.rms_relative_error, 3) << " %\n";
  if (f.fit.alpha_clamped) out << "  note: the unconstrained fit gave alpha < 0; alpha fixed at 0\n";
  if (f.fit.alpha < t.nominal_latency)
    out << "  note: alpha is below the nominal route latency: overhead 0, so simulated messages cost "
        << format_number(t.nominal_latency * 1e6) << " us of latency, not alpha\n";
  return {{"log", file},
          {"collective", collective},
          {"model", cost_formula(collective)},
          {"ranks", log.ranks()},
          {"hosts", log.hosts()},
          {"points", f.points},
          {"weighting", "least squares on relative error"},
          {"alpha_clamped", f.fit.alpha_clamped},
          {"max_relative_error", f.fit.max_relative_error},
          {"rms_relative_error", f.fit.rms_relative_error},
          {"residuals", residuals}};
}

// The profile being built: one tier per log, the logs' records and their "# source:" lines.
struct Profile {
  nlohmann::json tiers = nlohmann::json::object(), logs = nlohmann::json::array();
  std::set<std::string> sources;
};

Problem calibrate_log(const std::string& file, const CalibrateArgs& a, Profile& profile, std::ostream& out) {
  NcclTestsLog log;
  std::string collective;
  if (Problem p = read_log(file, a, log, collective); p.any()) return p;
  for (const std::string& s : log.sources) profile.sources.insert(s);
  const bool intra = log.hosts() == 1;
  const std::string tier = intra ? "intra_node" : "inter_node";
  if (profile.tiers.contains(tier))
    return input_problem(file + ": a second " + tier + " log (" + std::to_string(log.hosts()) +
                         " hosts); give one log per tier");
  TierCalibration t;
  t.given = true;
  if (Problem p = nominal_figures(file, log, intra ? a.intra : a.inter, intra, t); p.any()) return p;
  TierFit f;
  if (Problem p = fit_tier(file, log, collective, a, intra, t, f); p.any()) return p;
  nlohmann::json tier_json = tier_to_json(t);
  tier_json["fit"] = report_fit(file, log, collective, tier, t, f, out);
  profile.tiers[tier] = tier_json;
  std::set<std::string> devices(log.devices.begin(), log.devices.end());
  profile.logs.push_back({{"file", file}, {"tier", tier}, {"collective", collective}, {"ranks", log.ranks()},
                          {"hosts", log.hosts()}, {"devices", devices}, {"sources", log.sources}});
  return {};
}

}  // namespace

int calibrate_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CalibrateArgs a;
  CLI::App app(kCalibrateUsage, "dtsim calibrate");
  declare_options(app, a);
  if (int rc = cli::parse(app, "calibrate", args, out, err); rc >= 0) return rc;
  auto bad = [&](const std::string& message) { return cli::usage_error(err, "calibrate", message); };
  if (std::string e = check_args(app, a); !e.empty()) return bad(e);
  Profile profile;
  for (const std::string& file : a.logs) {
    const Problem p = calibrate_log(file, a, profile, out);
    if (!p.usage.empty()) return bad(p.usage);
    if (!p.input.empty()) {
      for (const std::string& e : p.input) err << "error: " << e << "\n";
      return kBadInput;
    }
  }
  std::string source = a.source;
  if (source.empty())
    for (const std::string& s : profile.sources) source += (source.empty() ? "" : "; ") + s;
  if (source.empty()) return bad("no --source and no '# source:' line in the logs: say where they come from");
  std::string command = "dtsim calibrate";
  for (const std::string& word : args)
    command += " " + (word.find(' ') == std::string::npos ? word : nlohmann::json(word).dump());
  nlohmann::json document = {{"name", a.name}, {"system", a.system}, {"source", source}, {"generated_by", command},
                             {"tiers", profile.tiers}, {"logs", profile.logs}};
  ErrorList check;  // what dtsim will read back must be a valid profile
  read_network_profile(document, a.out_file, check);
  if (!check.empty()) {
    for (const std::string& e : check.lines) err << "error: " << e << "\n";
    return kBadInput;
  }
  try {
    write_file_atomically(a.out_file, document.dump(2) + "\n");
  } catch (const std::exception& e) {
    err << "error: " << e.what() << "\n";
    return 1;
  }
  out << "wrote " << a.out_file << "\n";
  return 0;
}

}  // namespace dtsim
