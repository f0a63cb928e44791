#include "topologies/logical/topo_main.h"

#include "topologies/logical/dot.h"
#include "topologies/logical/properties.h"
#include "topologies/logical/registry.h"
#include "topologies/logical/sparse_rho.h"
#include "topologies/logical/validate.h"
#include "sim/base/units.h"
#include "sim/base/cli_parse.h"
#include "sim/base/problems.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <optional>
#include <sstream>
#include <stdexcept>

namespace dtsim::logical {

namespace {

// A bad argument: reported as one line by cli::usage_error.
struct BadArgument : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Why --dot FILE cannot be written, or "": checked before any work so that a bad path is bad input.
std::string dot_target_problem(const std::string& file) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(file, ec)) return "is a directory; give a file name";
  fs::path dir = fs::path(file).parent_path();
  if (dir.empty()) dir = ".";
  if (!fs::is_directory(dir, ec)) return "its directory " + dir.string() + " does not exist";
  if (::access(dir.c_str(), W_OK) != 0) return "its directory " + dir.string() + " is not writable";
  return "";
}

// rho is computed by Lanczos on the sparse W (sparse_rho.h) at every size: at 2048 ranks it took
// 0.02-0.05 s where the dense eigensolve / SVD took 1.9-5.2 s, and agreed with it to 5e-14 on every
// graph of the tests. Where Lanczos does not converge, the dense methods still answer up to these
// sizes (n^3 work: 2048 ranks ~ 2-5 s; one SVD per round for max_round_rho).
constexpr int kMaxDenseRanks = 2048;
constexpr int kMaxRoundSvdRanks = 512;
constexpr double kMaxBfsWork = 4e9;   // diameter: one BFS per rank, n (n + edges) steps

const char* kTopoUsage =
    "dtsim topo GRAPH --nodes N [--p P] [--seed S] [--per-node G] [--rows R]\n"
    "                 [--weights default|uniform|metropolis] [--bytes SIZE] [--dot FILE]\n"
    "dtsim topo --list\n"
    "Prints a communication graph's mixing matrix properties (rho, degree, diameter, traffic).";

long long parse_integer(const std::string& opt, const std::string& v) {
  std::size_t pos = 0;
  long long x = 0;
  try {
    x = std::stoll(v, &pos);
  } catch (const std::exception&) {
    pos = 0;
  }
  if (pos == 0 || pos != v.size())
    throw BadArgument(opt + " expects an integer, got '" + v + "'");
  return x;
}

double parse_real(const std::string& opt, const std::string& v) {
  std::size_t pos = 0;
  double x = 0;
  try {
    x = std::stod(v, &pos);
  } catch (const std::exception&) {
    pos = 0;
  }
  if (pos == 0 || pos != v.size() || !std::isfinite(x))
    throw BadArgument(opt + " expects a number, got '" + v + "'");
  return x;
}

double parse_bytes(const std::string& opt, const std::string& v) {
  const std::optional<double> bytes = units::parse_size(v);
  if (!bytes || !(*bytes >= 0) || !std::isfinite(*bytes))
    throw BadArgument(opt + " expects a size such as 4096, 100MB or 1GiB, got '" + v + "'");
  return *bytes;
}

std::string human_bytes(double b) {
  std::ostringstream s;
  s << std::setprecision(4);
  if (b >= 1e9) s << b / 1e9 << " GB";
  else if (b >= 1e6) s << b / 1e6 << " MB";
  else if (b >= 1e3) s << b / 1e3 << " kB";
  else s << b << " B";
  return s.str();
}

std::string fixed(double x, int digits = 3) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << x;
  return s.str();
}

std::string real(double x) {
  std::ostringstream s;
  s << std::setprecision(12) << x;
  return s.str();
}

void row(std::ostream& out, const std::string& key, const std::string& value) {
  out << "  " << std::left << std::setw(28) << key << value << "\n";
}

// The command line of `dtsim topo`, as given and as read.
struct TopoArgs {
  std::string graph;
  bool list = false;
  std::string nodes_arg, p_arg, seed_arg, per_node_arg, rows_arg, weights_arg, bytes_arg;
  std::optional<std::string> dot_arg;
  std::optional<long long> nodes;
  std::optional<std::string> dot;
  double bytes = 1e6;
  Params params;
  std::vector<std::string> given;  // Params options the user set
};

void declare_options(CLI::App& app, TopoArgs& a) {
  app.add_option("GRAPH", a.graph, "the graph (dtsim topo --list)");
  app.add_flag("--list", a.list, "list the graphs");
  app.add_option("-n,--nodes", a.nodes_arg, "number of ranks N");
  app.add_option("--p", a.p_arg, "edge probability (erdos_renyi)");
  app.add_option("--seed", a.seed_arg, "random seed >= 0");
  app.add_option("--per-node", a.per_node_arg, "ranks per machine (hierarchical)");
  app.add_option("--rows", a.rows_arg, "rows (grid)");
  app.add_option("--weights", a.weights_arg, "default, uniform or metropolis");
  app.add_option("--bytes", a.bytes_arg, "message size per link per round (default 1MB; e.g. 4096, 100MB, 1GiB)");
  app.add_option("--dot", a.dot_arg, "also write the graph as Graphviz DOT (atomically)");
}

