// simgrid_floor: what SimGrid 3.32 itself costs for the fast ring's blocking pattern, with no dtsim code.
//
// N actors on the quick start's platform (one star zone, each host on its own 25 Gbps / 5 us split-duplex
// link, CM02 exact alpha-beta) repeat, per iteration, exactly the simulation calls a rank makes in a
// flat ring allreduce at "fast" fidelity where the ring's flows never contend (fast::ring_sends_one_flow):
// sleep (compute), irecv + isend + wait + wait (one flow of both phases' bytes), a barrier (the group
// meeting, the last to arrive sleeping the hidden latencies first). With "two-phase", the calls of the
// two-phase form (elsewhere, and before the one-flow form): the reduce-scatter flow, the meeting, the
// allgather flow, a sleep for its hidden latencies. The wall time per rank per iteration is the floor
// under dtsim's fast ring: dtsim's bookkeeping can only add to it. It prints the simulated iteration
// too, which must equal compute + 2(p-1) alpha + 2 n (p-1)/p beta.
//
//   bench/simgrid_floor RANKS [ITERATIONS] [two-phase]   (LD_PRELOAD jemalloc: dtsim links it)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <simgrid/s4u.hpp>

namespace sg4 = simgrid::s4u;

namespace {

constexpr double kBandwidth = 25e9 / 8;       // bytes/s
constexpr double kLatency = 5e-6;             // per link; a route crosses two
constexpr double kBytes = 4 * 25557032.0;     // ResNet-50's gradient in fp32
constexpr double kCompute = 0.05333;          // about the quick start's compute per iteration

struct Ring {
  int p = 0;
  int iterations = 0;
  bool two_phase = false;
  sg4::BarrierPtr barrier;
  int arrived = 0;
  std::vector<sg4::Mailbox*> to_next;  // to_next[i]: rank i -> rank i + 1
  double last_iteration = 0;
};

void flows(Ring& ring, int me, double bytes) {
  static int token = 0;
  const int prev = (me + ring.p - 1) % ring.p;
  void* received = nullptr;
  auto incoming = ring.to_next[prev]->get_async(&received);
  auto outgoing = ring.to_next[me]->put_async(&token, static_cast<uint64_t>(bytes));
  incoming->wait();
  outgoing->wait();
}

void rank(Ring& ring, int me) {
  const int p = ring.p;
  const double hidden = (p - 2) * 2 * kLatency;
  const double chunk = kBytes * (p - 1) / p;
  for (int it = 0; it < ring.iterations; ++it) {
    const double begin = sg4::Engine::get_clock();
    sg4::this_actor::sleep_for(kCompute);
    if (!ring.two_phase) {
      flows(ring, me, 2 * chunk);
      if (++ring.arrived == p) {
        ring.arrived = 0;
        sg4::this_actor::sleep_for(2 * hidden + 2 * kLatency);  // the 2p - 3 latencies the flow did not pay
      }
      ring.barrier->wait();
      if (me == 0) ring.last_iteration = sg4::Engine::get_clock() - begin;
      continue;
    }
    flows(ring, me, chunk);
    // The meeting (dtsim's fast::meet_after): all but the last block once; the last to arrive sleeps
    // the hidden latencies for everybody. Actors run one at a time, so a plain counter is safe.
    if (++ring.arrived == p) {
      ring.arrived = 0;
      sg4::this_actor::sleep_for(hidden);
    }
    ring.barrier->wait();
    flows(ring, me, chunk);
    sg4::this_actor::sleep_for(hidden);
    if (me == 0) ring.last_iteration = sg4::Engine::get_clock() - begin;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s RANKS [ITERATIONS] [two-phase]\n", argv[0]);
    return 2;
  }
  Ring ring;
  ring.p = std::atoi(argv[1]);
  ring.iterations = argc > 2 ? std::atoi(argv[2]) : 10;
  ring.two_phase = argc > 3 && std::string(argv[3]) == "two-phase";
  if (ring.p < 3 || ring.iterations < 1) {
    std::fprintf(stderr, "RANKS must be >= 3 and ITERATIONS >= 1\n");
    return 2;
  }
  sg4::Engine engine(&argc, argv);
  engine.set_config("network/model:CM02");
  engine.set_config("network/crosstraffic:0");
  engine.set_config("network/TCP-gamma:0");
  engine.set_config("contexts/stack-size:1024");
  engine.set_config(std::string("contexts/guard-size:") + (ring.p > 30000 ? "0" : "1"));

  auto* fabric = sg4::create_star_zone("fabric");
  std::vector<sg4::Host*> hosts;
  for (int i = 0; i < ring.p; ++i) {
    const std::string name = "rank" + std::to_string(i);
    sg4::Host* host = fabric->create_host(name, 1e12)->seal();
    auto* link = fabric->create_split_duplex_link(name + "-nic", kBandwidth);
    link->set_latency(kLatency);
    link->seal();
    fabric->add_route(host->get_netpoint(), nullptr, nullptr, nullptr,
                      {sg4::LinkInRoute(link, sg4::LinkInRoute::Direction::UP)}, false);
    fabric->add_route(nullptr, host->get_netpoint(), nullptr, nullptr,
                      {sg4::LinkInRoute(link, sg4::LinkInRoute::Direction::DOWN)}, false);
    hosts.push_back(host);
  }
  fabric->seal();
  ring.barrier = sg4::Barrier::create(static_cast<unsigned>(ring.p));
  for (int i = 0; i < ring.p; ++i) ring.to_next.push_back(sg4::Mailbox::by_name(std::to_string(i) + ">next"));
  for (int i = 0; i < ring.p; ++i) sg4::Actor::create("rank" + std::to_string(i), hosts[i], [&ring, i] { rank(ring, i); });

  const auto start = std::chrono::steady_clock::now();
  engine.run();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const int p = ring.p;
  const double closed = kCompute + 2 * (p - 1) * 2 * kLatency + 2 * kBytes * (p - 1) / p / kBandwidth;
  std::printf("%s ranks %d iterations %d wall %.2f s  %.2f us per rank-iteration  simulated iteration %.9f s "
              "(closed form %.9f, relative error %.1e)\n",
              ring.two_phase ? "two-phase" : "one-flow", p, ring.iterations, wall, wall / p / ring.iterations * 1e6, ring.last_iteration, closed,
              ring.last_iteration / closed - 1);
  return 0;
}
