// NCCL's ring allreduce across machines with several NICs (NCCL 2.x; S. Jeaugey, "NCCL 2.0", GTC 2017):
// NCCL runs several rings ("channels") at once, each over every GPU and carrying 1/c of the data, and
// orders each ring inside every machine so that ring j leaves each machine through its own NIC. With
// one channel per NIC (c = the machine's NIC count) every NIC carries one ring's crossing each way, so
// a machine's NICs move the ring's 2(p-1)/p n bytes together: what nccl-tests' bus bandwidth across
// machines measures (busbw ~ the machine's aggregate NIC rate), and what `dtsim calibrate` fits an
// inter-node tier against. The plain "ring" sends every crossing through one GPU's NIC, and
// "hierarchical" moves 2(N-1)/N n per machine (N machines), less than NCCL's rings do at small N.
//
// Ring j visits every machine's GPUs from local index j g/c on (g GPUs per machine): it enters through
// GPU j g/c, which uses NIC j, and leaves from GPU (j g/c - 1) mod g, which uses NIC (j - 1) mod c.
// Each ring is a ring reduce-scatter + allgather (Patarasuk & Yuan 2009) of its slice; a step sends
// every ring's chunk at once. Fast: per phase one flow per ring, the rings that go to the same GPU
// sharing one (as fast aggregates per pair and phase). Cost where one kind of hop bounds every step (a closed form):
//   2(p-1) max(alpha + n beta / (c p), alpha_l + n beta_l / p).
// On one NIC per machine, one GPU per machine, or a group that is not whole machines in machine
// order, it is the plain ring (and runs as it does, analytic fidelity included).
// Where every flow starts together and keeps its rate (the analytic fidelity's platform, on machines
// whose GPUs reach their NIC over a path of their own) and a GPU's link is at least c times a NIC's,
// the crossing of one ring bounds every phase of every rank (crossing_bounds): fast sends each pair's
// both phases as one flow and meets once, as the plain ring's one-flow form does, and the time is
// exactly 2(p-1) alpha + B beta, B the most bytes one ring's crossing carries in both phases (its
// slice less two neighbouring chunks), which the analytic fidelity charges.
#include <algorithm>
#include <cmath>
#include <memory>

#include "algorithms/collectives/chunks.h"
#include "algorithms/collectives/collective.h"
#include "algorithms/collectives/fast.h"
#include "algorithms/collectives/group_cache.h"
#include "algorithms/collectives/runner.h"

