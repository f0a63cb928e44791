#include "algorithms/collectives/tree.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <tuple>
#include <stdexcept>

namespace dtsim::tree {

namespace {
constexpr double kSegmentBytes = 512.0 * 1024;
constexpr int kMaxSegments = 64;

// Tree t's position of group index i, and back.
int position(int p, int t, int i) {
  if (t == 0) return i;
  return p % 2 == 0 ? p - 1 - i : (i + 1) % p;
}
int index_of(int p, int t, int pos) {
  if (t == 0) return pos;
  return p % 2 == 0 ? p - 1 - pos : (pos - 1 + p) % p;
}
}  // namespace

Node btree_node(int p, int pos) {
  Node node;
  if (p <= 1) return node;
  if (pos == 0) {
    int child = 1;
    while (child * 2 < p) child *= 2;
    node.children.push_back(child);
    return node;
  }
  const int b = pos & -pos;
  int up = (pos ^ b) | (b << 1);
  if (up >= p) up = pos ^ b;
  node.parent = up;
  int l = b >> 1;
  if (l > 0) {
    node.children.push_back(pos - l);
    while (l > 0 && pos + l >= p) l >>= 1;
    if (l > 0) node.children.push_back(pos + l);
  }
  return node;
}

int segments_for(double n, int trees) {
  const double per_tree = n / trees;
  const int s = static_cast<int>(std::ceil(per_tree / kSegmentBytes));
  return std::clamp(s, 1, kMaxSegments);
}

namespace {

// One tree's operations for group index `me`: reduce phase, then broadcast phase, segment by segment.
std::vector<Op> single_tree_ops(int p, int me, int t, int segments) {
  Node node = btree_node(p, position(p, t, me));
  if (node.parent >= 0) node.parent = index_of(p, t, node.parent);
  for (int& c : node.children) c = index_of(p, t, c);
  std::vector<Op> ops;
  for (int j = 0; j < segments; ++j) {
    const int chunk = t * segments + j;
    for (int c : node.children) ops.push_back({c, false, chunk, true});
    if (node.parent >= 0) ops.push_back({node.parent, true, chunk, false});
  }
  for (int j = 0; j < segments; ++j) {
    const int chunk = t * segments + j;
    if (node.parent >= 0) ops.push_back({node.parent, false, chunk, false});
    for (int c : node.children) ops.push_back({c, true, chunk, false});
  }
  return ops;
}

// Runs blocking-rendezvous operation lists: an operation starts once both ends reach it and lasts
// cost(op). Returns each operation's start time; throws on deadlock.
template <typename Cost>
std::vector<std::vector<double>> run_lists(const std::vector<std::vector<Op>>& ops, Cost cost) {
  const int p = static_cast<int>(ops.size());
  std::vector<std::vector<double>> start(p);
  for (int r = 0; r < p; ++r) start[r].resize(ops[r].size());
  std::vector<std::size_t> next(p, 0);
  std::vector<double> clock(p, 0.0);
  std::deque<int> work;
  for (int r = 0; r < p; ++r) work.push_back(r);
  while (!work.empty()) {
    const int u = work.front();
    work.pop_front();
    if (next[u] >= ops[u].size()) continue;
    const Op& a = ops[u][next[u]];
    const int v = a.peer;
    if (next[v] >= ops[v].size()) continue;
    const Op& b = ops[v][next[v]];
    if (b.peer != u || b.send == a.send) continue;  // v is not there yet
    if (b.chunk != a.chunk) throw std::logic_error("tree schedule: mismatched chunks");
    const double begin = std::max(clock[u], clock[v]);
    start[u][next[u]] = start[v][next[v]] = begin;
    clock[u] = clock[v] = begin + cost(a);
    ++next[u];
    ++next[v];
    work.push_back(u);
    work.push_back(v);
  }
  for (int r = 0; r < p; ++r)
    if (next[r] != ops[r].size()) throw std::logic_error("tree schedule deadlocks");
  return start;
}

std::vector<std::vector<Op>> build_schedules(int p, int trees, int segments) {
  std::vector<std::vector<Op>> merged(p);
  if (trees == 1) {
    for (int r = 0; r < p; ++r) merged[r] = single_tree_ops(p, r, 0, segments);
    return merged;
  }
  // Each tree timed alone with unit-cost messages; every rank then runs its operations of all trees
  // in the order (start time, tree). Matched operations share their start time, so this order is
  // one global order on message pairs: deadlock-free, and close to running the trees side by side.
  struct Keyed {
    double start;
    int tree;
    std::size_t index;
    Op op;
  };
  std::vector<std::vector<Keyed>> keyed(p);
  for (int t = 0; t < trees; ++t) {
    std::vector<std::vector<Op>> ops(p);
    for (int r = 0; r < p; ++r) ops[r] = single_tree_ops(p, r, t, segments);
    const auto start = run_lists(ops, [](const Op&) { return 1.0; });
    for (int r = 0; r < p; ++r)
      for (std::size_t i = 0; i < ops[r].size(); ++i) keyed[r].push_back({start[r][i], t, i, ops[r][i]});
  }
  for (int r = 0; r < p; ++r) {
    std::sort(keyed[r].begin(), keyed[r].end(), [](const Keyed& a, const Keyed& b) {
      if (a.start != b.start) return a.start < b.start;
      if (a.tree != b.tree) return a.tree < b.tree;
      return a.index < b.index;
    });
    for (const Keyed& k : keyed[r]) merged[r].push_back(k.op);
  }
  return merged;
}

}  // namespace

const std::vector<std::vector<Op>>& schedules(int p, int trees, int segments) {
  // Shared by all ranks of a run (one simulation thread); a handful of (p, trees, segments) per run.
  static std::map<std::tuple<int, int, int>, std::vector<std::vector<Op>>> cache;
  auto key = std::make_tuple(p, trees, segments);
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, build_schedules(p, trees, segments)).first;
  return it->second;
}

double schedule_time(int p, double n, int trees, double alpha, double beta) {
  if (p <= 1) return 0;
  const int segments = segments_for(n, trees);
  const Chunks chunks(Message{n, {}}, trees * segments);
  const auto& ops = schedules(p, trees, segments);
  auto cost = [&](const Op& op) { return alpha + chunks.bytes(op.chunk) * beta; };
  const auto start = run_lists(ops, cost);
  double end = 0;
  for (int r = 0; r < p; ++r)
    if (!ops[r].empty()) end = std::max(end, start[r].back() + cost(ops[r].back()));
  return end;
}

}  // namespace dtsim::tree
