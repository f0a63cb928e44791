#include "sim/app/collective_command.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <map>
#include <memory>
#include <optional>
#include <tuple>
#include <sstream>

#include <nlohmann/json.hpp>

#include "algorithms/collectives/runner.h"
#include "sim/app/child_process.h"
#include "sim/app/nccl_tests_format.h"
#include "sim/scenario/scenario.h"
#include "sim/base/units.h"
#include "sim/base/atomic_file.h"
#include "sim/engine/load_scenario.h"
#include "sim/base/cli_parse.h"
#include "sim/base/problems.h"

namespace dtsim {
namespace {


const char* kCollectiveUsage =
    "dtsim collective [SCENARIO] [options]\n"
    "\n"
    "Sweeps message sizes for collective algorithms on a platform and prints them in nccl-tests' layout,\n"
    "one table per operation and algorithm: per size the simulated time, algbw = S/t, busbw (nccl-tests:\n"
    "allreduce x 2(p-1)/p, reduce-scatter/allgather x (p-1)/p, broadcast/reduce/neighbor exchange x 1)\n"
    "and #wrong (real float values checked on every rank for sizes up to --check-max; N/A above), then\n"
    "the alpha-beta closed form as comment lines. The platform is SCENARIO's (cluster\n"
    "and network) or, without one, 8 machines on a 25 Gbps switch with 5 us links, exact model.\n"
    "\n"
    "options:\n"
    "  --set /json/pointer=value   override a scenario field (repeatable)\n"
    "  --nodes N, --gpus-per-node G, --bandwidth B, --latency L, --topology T, --model M\n"
    "                              shortcuts for --set /cluster/... and /network/...\n"
    "  --algorithms a,b,...        allreduce algorithms (default: every flat one, plus hierarchical\n"
    "                              when G > 1); 'all' for every registered one, 'none' for none\n"
    "  --ops op,...                other operations: reduce_scatter, allgather, broadcast, reduce,\n"
    "                              neighbor_exchange, or 'all' (default: none)\n"
    "  -b/--min-bytes S, -e/--max-bytes S, -f/--factor F\n"
    "                              sizes S_min, S_min x F, ... <= S_max (default 8 B, 1 GiB, 4);\n"
    "                              sizes as 64KiB or, as nccl-tests takes them, 64K, 128M, 1G\n"
    "  --fidelity step|fast        message by message, or one aggregated flow per pair and phase\n"
    "  --check-max S               largest size whose values are checked (default 1 MiB)\n"
    "  --csv FILE                  also write the table as CSV\n";

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

std::string human_size(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024 && u < 4 && std::fmod(bytes, 1024) == 0) {
    bytes /= 1024;
    ++u;
  }
  std::ostringstream s;
  s << std::setprecision(15) << bytes << " " << units[u];
  return s.str();
}

// Sizes are byte counts held in doubles: up to 2^53 every whole byte count is exact, so rounding a
// size and the closed forms (S/p, S x factor) stay exact; larger sizes would be simulated as other
// sizes than printed.
constexpr double kMaxBytes = 9007199254740992.0;  // 2^53 B = 8 PiB
// Each size is one simulation per algorithm, each in its own child process: a factor close to 1
// would ask for billions of them (the size list alone exhausted memory). 256 sizes take a factor
// of 1.15 over the whole 1 B .. 8 PiB range.
constexpr long kMaxSizes = 256;

// Removes the default platform's temporary file on every way out (errors and exceptions too).
struct TemporaryFile {
  std::string path;
  ~TemporaryFile() {
    if (!path.empty()) std::remove(path.c_str());
  }
};

double bus_factor(const std::string& operation, int p) {
  if (operation == "allreduce") return 2.0 * (p - 1) / p;
  if (operation == "reduce_scatter" || operation == "allgather") return static_cast<double>(p - 1) / p;
  return 1.0;
}

// The command line as given: files, lists and the sweep of sizes (checked by read_values).
struct CollectiveArgs {
  std::string scenario_file, algorithms_arg, ops_arg, csv_file;
  std::vector<std::string> overrides;
  double min_bytes = 8, max_bytes = 1024.0 * 1024 * 1024, factor = 4, check_max = 1024.0 * 1024;
  Fidelity fidelity = Fidelity::Step;
  std::string fidelity_arg, factor_arg, min_arg, max_arg, check_arg;
  std::map<std::string, std::string> shortcut_values;
};

// --nodes etc.: shortcuts for --set on the platform's fields.
const std::pair<const char*, const char*> kShortcuts[] = {
    {"--nodes", "/cluster/nodes"},          {"--gpus-per-node", "/cluster/gpus_per_node"},
    {"--bandwidth", "/network/bandwidth"},  {"--latency", "/network/latency"},
    {"--topology", "/network/topology"},    {"--model", "/network/model"}};

void declare_options(CLI::App& app, CollectiveArgs& a) {
  app.add_option("SCENARIO", a.scenario_file, "the platform's scenario (default: 8 machines on a 25 Gbps switch)");
  app.add_option("--set", a.overrides, "override /json/pointer=value (repeatable)")->allow_extra_args(false);
  for (const auto& [flag, pointer] : kShortcuts)
    app.add_option(flag, a.shortcut_values[flag], std::string("shortcut for --set ") + pointer + "=VALUE");
  app.add_option("--algorithms", a.algorithms_arg, "allreduce algorithms a,b,... ('all', 'none')");
  app.add_option("--ops", a.ops_arg, "other operations op,... or 'all'");
  // -b/-e/-f: nccl-tests' flags for the same sweep, so that its command lines carry over.
  app.add_option("-b,--min-bytes", a.min_arg, "smallest size (default 8 B)");
  app.add_option("-e,--max-bytes", a.max_arg, "largest size (default 1 GiB)");
  app.add_option("-f,--factor", a.factor_arg, "size factor > 1 (default 4)");
  app.add_option("--fidelity", a.fidelity_arg, "step or fast");
  app.add_option("--check-max", a.check_arg, "largest size whose values are checked (default 1 MiB)");
  app.add_option("--csv", a.csv_file, "also write the table as CSV to FILE");
}

// A size as dtsim writes it ("64KiB", "1GB") or as nccl-tests' -b/-e take it: a number and one of
// K, M, G (binary multiples, either case: parsesize in nccl-tests' src/common.cu).
std::optional<double> parse_sweep_size(const std::string& text) {
  if (auto size = units::parse_size(text)) return size;
  if (text.size() < 2) return std::nullopt;
  const char unit = text.back();
  const double scale = unit == 'K' || unit == 'k'   ? 1024.0
                       : unit == 'M' || unit == 'm' ? 1048576.0
                       : unit == 'G' || unit == 'g' ? 1073741824.0
                                                    : 0.0;
  if (scale == 0) return std::nullopt;
  const std::string digits = text.substr(0, text.size() - 1);
  char* end = nullptr;
  const double value = std::strtod(digits.c_str(), &end);
  if (!end || *end || end == digits.c_str() || !std::isfinite(value)) return std::nullopt;
  return value * scale;
}

// Turns the shortcuts into --set items and reads fidelity, factor and sizes; "" or the usage problem.
std::string read_values(const CLI::App& app, CollectiveArgs& a) {
  for (const auto& [flag, pointer] : kShortcuts)
    if (app.count(flag)) {
      const std::string& v = a.shortcut_values[flag];
      const bool number = !v.empty() && v.find_first_not_of("0123456789.eE+-") == std::string::npos;
      if (number && !std::isfinite(std::strtod(v.c_str(), nullptr)))
        return std::string(flag) + ": \"" + v + "\" is out of range; give a finite number";
      a.overrides.push_back(std::string(pointer) + "=" + (number ? v : nlohmann::json(v).dump()));
    }
  if (app.count("--fidelity")) {
    if (a.fidelity_arg != "step" && a.fidelity_arg != "fast") return "--fidelity: \"" + a.fidelity_arg + "\"; allowed: step, fast";
    a.fidelity = parse_fidelity(a.fidelity_arg);
  }
  if (app.count("--factor")) {
    char* end = nullptr;
    a.factor = std::strtod(a.factor_arg.c_str(), &end);
    if (!end || *end || !(a.factor > 1)) return "--factor: \"" + a.factor_arg + "\" must be a number > 1";
  }
  return cli::read_size_options(app,
                                {{"--min-bytes", &a.min_arg, &a.min_bytes},
                                 {"--max-bytes", &a.max_arg, &a.max_bytes},
                                 {"--check-max", &a.check_arg, &a.check_max}},
                                parse_sweep_size, "8, \"64KiB\", \"1GiB\" or nccl-tests' \"128M\"", kMaxBytes,
                                "is above 2^53 B = 8 PiB, the largest size whose byte count is exact in the "
                                "simulator's doubles");
}

// "" or why the sizes min x factor^k <= max are not a sweep to run.
std::string check_sizes(const CollectiveArgs& a) {
  if (a.min_bytes < 1 || a.max_bytes < a.min_bytes) return "need 1 <= --min-bytes <= --max-bytes";
  // How many sizes min x factor^k <= max gives, computed without building the list.
  const double size_count = std::floor(std::log(a.max_bytes * (1 + 1e-12) / a.min_bytes) / std::log(a.factor)) + 1;
  if (size_count <= kMaxSizes) return "";
  std::ostringstream m;
  m << "--factor " << a.factor_arg << " from " << human_size(a.min_bytes) << " to " << human_size(a.max_bytes)
    << " gives " << std::setprecision(3) << size_count << " sizes; at most " << kMaxSizes
    << " (each is one simulation per algorithm): raise --factor or narrow --min-bytes/--max-bytes";
  return m.str();
}

// Without a scenario: a default platform written to a temporary file, so that --set works alike.
// Returns "" or the problem.
std::string write_default_platform(TemporaryFile& temp) {
  const char* tmpdir = std::getenv("TMPDIR");
  std::string pattern = std::string(tmpdir && *tmpdir ? tmpdir : "/tmp") + "/dtsim-collective-XXXXXX";
  const int fd = mkstemp(pattern.data());
  if (fd < 0) return "cannot create a temporary file in " + pattern.substr(0, pattern.rfind('/'));
  close(fd);
  temp.path = pattern;
  nlohmann::json doc = {{"name", "collective"},
                        {"cluster", {{"nodes", 8}}},
                        {"network", {{"topology", "switch"}, {"bandwidth", "25Gbps"}, {"latency", "5us"}}},
                        {"workload", {{"params", 1}, {"compute_time", 0}}},
                        {"output", {{"trace", false}}}};
  std::ofstream(temp.path) << doc.dump();
  return "";
}

using Items = std::vector<std::pair<std::string, std::string>>;  // (operation, algorithm)

// The allreduce algorithms of --algorithms; "" or the usage problem.
std::string allreduce_items(const std::string& algorithms_arg, int g, Items& items) {
  const auto registered = CollectiveRegistry::names();
  if (algorithms_arg.empty()) {
    for (const std::string& name : registered)
      if (name.rfind("hierarchical", 0) != 0 || (g > 1 && name == "hierarchical")) items.emplace_back("allreduce", name);
  } else if (algorithms_arg == "all") {
    for (const std::string& name : registered) items.emplace_back("allreduce", name);
  } else if (algorithms_arg != "none") {
    for (const std::string& name : split(algorithms_arg)) {
      if (!CollectiveRegistry::contains(name)) {
        std::string allowed;
        for (const auto& n : registered) allowed += (allowed.empty() ? "" : ", ") + n;
        return "--algorithms: unknown allreduce \"" + name + "\"; allowed: " + allowed;
      }
      items.emplace_back("allreduce", name);
    }
  }
  return "";
}

// The other operations of --ops; "" or the usage problem.
std::string operation_items(const std::string& ops_arg, Items& items) {
  if (ops_arg.empty()) return "";
  const auto known = known_collectives();
  const std::vector<std::string> ops = split(ops_arg);
  for (const std::string& op : ops)
    if (op != "all" && (op == "allreduce" || std::none_of(known.begin(), known.end(),
                                                          [&](const auto& k) { return k.first == op; })))
      return "--ops: unknown operation \"" + op +
             "\"; allowed: reduce_scatter, allgather, broadcast, reduce, neighbor_exchange, all";
  const bool all = std::find(ops.begin(), ops.end(), "all") != ops.end();
  for (const auto& k : known)
    if (k.first != "allreduce" && (all || std::find(ops.begin(), ops.end(), k.first) != ops.end())) items.push_back(k);
  return "";
}

// Host names of the simulated ranks, as nccl-tests lists its devices ("#  Rank  0 Group  0 ... on
// HOST device D"): rank r sits on machine r / G. dtsim calibrate reads these lines back.
void print_header(const Scenario& scenario, const CollectiveArgs& a, std::ostream& out) {
  const int p = scenario.cluster.ranks();
  const int g = scenario.cluster.gpus_per_node;
  out << "# dtsim collective: " << p << " ranks (" << scenario.cluster.nodes << " nodes x " << g << " GPU"
      << (g == 1 ? "" : "s") << "), " << scenario.network.topology << " @ " << scenario.network.link.bandwidth / 1e9
      << " GB/s, latency " << scenario.network.link.latency * 1e6 << " us, model " << scenario.network.model
      << (scenario.network.profile.empty() ? std::string() : ", profile " + scenario.network.profile)
      << ", fidelity " << fidelity_name(a.fidelity) << "\n";
  out << "# nccl-tests layout (NVIDIA nccl-tests, doc/PERFORMANCE.md): time in us, algbw = size / time, busbw =\n"
      << "# algbw x 2(p-1)/p (all_reduce), (p-1)/p (all_gather, reduce_scatter), 1 (others). One simulation per\n"
      << "# size: the in-place columns repeat it (the simulator has one buffer per rank). #wrong counts real\n"
      << "# float values checked on every rank, N/A above --check-max (" << static_cast<long long>(a.check_max)
      << " B).\n# The alpha-beta closed form follows each table.\n";
  out << "# minBytes " << static_cast<long long>(a.min_bytes) << " maxBytes " << static_cast<long long>(a.max_bytes)
      << " step: " << a.factor << "(factor) iters: 1 validation: 1\n#\n# Using devices\n";
  char line[160];
  for (int r = 0; r < p; ++r) {
    const std::string host = "node-" + std::to_string(r / g);
    std::snprintf(line, sizeof line, "#  Rank %2d Group  0 on %10s device %2d simulated GPU\n", r, host.c_str(), r % g);
    out << line;
  }
  out.flush();  // before forking: a child must not inherit unwritten output
}

// One simulated size: the row's fields, the closed form and the host wall time.
struct RowResult {
  bool ok = false;
  NcclTestsRowFields fields;
  double model_s = NAN, wall_s = 0, time_s = 0;
};

// Simulates one (operation, algorithm, size) in a child and prints its row (and CSV line).
RowResult run_row(const Scenario& scenario, const CollectiveSpec& spec, std::ostream& out, std::ostream& err,
                  std::ostream* csv) {
  const std::string& operation = spec.operation;
  const std::string& algorithm = spec.algorithm;
  const double bytes = spec.bytes;
  RowResult row;
  nlohmann::json r = run_in_child_process([&] {
    CollectiveOutcome o = run_collective(scenario, spec);
    return nlohmann::json{{"time", o.time_s}, {"checked", o.checked}, {"wrong", o.wrong}, {"wall", o.wall_s}};
  });
  if (r.contains("error")) {
    err << "error: " << operation << "/" << algorithm << " at " << bytes << " B: " << r["error"].get<std::string>()
        << "\n";
    return row;
  }
  const int p = scenario.cluster.ranks();
  const int g = scenario.cluster.gpus_per_node;
  const double t = r["time"].get<double>();
  // Closed forms are exact on a switch (per-tier factors included), for flat algorithms on one GPU
  // per machine and for hierarchical ones on any.
  const bool modelled = scenario.network.topology == "switch" &&
                        (g == 1 || (operation == "allreduce" && algorithm.rfind("hierarchical", 0) == 0));
  row.model_s = modelled ? closed_form_time(scenario, spec) : NAN;
  row.time_s = t;
  row.wall_s = r["wall"].get<double>();
  const double algbw = t > 0 ? bytes / t / 1e9 : 0;
  const double busbw = algbw * bus_factor(operation, p);
  row.fields.bytes = static_cast<long long>(bytes);  // whole bytes <= 2^53: exact
  nccl_tests_describe(operation, p, row.fields);
  row.fields.time_us = t * 1e6;
  row.fields.algbw_GBps = algbw;
  row.fields.busbw_GBps = busbw;
  row.fields.wrong = spec.check_values ? r["wrong"].get<long long>() : -1;
  write_nccl_tests_row(row.fields, out);
  out.flush();
  if (csv)
    *csv << operation << "," << algorithm << "," << p << "," << fidelity_name(spec.fidelity) << ","
        << static_cast<long long>(bytes) << "," << std::setprecision(12) << t << "," << algbw << "," << busbw << ","
        << row.model_s << "," << r["checked"].get<long>() << "," << r["wrong"].get<long>() << "," << row.wall_s
        << "\n";
  row.ok = true;
  return row;
}

// After a table: the closed form per size and the host time each simulation took (comment lines, so
// that nccl-tests parsers skip them).
void print_model_table(const std::vector<RowResult>& rows, std::ostream& out) {
  out << "# alpha-beta closed form (exact on a switch, '-' where it is not) and host wall time:\n";
  char line[160];
  std::snprintf(line, sizeof line, "# %10s  %12s  %12s  %9s\n", "size(B)", "model(us)", "sim/model-1", "wall(s)");
  out << line;
  for (const RowResult& r : rows) {
    if (!r.ok) continue;
    if (std::isnan(r.model_s))
      std::snprintf(line, sizeof line, "# %10lld  %12s  %12s  %9.3f\n", r.fields.bytes, "-", "-", r.wall_s);
    else {
      double relative = r.model_s > 0 ? r.time_s / r.model_s - 1 : 0.0;
      if (std::fabs(relative) < 1e-12) relative = 0;  // the last bits of a double sum: equal
      std::snprintf(line, sizeof line, "# %10lld  %12.2f  %12.1e  %9.3f\n", r.fields.bytes, r.model_s * 1e6, relative,
                    r.wall_s);
    }
    out << line;
  }
}

// Every (operation, algorithm) as one nccl-tests table at every size; returns how many failed.
int run_rows(const Scenario& scenario, const CollectiveArgs& a, const Items& items, std::ostream& out,
             std::ostream& err, std::ostream* csv) {
  std::vector<double> sizes;
  for (double s = a.min_bytes; s <= a.max_bytes * (1 + 1e-12); s *= a.factor) sizes.push_back(std::round(s));
  if (csv)
    *csv << "operation,algorithm,ranks,fidelity,bytes,time_s,algbw_GBps,busbw_GBps,model_s,checked,wrong,wall_s\n";
  int failures = 0;
  for (const auto& [operation, algorithm] : items) {
    const std::string program = nccl_tests_program(operation);
    out << "#\n# Collective test starting: " << program << "\n# dtsim algorithm: " << algorithm << "\n";
    write_nccl_tests_table_header(out);
    std::vector<RowResult> rows;
    long long wrong_values = 0;
    double busbw_sum = 0;
    for (double bytes : sizes) {
      CollectiveSpec spec;
      spec.operation = operation;
      spec.algorithm = algorithm;
      spec.bytes = bytes;
      spec.fidelity = a.fidelity;
      spec.check_values = bytes <= a.check_max && bytes >= 4;
      rows.push_back(run_row(scenario, spec, out, err, csv));
      const RowResult& r = rows.back();
      failures += !r.ok || r.fields.wrong > 0;
      if (!r.ok) continue;
      wrong_values += std::max(0LL, r.fields.wrong);
      busbw_sum += r.fields.busbw_GBps;
    }
    const long long ran = std::count_if(rows.begin(), rows.end(), [](const RowResult& r) { return r.ok; });
    // nccl-tests averages busbw over every out-of-place and in-place run: here both are the one simulation.
    write_nccl_tests_footer(wrong_values, ran ? busbw_sum / ran : 0.0, program, out);
    print_model_table(rows, out);
    out.flush();
  }
  return failures;
}

}  // namespace