namespace dtsim {
namespace {

class NcclRingAllreduce : public Collective {
 public:
  void run_allreduce(RankContext& ctx, const std::vector<int>& group, Message& data) const override {
    const int p = static_cast<int>(group.size());
    if (p == 1) return;
    const std::shared_ptr<const Rings> held = rings_of(ctx, group);  // kept while this rank runs
    const Rings& rings = *held;
    if (rings.count == 1) {
      plain_ring(ctx).allreduce(ctx, group, data);
      return;
    }
    const int c = rings.count;
    std::vector<Ring> mine;  // this rank's place in every ring
    for (int j = 0; j < c; ++j) {
      const int me = rings.index(j, ctx.rank());
      mine.push_back(Ring{me, rings.member(j, (me + 1) % p), rings.member(j, (me + p - 1) % p)});
    }
    const Chunks slices(data, c);
    if (fidelity(ctx) == Fidelity::Step) {
      std::vector<Message> part;
      std::vector<Chunks> chunks;
      for (int j = 0; j < c; ++j) {
        part.push_back(slices.extract(data, j));
        chunks.emplace_back(part.back(), p);
      }
      // Reduce-scatter: in step s ring member i sends chunk i - s - 1 and adds chunk i - s - 2.
      for (int s = 0; s < p - 1; ++s)
        step(ctx, mine, part, chunks, [&](int me) { return (me - s - 1 + 2 * p) % p; },
             [&](const Chunks& ch, Message& whole, int me, const Message& got) {
               ch.accumulate(whole, (me - s - 2 + 2 * p) % p, got);
             });
      // Allgather: in step s member i forwards chunk i - s and stores chunk i - s - 1.
      for (int s = 0; s < p - 1; ++s)
        step(ctx, mine, part, chunks, [&](int me) { return (me - s + p) % p; },
             [&](const Chunks& ch, Message& whole, int me, const Message& got) {
               ch.assign(whole, (me - s - 1 + 2 * p) % p, got);
             });
      for (int j = 0; j < c; ++j) slices.assign(data, j, part[static_cast<std::size_t>(j)]);
      return;
    }
    // Fast: each phase one flow per communicating pair (every chunk but its own leaves a ring member in
    // the reduce-scatter, every chunk but its successor's in the allgather; the rings that go to the
    // same GPU share one flow) and the p - 2 hidden latencies of the slowest route among them, waited
    // with the meeting that sums the values and the one that ends the allgather (no member has its
    // last chunk before the slowest hop delivered it).
    const Neighbours pairs(mine);
    double route = 0;
    for (int q : pairs.to) route = std::max(route, fast::route_latency(ctx, ctx.rank(), q));
    std::vector<double> scattered(pairs.to.size(), 0.0), gathered(pairs.to.size(), 0.0);
    for (int j = 0; j < c; ++j) {
      // Ring j's chunks split its slice by units (elements with values), as the step form's Chunks do.
      const double bytes = slices.bytes(j);
      const std::size_t units = slices.length(j);
      const int me = mine[static_cast<std::size_t>(j)].me;
      const std::size_t flow = pairs.flow_of[static_cast<std::size_t>(j)];
      scattered[flow] += bytes - Chunks::chunk_bytes(bytes, units, p, me);
      gathered[flow] += bytes - Chunks::chunk_bytes(bytes, units, p, (me + 1) % p);
    }
    if (rings.one_flow) {
      // Every pair's flow carries both phases' bytes: one route latency paid, the 2p - 3 others waited.
      for (std::size_t k = 0; k < scattered.size(); ++k) scattered[k] += gathered[k];
      flows(ctx, pairs, scattered);
      auto meeting = fast::meet_after(ctx, group, std::move(data.values), (2 * p - 3) * route);
      data.values = meeting->sum();
      return;
    }
    const double hidden = (p - 2) * route;
    flows(ctx, pairs, scattered);
    auto meeting = fast::meet_after(ctx, group, std::move(data.values), hidden);
    data.values = meeting->sum();
    flows(ctx, pairs, gathered);
    fast::meet_after(ctx, group, {}, hidden);
  }

  double closed_form(int p, double n, double alpha, double beta) const override {
    return plain_form().closed_form(p, n, alpha, beta);  // one GPU per machine: the plain ring
  }

  double closed_form_on(const CostModel& m) const override {
    const int c = channels(m.gpus_per_node, m.nics_per_node);
    if (c == 1) return closed_form(m.p, m.n, m.alpha, m.beta);
    const double crossing = m.alpha + m.n * m.beta / (c * m.p);
    const double inside = m.alpha_local + m.n * m.beta_local / m.p;
    return 2.0 * (m.p - 1) * std::max(crossing, inside);
  }

  std::string analytic_blocker(const CostModel& m) const override {
    const int c = channels(m.gpus_per_node, m.nics_per_node);
    if (c > 1 && !crossing_bounds(m, c))
      return "its rings' NIC and GPU hops have no exact closed form on PCIe machines (a GPU's one link carries "
             "both) or where a GPU's link is slower than its machine's NICs together";
    return c > 1 ? "" : plain_form().analytic_blocker(m);
  }

