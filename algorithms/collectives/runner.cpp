#include "algorithms/collectives/runner.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>

#include <simgrid/s4u.hpp>

#include "algorithms/collectives/chunks.h"
#include "algorithms/collectives/operations.h"
#include "sim/engine/network_tiers.h"
#include "sim/engine/rank_context.h"
#include "sim/engine/simgrid_setup.h"
#include "sim/engine/recorder.h"
#include "sim/plugin/physical_topology.h"

namespace sg4 = simgrid::s4u;

namespace dtsim {
namespace {

// Exact small integers: every sum over up to 2^20 ranks is exact in float in any order.
float input_value(int rank, std::size_t k) { return static_cast<float>((rank * 7 + k * 3) % 17 + 1); }

std::vector<int> ring_neighbours(int p, int me) {
  std::vector<int> out;
  if (p > 1) out.push_back((me + p - 1) % p);
  if (p > 2) out.push_back((me + 1) % p);
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> known_collectives() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& name : CollectiveRegistry::names()) out.emplace_back("allreduce", name);
  out.emplace_back("reduce_scatter", "ring");
  out.emplace_back("allgather", "ring");
  out.emplace_back("broadcast", "binomial");
  out.emplace_back("reduce", "binomial");
  out.emplace_back("neighbor_exchange", "ring");
  return out;
}

CostModel cost_model(const Scenario& s, double bytes) {
  CostModel m;
  m.p = s.cluster.ranks();
  m.n = bytes;
  m.gpus_per_node = s.cluster.gpus_per_node;
  m.nics_per_node = s.network.nics_per_node;
  // Per tier (network_tiers.h): latency x factor + overhead, bandwidth x factor.
  const TierModel inter = tier_model(s.network, NetworkTier::InterNode);
  const TierModel intra = tier_model(s.network, NetworkTier::IntraNode);
  const double route = 2 * s.network.link.latency + (m.gpus_per_node > 1 ? 2 * s.network.intra_node.latency : 0);
  m.alpha = route * inter.latency_factor + inter.overhead;
  m.beta = 1 / (s.network.link.bandwidth * inter.bandwidth_factor);
  m.alpha_local = 2 * s.network.intra_node.latency * intra.latency_factor + intra.overhead;
  m.beta_local = 1 / (s.network.intra_node.bandwidth * intra.bandwidth_factor);
  m.gpus_own_nic_path = m.gpus_per_node > 1 && s.network.intra_node_kind != "pcie";  // topologies/physical/machine.h
  return m;
}

double closed_form_time(const Scenario& s, const CollectiveSpec& spec) {
  const CostModel m = cost_model(s, spec.bytes);
  const int p = m.p;
  if (spec.operation == "allreduce") return CollectiveRegistry::create(spec.algorithm)->closed_form_on(m);
  if (spec.operation == "reduce_scatter") return reduce_scatter_ring_time(p, m.n, m.alpha, m.beta);
  if (spec.operation == "allgather") return allgather_ring_time(p, m.n, m.alpha, m.beta);
  if (spec.operation == "broadcast") return broadcast_binomial_time(p, m.n, m.alpha, m.beta);
  if (spec.operation == "reduce") return reduce_binomial_time(p, m.n, m.alpha, m.beta);
  if (spec.operation == "neighbor_exchange")
    return neighbor_exchange_time(static_cast<int>(ring_neighbours(p, 0).size()), m.n, m.alpha, m.beta);
  throw std::invalid_argument("unknown collective operation \"" + spec.operation + "\"");
}

CollectiveOutcome run_collective(const Scenario& scenario, const CollectiveSpec& spec) {
  const auto wall_begin = std::chrono::steady_clock::now();
  const auto known = known_collectives();
  if (std::find(known.begin(), known.end(), std::make_pair(spec.operation, spec.algorithm)) == known.end())
    throw std::invalid_argument("unknown collective " + spec.operation + " / " + spec.algorithm);

  std::unique_ptr<sg4::Engine> engine = start_simgrid("dtsim-collective", scenario);

  const int p = scenario.cluster.ranks();
  Recorder recorder(false);
  Cluster cluster{scenario, {}, p, recorder};
  cluster.hosts = PhysicalTopologyRegistry::create(scenario.network.topology, scenario.network.topology_options)
                      ->build(scenario, 0);
  install_network_tiers(*engine, scenario.network);

  std::unique_ptr<Collective> allreduce;
  if (spec.operation == "allreduce") {
    allreduce = CollectiveRegistry::create(spec.algorithm);
    allreduce->set_fidelity(spec.fidelity);
  }
  std::vector<int> group(p);
  for (int i = 0; i < p; ++i) group[i] = i;
  const std::size_t elements = spec.check_values ? static_cast<std::size_t>(spec.bytes / 4) : 0;
  const double bytes = spec.check_values ? 4.0 * elements : spec.bytes;

  CollectiveOutcome outcome;
  std::vector<double> total(elements, 0.0);  // the expected sum, exact
  for (int q = 0; q < p; ++q)
    for (std::size_t k = 0; k < elements; ++k) total[k] += input_value(q, k);
  std::vector<double> finish(p, 0);
  for (int r = 0; r < p; ++r) {
    sg4::Actor::create("rank" + std::to_string(r), cluster.hosts[r], [&, r] {
      RankContext ctx(cluster, r);
      for (int it = 0; it < spec.repeat; ++it) {
        ctx.begin_iteration(it);
        Message data{bytes, {}};
        if (elements) {
          data.values.resize(elements);
          for (std::size_t k = 0; k < elements; ++k) data.values[k] = input_value(r, k);
        }
        std::vector<Message> received;
        if (spec.operation == "allreduce") {
          allreduce->allreduce(ctx, group, data);
        } else if (spec.operation == "reduce_scatter") {
          reduce_scatter_ring(ctx, group, data, spec.fidelity);
        } else if (spec.operation == "allgather") {
          allgather_ring(ctx, group, data, spec.fidelity);
        } else if (spec.operation == "broadcast") {
          broadcast_binomial(ctx, group, 0, data);
        } else if (spec.operation == "reduce") {
          reduce_binomial(ctx, group, 0, data);
        } else {
          received = neighbor_exchange(ctx, ring_neighbours(p, r), data);
        }
        ctx.end_iteration();
        if (!elements || it != spec.repeat - 1) continue;
        const Chunks chunks(Message{bytes, std::vector<float>(elements)}, p);  // only to check (O(p))
        auto expect = [&](std::size_t k) { return total[k]; };
        auto check = [&](const std::vector<float>& got, std::size_t first, std::size_t count, auto value) {
          for (std::size_t k = first; k < first + count; ++k) {
            ++outcome.checked;
            if (k >= got.size() || static_cast<double>(got[k]) != value(k)) ++outcome.wrong;
          }
        };
        const std::size_t n = elements;
        if (spec.operation == "allreduce") {
          check(data.values, 0, n, expect);
        } else if (spec.operation == "reduce_scatter") {
          check(data.values, chunks.offset(r), chunks.length(r), expect);
        } else if (spec.operation == "allgather") {
          std::vector<int> owner(n);
          for (int i = 0; i < p; ++i)
            for (std::size_t k = 0; k < chunks.length(i); ++k) owner[chunks.offset(i) + k] = i;
          check(data.values, 0, n, [&](std::size_t k) { return static_cast<double>(input_value(owner[k], k)); });
        } else if (spec.operation == "broadcast") {
          check(data.values, 0, n, [&](std::size_t k) { return static_cast<double>(input_value(0, k)); });
        } else if (spec.operation == "reduce") {
          if (r == 0) check(data.values, 0, n, expect);
        } else {
          const std::vector<int> peers = ring_neighbours(p, r);
          for (std::size_t i = 0; i < peers.size(); ++i)
            check(i < received.size() ? received[i].values : std::vector<float>{}, 0, n,
                  [&](std::size_t k) { return static_cast<double>(input_value(peers[i], k)); });
        }
      }
      finish[r] = ctx.now();
    });
  }
  engine->run();
  outcome.time_s = *std::max_element(finish.begin(), finish.end());
  outcome.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_begin).count();
  return outcome;
}

}  // namespace dtsim
