// Hierarchical allreduce (Goyal et al. 2017; NCCL/Horovod hierarchical): with g GPUs per machine and
// ranks machine-major (ctx.scenario().cluster.gpus_per_node),
//   1. intra-node ring reduce-scatter over NVLink/PCIe: GPU i of a machine owns 1/g of the machine's sum;
//   2. inter-node allreduce of that 1/g among the GPUs with the same local index on every machine,
//      with any flat algorithm ("hierarchical_<inner>"; "hierarchical" uses ring);
//   3. intra-node ring allgather.
// Cost with N machines: 2 (g-1)(alpha_l + n/g beta_l) + inner(N, n/g, alpha, max(beta_l, g beta)),
// where alpha_l, beta_l are the GPU-to-GPU route inside a machine, alpha the GPU-to-GPU route across
// machines and beta the NIC's: the g concurrent inner allreduces share each machine's NIC (with k NICs
// per machine, g/k share each: max(beta_l, (g/k) beta)).
// Groups whose members do not split into whole machines run the inner algorithm flat.
// Fast fidelity, where every flow starts together and keeps its rate (fast::ring_sends_one_flow for the
// inner rings, and one latency on every hop of a machine's ring): the reduce-scatter's and the
// allgather's bytes go round the machine as one flow, then the inner ring's one flow, then one meeting
// of the whole group waits the latencies both rings hid. The inner flows start together either way and
// share each NIC from start to end, so the times are the three phases' (up to one chunk unit with
// uneven chunks), with two flows and one meeting per rank instead of three of each; the sum is taken
// machine by machine in the phases' order, so real values give the same bits.
#include <map>
#include <memory>

#include "algorithms/collectives/chunks.h"
#include "algorithms/collectives/collective.h"
#include "algorithms/collectives/fast.h"
#include "algorithms/collectives/group_cache.h"
#include "algorithms/collectives/operations.h"

namespace dtsim {
namespace {

class HierarchicalAllreduce : public Collective {
 public:
  explicit HierarchicalAllreduce(std::string inner) : inner_name_(std::move(inner)) {}

  void run_allreduce(RankContext& ctx, const std::vector<int>& group, Message& data) const override {
    const int p = static_cast<int>(group.size());
    if (p == 1) return;
    Collective& in = inner(ctx);
    const std::shared_ptr<const Layout> held = layout_of(ctx, group);  // kept while this rank runs
    const Layout& layout = *held;
    if (layout.shape == Shape::OneMachine) {  // intra-node ring only
      reduce_scatter_ring(ctx, group, data, fidelity(ctx));
      allgather_ring(ctx, group, data, fidelity(ctx));
      return;
    }
    if (layout.shape == Shape::Flat) {
      in.allreduce(ctx, group, data);
      return;
    }
    const Layout::Place& place = layout.places.at(static_cast<std::size_t>(ctx.rank()));
    if (layout.one_flow) return one_flow_allreduce(ctx, group, layout, place, data);
    const std::vector<int>& local = layout.machines[static_cast<std::size_t>(place.machine)];
    reduce_scatter_ring(ctx, local, data, fidelity(ctx));
    const Chunks chunks(data, static_cast<int>(local.size()));
    Message part = chunks.extract(data, place.local_index);
    in.allreduce(ctx, layout.crosses[static_cast<std::size_t>(place.local_index)], part);
    chunks.assign(data, place.local_index, part);
    allgather_ring(ctx, local, data, fidelity(ctx));
  }

  double closed_form(int p, double n, double alpha, double beta) const override {
    return inner_form().closed_form(p, n, alpha, beta);  // one GPU per machine
  }

  // With a ring between machines, exact on machines of any size: each ring crosses one kind of hop.
  std::string analytic_blocker(const CostModel& m) const override {
    if (inner_name_ != "ring") return "its inner \"" + inner_name_ + "\" closed form assumes equal chunks";
    return m.gpus_per_node <= 1 ? inner_form().analytic_blocker(m) : "";
  }