// The graph parameters given on the command line; throws BadArgument.
void read_params(const CLI::App& app, TopoArgs& a) {
  if (app.count("--p")) {
    a.params.p = parse_real("--p", a.p_arg);
    a.given.push_back("p");
  }
  if (app.count("--seed")) {
    const long long s = parse_integer("--seed", a.seed_arg);
    if (s < 0) throw BadArgument("--seed must be >= 0, got " + std::to_string(s));
    a.params.seed = static_cast<std::uint64_t>(s);
    a.given.push_back("seed");
  }
  if (app.count("--per-node")) {
    const long long g = parse_integer("--per-node", a.per_node_arg);
    if (g < 1 || g > 1'000'000) throw BadArgument("--per-node must be >= 1, got " + std::to_string(g));
    a.params.per_node = static_cast<int>(g);
    a.given.push_back("per-node");
  }
  if (app.count("--rows")) {
    const long long r = parse_integer("--rows", a.rows_arg);
    if (r < 1 || r > 1'000'000) throw BadArgument("--rows must be >= 1, got " + std::to_string(r));
    a.params.rows = static_cast<int>(r);
    a.given.push_back("rows");
  }
  if (app.count("--weights")) {
    try {
      a.params.weighting = parse_weighting(a.weights_arg);
    } catch (const std::invalid_argument& e) {
      throw BadArgument(std::string("--weights: ") + e.what());
    }
  }
}

// Everything but the graph parameters; throws BadArgument.
void read_args(const CLI::App& app, TopoArgs& a) {
  if (app.count("--nodes")) a.nodes = parse_integer("--nodes", a.nodes_arg);
  if (a.dot_arg) {
    a.dot = *a.dot_arg;
    if (a.dot->empty()) throw BadArgument("--dot needs a file name");
    if (std::string e = dot_target_problem(*a.dot); !e.empty()) throw BadArgument("--dot " + *a.dot + ": " + e);
  }
  read_params(app, a);
  if (app.count("--bytes")) a.bytes = parse_bytes("--bytes", a.bytes_arg);
  if (a.graph.empty()) throw BadArgument("missing GRAPH (see dtsim topo --list)");
  if (!find_topology(a.graph)) {
    std::string known;
    for (const auto& k : topology_names()) known += (known.empty() ? "" : ", ") + k;
    throw BadArgument("unknown graph '" + a.graph + "'; known: " + known);
  }
  if (find_topology(a.graph)->name == "edge_list")
    throw BadArgument("edge_list takes its links from a scenario file, not from the command line");
  if (!a.nodes) throw BadArgument("missing --nodes N");
  if (*a.nodes < 1 || *a.nodes > 1'000'000)
    throw BadArgument("--nodes must be between 1 and 1000000, got " + std::to_string(*a.nodes));
}

// A note for each option given that the graph does not read.
void note_unused_options(const TopologyInfo& info, const std::vector<std::string>& given, std::ostream& err) {
  for (const auto& g : given) {
    std::string key = g;  // the option's key: --per-node sets "per_node"
    std::replace(key.begin(), key.end(), '-', '_');
    const auto owns = [&key](const Option& o) { return o.key == key; };
    if (std::none_of(info.options.begin(), info.options.end(), owns))
      err << "dtsim topo: note: --" << g << " does not apply to " << info.name << "; ignored\n";
  }
}

// rho, its per-round figures and the gap, from whichever method ran (dense or sparse).
struct Spectral {
  SparseRho product;                 // rho of the period product (W for a static graph)
  std::optional<SparseRho> max_round;  // time-varying only
};

// The value, or why there is none (no number rather than an unconverged one).
std::string value_or_why(const SparseRho& r) {
  if (!r.converged) return "not computed: " + r.why;
  return real(r.value);
}

void print_rho_rows(const Topology& t, const Spectral& s, std::ostream& out) {
  const SparseRho& r = s.product;
  if (t.time_varying()) {
    row(out, "rho of " + std::to_string(t.period()) + "-round product", value_or_why(r));
    if (r.converged) row(out, "  per round, geometric mean", real(std::pow(r.value, 1.0 / t.period())));
    row(out, "  largest single round", value_or_why(*s.max_round));
  } else {
    row(out, "rho = ||W - 11^T/n||", value_or_why(r));
  }
  if (r.converged) {
    row(out, "spectral gap 1 - rho", real(1 - r.value));
    std::string how = r.method;
    if (r.operations > 0) how += ", " + std::to_string(r.operations) + " operator applications";
    row(out, "rho computed by", how);
  }
  if (s.max_round && s.max_round->converged && s.max_round->method != r.method)
    row(out, "  largest round by", s.max_round->method);
}

