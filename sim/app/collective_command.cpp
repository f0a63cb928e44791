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
#include <tuple>
#include <sstream>

#include <nlohmann/json.hpp>

#include "algorithms/collectives/runner.h"
#include "sim/app/child_process.h"
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
    "Sweeps message sizes for collective algorithms on a platform and prints, per size, the simulated\n"
    "time, algbw = S/t and busbw (nccl-tests: allreduce x 2(p-1)/p, reduce-scatter/allgather x (p-1)/p,\n"
    "broadcast/reduce/neighbor exchange x 1), the alpha-beta closed form and #wrong (real float values\n"
    "checked on every rank for sizes up to --check-max; '-' above). The platform is SCENARIO's (cluster\n"
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
    "  --min-bytes S, --max-bytes S, --factor F\n"
    "                              sizes S_min, S_min x F, ... <= S_max (default 8 B, 1 GiB, 4)\n"
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
  app.add_option("--min-bytes", a.min_arg, "smallest size (default 8 B)");
  app.add_option("--max-bytes", a.max_arg, "largest size (default 1 GiB)");
  app.add_option("--factor", a.factor_arg, "size factor > 1 (default 4)");
  app.add_option("--fidelity", a.fidelity_arg, "step or fast");
  app.add_option("--check-max", a.check_arg, "largest size whose values are checked (default 1 MiB)");
  app.add_option("--csv", a.csv_file, "also write the table as CSV to FILE");
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
  for (auto [flag, text, into] : {std::make_tuple("--min-bytes", &a.min_arg, &a.min_bytes),
                                  std::make_tuple("--max-bytes", &a.max_arg, &a.max_bytes),
                                  std::make_tuple("--check-max", &a.check_arg, &a.check_max)}) {
    if (!app.count(flag)) continue;
    auto size = units::parse_size(*text);
    if (!size || *size < 0) return std::string(flag) + ": \"" + *text + "\" is not a size; use e.g. 8, \"64KiB\", \"1GiB\"";
    if (*size > kMaxBytes)
      return std::string(flag) + ": \"" + *text + "\" is above 2^53 B = 8 PiB, the largest size whose byte " +
             "count is exact in the simulator's doubles";
    *into = *size;
  }
  return "";
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

void print_header(const Scenario& scenario, Fidelity fidelity, std::ostream& out) {
  const int p = scenario.cluster.ranks();
  const int g = scenario.cluster.gpus_per_node;
  // The closed forms take the model's per-tier factors (tcp, network.profile) into alpha and beta.
  const bool exact = scenario.network.topology == "switch";
  out << "# dtsim collective: " << p << " ranks (" << scenario.cluster.nodes << " nodes x " << g << " GPU"
      << (g == 1 ? "" : "s") << "), " << scenario.network.topology << " @ " << scenario.network.link.bandwidth / 1e9
      << " GB/s, latency " << scenario.network.link.latency * 1e6 << " us, model " << scenario.network.model
      << (scenario.network.profile.empty() ? std::string() : ", profile " + scenario.network.profile)
      << ", fidelity " << fidelity_name(fidelity) << "\n";
  out << "# algbw = size / time; busbw = algbw x bus factor (nccl-tests); model = alpha-beta closed form"
      << (exact ? "" : " (exact only on a switch)") << "\n";
  out << std::left << std::setw(18) << "# operation" << std::setw(26) << "algorithm" << std::right << std::setw(12)
      << "size" << std::setw(14) << "time(us)" << std::setw(13) << "algbw(GB/s)" << std::setw(13) << "busbw(GB/s)"
      << std::setw(14) << "model(us)" << std::setw(8) << "#wrong" << std::setw(10) << "wall(s)" << "\n";
  out.flush();  // before forking: a child must not inherit unwritten output
}

// Simulates one (operation, algorithm, size) in a child and prints its row (and CSV line). Returns
// false when it failed or reduced wrong values.
bool run_row(const Scenario& scenario, const CollectiveSpec& spec, std::ostream& out, std::ostream& err,
             std::ostream* csv) {
  const std::string& operation = spec.operation;
  const std::string& algorithm = spec.algorithm;
  const double bytes = spec.bytes;
  nlohmann::json r = run_in_child_process([&] {
    CollectiveOutcome o = run_collective(scenario, spec);
    return nlohmann::json{{"time", o.time_s}, {"checked", o.checked}, {"wrong", o.wrong}, {"wall", o.wall_s}};
  });
  if (r.contains("error")) {
    err << "error: " << operation << "/" << algorithm << " at " << bytes << " B: " << r["error"].get<std::string>()
        << "\n";
    return false;
  }
  const int p = scenario.cluster.ranks();
  const int g = scenario.cluster.gpus_per_node;
  const double t = r["time"].get<double>();
  // Closed forms are exact on a switch (per-tier factors included), for flat algorithms on one GPU
  // per machine and for hierarchical ones on any.
  const bool modelled = scenario.network.topology == "switch" &&
                        (g == 1 || (operation == "allreduce" && algorithm.rfind("hierarchical", 0) == 0));
  const double model = modelled ? closed_form_time(scenario, spec) : NAN;
  const double algbw = t > 0 ? bytes / t / 1e9 : 0;
  const double busbw = algbw * bus_factor(operation, p);
  const std::string wrong = spec.check_values ? std::to_string(r["wrong"].get<long>()) : "-";
  out << std::left << std::setw(18) << operation << std::setw(26) << algorithm << std::right << std::setw(12)
      << human_size(bytes) << std::fixed << std::setprecision(2) << std::setw(14) << t * 1e6 << std::setprecision(3)
      << std::setw(13) << algbw << std::setw(13) << busbw << std::setprecision(2) << std::setw(14);
  if (modelled) out << model * 1e6;
  else out << "-";
  out << std::setw(8) << wrong << std::setprecision(3) << std::setw(10) << r["wall"].get<double>() << "\n"
      << std::defaultfloat;
  out.flush();
  if (csv)  // sizes are whole bytes <= 2^53: printed exactly
    *csv << operation << "," << algorithm << "," << p << "," << fidelity_name(spec.fidelity) << ","
        << static_cast<long long>(bytes) << "," << std::setprecision(12) << t << "," << algbw << "," << busbw << ","
        << model << "," << r["checked"].get<long>() << "," << r["wrong"].get<long>() << ","
        << r["wall"].get<double>() << "\n";
  return !(spec.check_values && r["wrong"].get<long>() != 0);
}

// Every (operation, algorithm) at every size; returns how many failed.
int run_rows(const Scenario& scenario, const CollectiveArgs& a, const Items& items, std::ostream& out,
             std::ostream& err, std::ostream* csv) {
  std::vector<double> sizes;
  for (double s = a.min_bytes; s <= a.max_bytes * (1 + 1e-12); s *= a.factor) sizes.push_back(std::round(s));
  if (csv)
    *csv << "operation,algorithm,ranks,fidelity,bytes,time_s,algbw_GBps,busbw_GBps,model_s,checked,wrong,wall_s\n";
  int failures = 0;
  for (const auto& [operation, algorithm] : items)
    for (double bytes : sizes) {
      CollectiveSpec spec;
      spec.operation = operation;
      spec.algorithm = algorithm;
      spec.bytes = bytes;
      spec.fidelity = a.fidelity;
      spec.check_values = bytes <= a.check_max && bytes >= 4;
      failures += !run_row(scenario, spec, out, err, csv);
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
  print_header(scenario, a.fidelity, out);
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