  double closed_form_on(const CostModel& m) const override {
    const int g = m.gpus_per_node;
    if (g <= 1) return closed_form(m.p, m.n, m.alpha, m.beta);
    const int machines = m.p / g;
    double t = reduce_scatter_ring_time(g, m.n, m.alpha_local, m.beta_local) +
               allgather_ring_time(g, m.n, m.alpha_local, m.beta_local);
    const int sharing = std::max(1, g / std::max(1, m.nics_per_node));  // inner allreduces per NIC
    if (machines > 1)
      t += inner_form().closed_form(machines, m.n / g, m.alpha, std::max(m.beta_local, sharing * m.beta));
    return t;
  }

 private:
  Collective& inner(const RankContext& ctx) const {
    if (!inner_) inner_ = CollectiveRegistry::create(inner_name_);
    inner_->set_fidelity(fidelity(ctx));
    return *inner_;
  }
  const Collective& inner_form() const {
    if (!inner_) inner_ = CollectiveRegistry::create(inner_name_);
    return *inner_;
  }

  enum class Shape { Hierarchical, OneMachine, Flat };
  // How a group splits into machines. Built once per group and shared by its ranks: building it on
  // every call of every rank cost O(p^2 log p) per iteration (14x the flat ring at 4096 ranks).
  struct Layout {
    struct Place {
      int machine = -1;      // index into machines
      int local_index = -1;  // position among the machine's members
      int cross_index = -1;  // position in crosses[local_index]
    };
    Shape shape = Shape::Flat;
    std::vector<std::vector<int>> machines;  // members of each machine, in group order
    std::vector<std::vector<int>> crosses;   // per local index: that member of every machine, in group order
    std::vector<Place> places;               // per endpoint id (unused ids: machine -1)
    // Fast only: whether the one-flow form applies (top of the file), and then the group positions of
    // each machine's members, machines in the inner rings' order (the sum's order).
    bool one_flow = false;
    std::vector<std::vector<int>> machine_positions;
  };

  std::shared_ptr<const Layout> layout_of(const RankContext& ctx, const std::vector<int>& group) const {
    const bool fast = fidelity(ctx) == Fidelity::Fast && inner_name_ == "ring";
    return layouts_.get(group, [&](const std::vector<int>& members) { return make_layout(ctx, members, fast); });
  }

  static Layout make_layout(const RankContext& ctx, const std::vector<int>& group, bool fast) {
    const int g = std::max(1, ctx.scenario().cluster.gpus_per_node);
    Layout l;
    l.places.resize(static_cast<std::size_t>(ctx.endpoints()));
    std::map<int, int> index_of;  // machine id -> index into l.machines, in order of machine id
    for (int e : group) index_of.emplace(e < ctx.size() ? e / g : ctx.size() + e, 0);
    int next = 0;
    for (auto& [machine, index] : index_of) index = next++;
    l.machines.resize(index_of.size());
    for (int e : group) {
      const int m = index_of.at(e < ctx.size() ? e / g : ctx.size() + e);
      std::vector<int>& members = l.machines[static_cast<std::size_t>(m)];
      l.places.at(static_cast<std::size_t>(e)) = Layout::Place{m, static_cast<int>(members.size())};
      members.push_back(e);
    }
    const std::size_t local_size = l.machines.front().size();
    bool uniform = true;
    for (const std::vector<int>& members : l.machines) uniform = uniform && members.size() == local_size;
    if (uniform && l.machines.size() == 1) l.shape = Shape::OneMachine;
    else if (!uniform || local_size == 1) l.shape = Shape::Flat;
    else {
      l.shape = Shape::Hierarchical;
      l.crosses.resize(local_size);
      for (int e : group) {
        Layout::Place& place = l.places[static_cast<std::size_t>(e)];
        std::vector<int>& cross = l.crosses[static_cast<std::size_t>(place.local_index)];
        place.cross_index = static_cast<int>(cross.size());
        cross.push_back(e);
      }
      if (fast) decide_one_flow(ctx, group, l);
    }
    return l;
  }