int collective_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CollectiveArgs a;
  auto bad = [&](const std::string& message) { return cli::usage_error(err, "collective", message); };
  CLI::App app(kCollectiveUsage, "dtsim collective");
  declare_options(app, a);
  if (int rc = cli::parse(app, "collective", args, out, err); rc >= 0) return rc;
  if (std::string e = read_values(app, a); !e.empty()) return bad(e);
  if (std::string e = check_sizes(a); !e.empty()) return bad(e);
  // The CSV's temporary is created before anything runs, so that an unwritable path is a usage
  // error; the file itself appears whole at the end, or not at all (bad input, a failure).
  std::unique_ptr<AtomicFile> csv_file;
  std::ostringstream csv;
  if (!a.csv_file.empty()) {
    try {
      csv_file = std::make_unique<AtomicFile>(a.csv_file);
    } catch (const std::exception& e) {
      return bad("--csv: cannot write \"" + a.csv_file + "\": " + e.what());
    }
  }
  TemporaryFile temp;
  if (a.scenario_file.empty()) {
    if (std::string e = write_default_platform(temp); !e.empty()) {
      err << "error: " << e << "\n";
      return 1;
    }
    a.scenario_file = temp.path;
  }
  ScenarioResult loaded = load_scenario(a.scenario_file, a.overrides);
  if (!loaded.ok()) return report_problems(loaded.errors, err, "nothing was run");
  const Scenario& scenario = loaded.scenario;
  Items items;
  if (std::string e = allreduce_items(a.algorithms_arg, scenario.cluster.gpus_per_node, items); !e.empty()) return bad(e);
  if (std::string e = operation_items(a.ops_arg, items); !e.empty()) return bad(e);
  if (items.empty()) return bad("nothing to run (--algorithms none and no --ops)");
  print_header(scenario, a, out);
  const int failures = run_rows(scenario, a, items, out, err, csv_file ? &csv : nullptr);
  if (csv_file) {
    try {
      csv_file->write(csv.str());
      csv_file->commit();
    } catch (const std::exception& e) {
      err << "error: --csv: writing \"" << a.csv_file << "\" failed: " << e.what() << "\n";
      return 1;
    }
  }
  if (failures) err << failures << " point" << (failures == 1 ? "" : "s") << " failed or reduced wrong values\n";
  return failures ? 1 : 0;
}

}  // namespace dtsim
