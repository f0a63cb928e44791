#include "algorithms/collectives/fast.h"

#include "algorithms/collectives/collective.h"
#include "algorithms/collectives/analytic.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <string>
#include <tuple>
#include <unordered_map>

#include <simgrid/s4u.hpp>
#include <xbt/config.hpp>

namespace sg4 = simgrid::s4u;

namespace dtsim::fast {
namespace {

// Endpoint id -> host, from the actors' names ("rank<i>", "server<j>"), built once per simulation.
sg4::Host* endpoint_host(const RankContext& ctx, int endpoint) {
  static std::vector<sg4::Host*> hosts;
  static const sg4::Engine* built_for = nullptr;
  const sg4::Engine* engine = sg4::Engine::get_instance();
  if (built_for != engine || hosts.size() != static_cast<std::size_t>(ctx.endpoints())) {
    hosts.assign(ctx.endpoints(), nullptr);
    for (const auto& actor : engine->get_all_actors()) {
      const std::string& name = actor->get_name();
      int index = -1;
      if (name.rfind("rank", 0) == 0) index = std::atoi(name.c_str() + 4);
      else if (name.rfind("server", 0) == 0) index = ctx.size() + std::atoi(name.c_str() + 6);
      if (index >= 0 && index < ctx.endpoints()) hosts[index] = actor->get_host();
    }
    built_for = engine;
  }
  return endpoint >= 0 && endpoint < static_cast<int>(hosts.size()) ? hosts[endpoint] : nullptr;
}

// SimGrid 3.32 declares "network/latency-factor" as a double option (CM02 sets it to 1). Reading it
// with any other type reinterprets the option's storage, so it is read as a double and nothing else.
double latency_factor() {
  static const double factor = [] {
    const double f = simgrid::config::get_value<double>("network/latency-factor");
    return f > 0 ? f : 1.0;
  }();
  return factor;
}

}  // namespace

double route_latency(const RankContext& ctx, int from, int to) {
  static std::unordered_map<long, double> cache;  // routes are static during a simulation
  static const sg4::Engine* cached_for = nullptr;
  if (cached_for != sg4::Engine::get_instance()) {
    cache.clear();
    cached_for = sg4::Engine::get_instance();
  }
  const long key = static_cast<long>(from) * ctx.endpoints() + to;
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  sg4::Host* a = endpoint_host(ctx, from);
  sg4::Host* b = endpoint_host(ctx, to);
  double latency = 2 * ctx.scenario().network.link.latency;  // unknown hosts: a switch route
  if (a && b) {
    std::vector<sg4::Link*> links;
    latency = 0;
    a->route_to(b, links, &latency);
    latency *= latency_factor();
  }
  cache.emplace(key, latency);
  return latency;
}

void latency_wait(RankContext& ctx, double seconds) { ctx.comm_pause(seconds); }

void ring_flows(RankContext& ctx, int next, int prev, double bytes) {
  auto incoming = ctx.irecv(prev);
  auto outgoing = ctx.isend(next, Message{bytes, {}});
  ctx.wait(incoming);
  ctx.wait(outgoing);
}

namespace {
// into += c element-wise (into starts as zeros of c's size); empty contributions add nothing.
void accumulate(std::vector<float>& into, const std::vector<float>& c) {
  if (c.empty()) return;
  if (into.empty()) into.assign(c.size(), 0.0f);
  if (c.size() != into.size()) throw std::logic_error("fast meeting: contributions of different sizes");
  for (std::size_t k = 0; k < c.size(); ++k) into[k] += c[k];
}
}  // namespace

const std::vector<float>& Meeting::sum() {
  if (!summed_) {
    summed_ = true;
    for (const auto& c : contributions) accumulate(sum_, c);
  }
  return sum_;
}

const std::vector<float>& Meeting::sum_of_block_sums(const std::vector<std::vector<int>>& blocks) {
  if (!block_summed_) {
    block_summed_ = true;
    std::vector<float> block;
    for (const std::vector<int>& indices : blocks) {
      block.clear();
      for (int i : indices) accumulate(block, contributions.at(static_cast<std::size_t>(i)));
      accumulate(block_sums_, block);
    }
  }
  return block_sums_;
}

namespace {
struct Pending {
  std::shared_ptr<Meeting> meeting;
  sg4::BarrierPtr barrier;
  int arrived = 0;
  const std::vector<int>* group = nullptr;  // the first member's (alive while it waits in the meeting)
};
// A meeting's group is told apart by its first member, size and last member (O(1) per member). Two
// different groups with the same three, used at once by overlapping members, would share counters and
// meetings; enter() checks that every member of a meeting passed the group its first member did (the
// same vector, in O(1), or an equal one) and throws rather than mix them.
using GroupKey = std::tuple<int, int, int>;  // first member, size, last member

// Deposits `mine` in the group's next meeting; `last`: this member completed it.
struct Entry {
  std::shared_ptr<Meeting> meeting;
  sg4::BarrierPtr barrier;
  bool last = false;
};
Entry enter(RankContext& ctx, const std::vector<int>& group, std::vector<float> mine) {
  // Per endpoint, per group it meets in (a handful): collectives entered. Indexed by endpoint, not a
  // map keyed by (endpoint, group): at 16,384 ranks that map's lookup was a chain of cache misses.
  static std::vector<std::vector<std::pair<GroupKey, long>>> calls;
  static const sg4::Engine* calls_for = nullptr;
  static std::map<std::pair<GroupKey, long>, Pending> pending;
  if (calls_for != sg4::Engine::get_instance() || calls.size() != static_cast<std::size_t>(ctx.endpoints())) {
    calls.assign(static_cast<std::size_t>(ctx.endpoints()), {});
    calls_for = sg4::Engine::get_instance();
  }
  const int p = static_cast<int>(group.size());
  const GroupKey key{group.front(), p, group.back()};
  auto& mine_calls = calls[static_cast<std::size_t>(ctx.rank())];
  auto counter = std::find_if(mine_calls.begin(), mine_calls.end(), [&](const auto& c) { return c.first == key; });
  if (counter == mine_calls.end()) counter = mine_calls.insert(mine_calls.end(), {key, 0L});
  const long sequence = counter->second++;
  const int me = index_in_group(group, ctx.rank());
  auto& slot = pending[{key, sequence}];
  if (!slot.meeting) {
    slot.meeting = std::make_shared<Meeting>();
    slot.meeting->contributions.resize(p);
    slot.barrier = sg4::Barrier::create(p);
    slot.group = &group;
  } else if (slot.group != &group && *slot.group != group) {
    throw std::logic_error("fast meeting: endpoint " + std::to_string(ctx.rank()) + " met a group of " +
                           std::to_string(p) + " members that another member entered with different members "
                           "(groups with the same first and last members in use at once)");
  }
  slot.meeting->contributions[me] = std::move(mine);
  Entry entry{slot.meeting, slot.barrier, ++slot.arrived == p};
  if (entry.last) pending.erase({key, sequence});
  return entry;
}

}  // namespace

std::shared_ptr<Meeting> meet(RankContext& ctx, const std::vector<int>& group, std::vector<float> mine) {
  Entry entry = enter(ctx, group, std::move(mine));
  ctx.settle();  // time charged ahead (a Lockstep) passes before the barrier
  entry.barrier->wait();
  return entry.meeting;
}

std::shared_ptr<Meeting> meet_after(RankContext& ctx, const std::vector<int>& group, std::vector<float> mine,
                                    double seconds) {
  if (seconds <= 0) return meet(ctx, group, std::move(mine));
  ctx.settle();
  const double arrival = ctx.now();
  const double ready = arrival + seconds;  // where sleeping `seconds` from here ends
  ctx.communicated(arrival, ready);        // as latency_wait counts its sleep
  Entry entry = enter(ctx, group, std::move(mine));
  Meeting& m = *entry.meeting;
  if (ready > m.latest_ready) {
    m.latest_ready = ready;
    m.latest_ready_wait = seconds;
    m.latest_ready_from = arrival;
  }
  if (entry.last) {
    // The last to arrive sleeps for everybody; its own wait, exactly, where it ends last.
    if (m.latest_ready_from == arrival) simgrid::s4u::this_actor::sleep_for(m.latest_ready_wait);
    else ctx.sleep_until(m.latest_ready);
  }
  entry.barrier->wait();
  return entry.meeting;
}

std::shared_ptr<Meeting> meet_and_wait(RankContext& ctx, const std::vector<int>& group, std::vector<float> mine,
                                       double seconds) {
  Entry entry = enter(ctx, group, std::move(mine));
  Meeting& m = *entry.meeting;
  const double arrival = ctx.now();
  const bool first = m.least_wait < 0;
  m.latest_arrival = first ? arrival : std::max(m.latest_arrival, arrival);
  m.least_wait = first ? seconds : std::min(m.least_wait, seconds);
  if (entry.last) ctx.sleep_until(m.latest_arrival + m.least_wait);
  entry.barrier->wait();
  ctx.caught_up(arrival);
  // A longer wait by less than SimGrid's timing precision (a ring's one-byte-larger chunk at 25 Gbps:
  // 0.3 ns) is not charged: SimGrid would round the sleep up to 1 ns, and most members would block twice.
  if (seconds - m.least_wait >= RankContext::timing_precision()) ctx.sleep_until(m.latest_arrival + seconds);
  if (seconds > 0) ctx.communicated(m.latest_arrival, ctx.now());  // the collective's span of this iteration
  return entry.meeting;
}

bool ring_platform_allows_one_flow(const Scenario& s) { return platform_analytic_blocker(s).empty(); }

bool ring_sends_one_flow(const RankContext& ctx, const std::vector<int>& group) {
  // Called per rank and allreduce: the platform's answer and each group's are worked out once per
  // simulation (a blocked platform's reason is a string built on every call).
  struct Answers {
    const sg4::Engine* engine = nullptr;
    bool platform = false;
    std::map<GroupKey, bool> one_per_machine;  // groups told apart as meetings do
  };
  static Answers answers;
  if (answers.engine != sg4::Engine::get_instance()) {
    answers = Answers{sg4::Engine::get_instance(), ring_platform_allows_one_flow(ctx.scenario()), {}};
  }
  const int g = ctx.scenario().cluster.gpus_per_node;
  if (!answers.platform || g <= 1) return answers.platform;
  const GroupKey key{group.front(), static_cast<int>(group.size()), group.back()};
  if (auto it = answers.one_per_machine.find(key); it != answers.one_per_machine.end()) return it->second;
  std::vector<bool> seen(static_cast<std::size_t>(ctx.size() / g + 1), false);
  bool distinct = true;
  for (int member : group) {
    if (member >= ctx.size()) { distinct = false; break; }  // a server: not a GPU rank
    const auto machine = static_cast<std::size_t>(member / g);
    distinct = distinct && !seen[machine];
    seen[machine] = true;
  }
  answers.one_per_machine.emplace(key, distinct);
  return distinct;
}

}  // namespace dtsim::fast