// The dense answer, when Lanczos did not converge and n is small enough for it.
SparseRho dense_fallback(const SparseRho& sparse, double (*dense)(const Topology&), const Topology& t,
                         int max_ranks) {
  if (sparse.converged || t.size() > max_ranks) return sparse;
  SparseRho r;
  r.converged = true;
  r.value = dense(t);
  r.method = "dense eigensolver / SVD (Eigen), Lanczos having not converged";
  return r;
}

// Doubly stochastic, symmetric (both on the sparse W of every round), rho and the spectral gap.
void print_spectral(const Topology& t, std::ostream& out) {
  const std::string ds = check_doubly_stochastic(t);
  row(out, "doubly stochastic", ds.empty() ? "yes" : "NO: " + ds);
  bool sym = true;
  for (int k = 0; k < t.period(); ++k) sym = sym && is_symmetric(sparse_mixing_matrix(t.graph(k)));
  row(out, "symmetric", sym ? "yes" : "no");
  Spectral s;
  s.product = dense_fallback(sparse_rho(t), &rho, t, kMaxDenseRanks);
  if (t.time_varying())
    s.max_round = dense_fallback(sparse_max_round_rho(t), &max_round_rho, t, kMaxRoundSvdRanks);
  print_rho_rows(t, s, out);
}

// Degrees per round (the first three and the last of a long period), diameter and traffic.
void print_structure(const Topology& t, int n, double bytes, std::ostream& out) {
  const Graph conn = t.time_varying() ? union_graph(t) : t.graph(0);
  for (int k = 0; k < t.period(); ++k) {
    const DegreeStats d = degree_stats(t.graph(k));
    const std::string when = t.time_varying() ? " (round " + std::to_string(k) + ")" : "";
    row(out, "in-degree" + when, "min " + std::to_string(d.min_in) + "  max " +
                                     std::to_string(d.max_in) + "  mean " + fixed(d.mean_in));
    row(out, "out-degree" + when, "min " + std::to_string(d.min_out) + "  max " +
                                      std::to_string(d.max_out) + "  mean " + fixed(d.mean_out));
    if (k == 2 && t.period() > 4) {
      row(out, "...", "");
      k = t.period() - 2;
    }
  }
  const std::string diam_key = t.time_varying() ? "diameter (union of rounds)" : "diameter";
  const double bfs_work = static_cast<double>(n) * (n + static_cast<double>(boost::num_edges(conn)));
  if (bfs_work <= kMaxBfsWork) {
    const int diam = diameter(conn);
    row(out, diam_key,
        diam < 0 ? std::string("infinite (not strongly connected)") : std::to_string(diam));
  } else {
    row(out, diam_key, "skipped (one BFS per rank would take too long)");
  }
  const Traffic tr = traffic_per_round(t, bytes);
  row(out, "messages sent/rank/round",
      "max " + std::to_string(tr.max_messages) + "  mean " + fixed(tr.mean_messages));
  row(out, "bytes sent/rank/round", "max " + human_bytes(tr.max_bytes) + "  mean " +
                                        human_bytes(tr.mean_bytes) + "  (message " +
                                        human_bytes(bytes) + ")");
  row(out, "bytes sent/round, all ranks", human_bytes(tr.total_bytes_per_round));
}

}  // namespace

int topo_main(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  TopoArgs a;
  CLI::App app(kTopoUsage, "dtsim topo");
  declare_options(app, a);
  if (int rc = cli::parse(app, "topo", args, out, err); rc >= 0) return rc;
  if (a.list) {
    for (const auto& name : topology_names()) {
      const TopologyInfo* info = find_topology(name);
      out << "  " << std::left << std::setw(22) << name << info->summary << "\n";
    }
    return 0;
  }
  try {
    read_args(app, a);
  } catch (const BadArgument& e) {
    return cli::usage_error(err, "topo", e.what());
  }
  const TopologyInfo* info = find_topology(a.graph);
  note_unused_options(*info, a.given, err);

  const int n = static_cast<int>(*a.nodes);
  std::optional<Topology> t;
  try {
    t.emplace(make_topology(a.graph, n, a.params));
  } catch (const std::invalid_argument& e) {
    return cli::usage_error(err, "topo", e.what());
  }
  out << "topology " << t->name() << ": " << info->summary << "\n";
  row(out, "ranks", std::to_string(n));
  row(out, "rounds per period", t->time_varying()
                                    ? std::to_string(t->period()) + " (time-varying)"
                                    : std::string("1 (static)"));
  row(out, "weights", to_string(t->weighting()));
  print_spectral(*t, out);
  print_structure(*t, n, a.bytes, out);
  if (a.dot) {
    try {
      write_dot_file(*a.dot, *t);
    } catch (const std::exception& e) {
      err << "dtsim topo: --dot " << *a.dot << ": " << e.what() << "\n";
      return kBadInput;  // the path given cannot be written: bad input
    }
    out << "wrote " << *a.dot << "\n";
  }
  return 0;
}

}  // namespace dtsim::logical