  // Where crossing_bounds holds: what fast's one-flow form gives (top of the file). Ring j's slice has
  // U_j units, split into p chunks of which the first U_j % p are one unit larger; its crossing from
  // machine b leaves ring member b g + g - 1 for member b g + g, and carries both phases: the slice
  // less those two members' chunks. The largest such is found over the (at most two) slice sizes and
  // the exits, in O(1).
  double analytic_time(const CostModel& m, const Message& data, int me) const override {
    const int c = channels(m.gpus_per_node, m.nics_per_node);
    if (c == 1) return plain_form().analytic_time(m, data, me);  // the plain ring
    const long p = m.p, g = m.gpus_per_node;
    const long units = data.values.empty() ? std::llround(data.bytes) : static_cast<long>(data.values.size());
    if (units == 0) return 2.0 * (p - 1) * m.alpha;
    const double per_unit = data.bytes / static_cast<double>(units);
    long most = 0;  // units of the largest crossing
    for (const long slice : {units / c + (units % c > 0 ? 1 : 0), units / c}) {
      const long q = slice / p, r = slice % p;
      // The two chunks' extra units at the exits: before the last machine, the latest exit has the
      // fewest (chunks shrink along the ring); the last machine's exit wraps to member 0.
      const long inner = (p - g - 1 < r ? 1 : 0) + (p - g < r ? 1 : 0);
      const long wrap = r > 0 ? 1 : 0;
      most = std::max(most, 2 * slice - 2 * q - std::min(inner, wrap));
    }
    return 2.0 * (p - 1) * m.alpha + static_cast<double>(most) * per_unit * m.beta;
  }

 private:
  struct Ring {
    int me, next, prev;  // this rank's index in the ring and its neighbours (endpoint ids)
  };
  // The rings over one group, shared by its ranks. Ring j visits every machine's GPUs from local index
  // j g/count on: its member at index k = b g + t is the GPU of block b at local index (j g/count + t)
  // mod g. count 1: the plain ring in group order.
  struct Rings {
    std::vector<int> group;
    int count = 1;              // rings (channels)
    int g = 1;                  // GPUs per machine
    std::vector<int> position;  // count > 1: per endpoint, its index in the group (-1: absent)
    bool one_flow = false;      // fast: both phases as one flow per pair (top of the file)
    int member(int j, int k) const {
      return group[static_cast<std::size_t>(k / g * g + (j * (g / count) + k % g) % g)];
    }
    int index(int j, int endpoint) const {
      const int k = position[static_cast<std::size_t>(endpoint)];
      return k / g * g + (k % g - j * (g / count) + g) % g;
    }
  };
  // A rank's distinct successors and predecessors over its rings, and which flow each ring's bytes
  // join: rings that go to the same GPU (inside a machine, most of them) share one flow.
  struct Neighbours {
    std::vector<int> to, from;
    std::vector<std::size_t> flow_of;  // per ring: its index into `to`
    explicit Neighbours(const std::vector<Ring>& mine) {
      for (const Ring& r : mine) {
        const auto at = std::find(to.begin(), to.end(), r.next);
        flow_of.push_back(static_cast<std::size_t>(at - to.begin()));
        if (at == to.end()) to.push_back(r.next);
        if (std::find(from.begin(), from.end(), r.prev) == from.end()) from.push_back(r.prev);
      }
    }
  };

  static int channels(int gpus_per_node, int nics_per_node) {
    return gpus_per_node > 1 ? std::max(1, std::min(nics_per_node, gpus_per_node)) : 1;
  }

  // One step of every ring: post every receive and send, wait for all, then fold each received chunk.
  template <class SendChunk, class Fold>
  static void step(RankContext& ctx, const std::vector<Ring>& mine, std::vector<Message>& part,
                   const std::vector<Chunks>& chunks, SendChunk send_chunk, Fold fold) {
    // Rings that share a neighbour pair post in ring order on both sides: the pair's mailbox matches
    // them in that order.
    std::vector<RankContext::Request> receives, sends;
    for (const Ring& r : mine) receives.push_back(ctx.irecv(r.prev));
    for (std::size_t j = 0; j < mine.size(); ++j)
      sends.push_back(ctx.isend(mine[j].next, chunks[j].extract(part[j], send_chunk(mine[j].me))));
    std::vector<Message> got = ctx.wait_all(receives);
    ctx.wait_all(sends);
    for (std::size_t j = 0; j < mine.size(); ++j) fold(chunks[j], part[j], mine[j].me, got[j]);
  }