  // The one-flow form needs the inner rings' flows to start together and share each NIC evenly
  // (fast::ring_sends_one_flow), every hop of a machine's ring as long (its flows then end together),
  // and every inner ring to visit the machines in one order (the order the sum is taken in).
  static void decide_one_flow(const RankContext& ctx, const std::vector<int>& group, Layout& l) {
    if (!fast::ring_sends_one_flow(ctx, l.crosses.front())) return;
    const std::size_t g = l.machines.front().size();
    for (const std::vector<int>& members : l.machines) {
      const double hop = fast::route_latency(ctx, members[0], members[1 % g]);
      for (std::size_t i = 0; i < g; ++i)
        if (fast::route_latency(ctx, members[i], members[(i + 1) % g]) != hop) return;
    }
    std::vector<int> machine_order;  // machine index of each member of crosses[0]
    for (int e : l.crosses.front()) machine_order.push_back(l.places[static_cast<std::size_t>(e)].machine);
    for (const std::vector<int>& cross : l.crosses)
      for (std::size_t c = 0; c < cross.size(); ++c)
        if (l.places[static_cast<std::size_t>(cross[c])].machine != machine_order[c]) return;
    std::vector<int> position(static_cast<std::size_t>(ctx.endpoints()), -1);
    for (std::size_t i = 0; i < group.size(); ++i) position[static_cast<std::size_t>(group[i])] = static_cast<int>(i);
    for (int m : machine_order) {
      std::vector<int> positions;
      for (int e : l.machines[static_cast<std::size_t>(m)]) positions.push_back(position[static_cast<std::size_t>(e)]);
      l.machine_positions.push_back(std::move(positions));
    }
    l.one_flow = true;
  }

  // The fast form of the top of the file (Layout::one_flow): both rings as one flow each, one meeting.
  static void one_flow_allreduce(RankContext& ctx, const std::vector<int>& group, const Layout& layout,
                                 const Layout::Place& place, Message& data) {
    const std::vector<int>& local = layout.machines[static_cast<std::size_t>(place.machine)];
    const std::vector<int>& cross = layout.crosses[static_cast<std::size_t>(place.local_index)];
    const int g = static_cast<int>(local.size()), machines = static_cast<int>(cross.size());
    const int li = place.local_index, ci = place.cross_index;
    // The machine's ring: every chunk but its own leaves in the reduce-scatter, every chunk but the
    // successor's in the allgather (operations.cpp); the inner ring the same over this member's chunk.
    const double intra = 2 * data.bytes - Chunks::chunk_bytes(data, g, li) - Chunks::chunk_bytes(data, g, (li + 1) % g);
    const Chunks parts(data, g);  // this member's part, by units (no copy of its values)
    const double part = parts.bytes(li);
    const std::size_t units = parts.length(li);
    const double inner = 2 * part - Chunks::chunk_bytes(part, units, machines, ci) -
                         Chunks::chunk_bytes(part, units, machines, (ci + 1) % machines);
    const int next_local = local[static_cast<std::size_t>((li + 1) % g)];
    const int next_cross = cross[static_cast<std::size_t>((ci + 1) % machines)];
    fast::ring_flows(ctx, next_local, local[static_cast<std::size_t>((li + g - 1) % g)], intra);
    fast::ring_flows(ctx, next_cross, cross[static_cast<std::size_t>((ci + machines - 1) % machines)], inner);
    // Each one-flow ring of q members hides 2q - 3 of its hops' latencies.
    const double hidden = (2 * g - 3) * fast::route_latency(ctx, ctx.rank(), next_local) +
                          (2 * machines - 3) * fast::route_latency(ctx, ctx.rank(), next_cross);
    auto meeting = fast::meet_after(ctx, group, std::move(data.values), hidden);
    data.values = meeting->sum_of_block_sums(layout.machine_positions);
  }

  std::string inner_name_;
  mutable std::unique_ptr<Collective> inner_;  // shared by the ranks of one run
  mutable GroupCache<Layout> layouts_;  // shared by the ranks of one run
};

const bool registered_hierarchical_allreduce = [] {
  CollectiveRegistry::add({"hierarchical", "intra-machine reduce-scatter, inter-machine ring, intra-machine allgather "
                                           "(Goyal et al. 2017)", {}},
                          [](const OptionValues&) { return std::make_unique<HierarchicalAllreduce>("ring"); });
  for (const char* inner : {"ring", "rabenseifner", "recursive_doubling", "binary_tree", "double_binary_tree",
                            "direct", "reduce_broadcast"}) {
    const std::string name = inner;
    CollectiveRegistry::add({"hierarchical_" + name, "hierarchical allreduce with " + name + " between machines", {}},
                            [name](const OptionValues&) { return std::make_unique<HierarchicalAllreduce>(name); });
  }
  return true;
}();

}  // namespace
}  // namespace dtsim