  static void flows(RankContext& ctx, const Neighbours& pairs, const std::vector<double>& bytes) {
    std::vector<RankContext::Request> receives, sends;
    for (int q : pairs.from) receives.push_back(ctx.irecv(q));
    for (std::size_t k = 0; k < pairs.to.size(); ++k) sends.push_back(ctx.isend(pairs.to[k], Message{bytes[k], {}}));
    ctx.wait_all(receives);
    ctx.wait_all(sends);
  }

  std::shared_ptr<const Rings> rings_of(const RankContext& ctx, const std::vector<int>& group) const {
    const bool fast = fidelity(ctx) == Fidelity::Fast;
    return rings_.get(group, [&](const std::vector<int>& members) { return make_rings(ctx, members, fast); });
  }

  // Whether the fast rings may send both phases as one flow per pair. A GPU sends to at most two
  // neighbours: the next GPU of its machine (the rings that stay inside, up to c of them, over its
  // NVLink link) and, where it is a ring's exit, the next machine (one ring, over its own PCIe path
  // and NIC: every NIC carries one ring's crossing each way). With every flow starting together and
  // no link shared (the one-flow platform, GPUs with their own NIC path), each flow keeps its rate;
  // with the GPU link at least c times the NIC's, the crossing is every rank's longest flow and the
  // longest route, in each phase and in both together, so the meeting releases at the same instant
  // in both forms (up to a chunk unit with uneven chunks).
  static bool crossing_bounds(const CostModel& m, int count) {
    return count >= 2 && m.gpus_own_nic_path && count * m.beta_local <= m.beta * (1 + 1e-12);
  }
  static bool one_flow_applies(const Scenario& s, int count) {
    return fast::ring_platform_allows_one_flow(s) && crossing_bounds(cost_model(s, 0), count);
  }

  static Rings make_rings(const RankContext& ctx, const std::vector<int>& group, bool fast) {
    const int g = std::max(1, ctx.scenario().cluster.gpus_per_node);
    const int p = static_cast<int>(group.size());
    // Whole machines in machine order: block b of g members are the GPUs of one machine.
    bool whole_machines = p % g == 0 && p > g;
    for (int b = 0; whole_machines && b < p / g; ++b)
      for (int i = 0; whole_machines && i < g; ++i) {
        const int e = group[static_cast<std::size_t>(b * g + i)];
        whole_machines = e < ctx.size() && e / g == group[static_cast<std::size_t>(b * g)] / g;
      }
    Rings r;
    r.group = group;
    r.g = g;
    r.count = whole_machines ? channels(g, ctx.scenario().network.nics_per_node) : 1;
    r.one_flow = fast && one_flow_applies(ctx.scenario(), r.count);
    if (r.count > 1) {
      r.position.assign(static_cast<std::size_t>(ctx.endpoints()), -1);
      for (int k = 0; k < p; ++k) r.position[static_cast<std::size_t>(group[static_cast<std::size_t>(k)])] = k;
    }
    return r;
  }

  Collective& plain_ring(const RankContext& ctx) const {
    plain_form();
    ring_->set_fidelity(fidelity(ctx));
    return *ring_;
  }
  const Collective& plain_form() const {
    if (!ring_) ring_ = CollectiveRegistry::create("ring");
    return *ring_;
  }

  mutable std::unique_ptr<Collective> ring_;              // shared by the ranks of one run
  mutable GroupCache<Rings> rings_;                       // shared by the ranks of one run
};

const bool registered_nccl_ring_allreduce = CollectiveRegistry::add(
    {"nccl_ring", "NCCL's rings: one ring per NIC, each leaving every machine through its own NIC (NCCL 2.x)", {}},
    [](const OptionValues&) { return std::make_unique<NcclRingAllreduce>(); });

}  // namespace
}  // namespace dtsim
