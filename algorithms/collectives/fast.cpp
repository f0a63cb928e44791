#include "algorithms/collectives/fast.h"

#include "algorithms/collectives/collective.h"

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
  static std::unordered_map<std::string, sg4::Host*> by_name;
  static const sg4::Engine* built_for = nullptr;
  const sg4::Engine* engine = sg4::Engine::get_instance();
  if (built_for != engine || by_name.empty()) {
    by_name.clear();
    for (const auto& actor : engine->get_all_actors()) by_name[actor->get_name()] = actor->get_host();
    built_for = engine;
  }
  const std::string name =
      endpoint < ctx.size() ? "rank" + std::to_string(endpoint) : "server" + std::to_string(endpoint - ctx.size());
  auto it = by_name.find(name);
  return it == by_name.end() ? nullptr : it->second;
}

double latency_factor() {
  static double factor = [] {
    try {
      const std::string value = simgrid::config::get_value<std::string>("network/latency-factor");
      char* end = nullptr;
      const double f = std::strtod(value.c_str(), &end);
      if (end && *end == '\0' && f > 0) return f;
    } catch (...) {
    }
    try {
      const double f = simgrid::config::get_value<double>("network/latency-factor");
      if (f > 0) return f;
    } catch (...) {
    }
    return 1.0;
  }();
  return factor;
}

}  // namespace

double route_latency(const RankContext& ctx, int from, int to) {
  sg4::Host* a = endpoint_host(ctx, from);
  sg4::Host* b = endpoint_host(ctx, to);
  if (!a || !b) {  // not started by a known engine: fall back to a switch route
    return 2 * ctx.scenario().network.link.latency;
  }
  std::vector<sg4::Link*> links;
  double latency = 0;
  a->route_to(b, links, &latency);
  return latency * latency_factor();
}

void latency_wait(double seconds) {
  if (seconds > 0) sg4::this_actor::sleep_for(seconds);
}

const std::vector<float>& Meeting::sum() {
  if (!summed_) {
    summed_ = true;
    for (const auto& c : contributions) {
      if (c.empty()) continue;
      if (sum_.empty()) sum_.assign(c.size(), 0.0f);
      if (c.size() != sum_.size()) throw std::logic_error("fast meeting: contributions of different sizes");
      for (std::size_t k = 0; k < c.size(); ++k) sum_[k] += c[k];
    }
  }
  return sum_;
}

namespace {
struct Pending {
  std::shared_ptr<Meeting> meeting;
  sg4::BarrierPtr barrier;
  int arrived = 0;
};
using GroupKey = std::tuple<int, int, int>;  // first member, size, last member
}  // namespace

std::shared_ptr<Meeting> meet(RankContext& ctx, const std::vector<int>& group, std::vector<float> mine) {
  static std::map<std::pair<int, GroupKey>, long> calls;  // per (endpoint, group): collectives entered
  static std::map<std::pair<GroupKey, long>, Pending> pending;
  const int p = static_cast<int>(group.size());
  const GroupKey key{group.front(), p, group.back()};
  const long sequence = calls[{ctx.rank(), key}]++;
  const int me = index_in_group(group, ctx.rank());
  auto& slot = pending[{key, sequence}];
  if (!slot.meeting) {
    slot.meeting = std::make_shared<Meeting>();
    slot.meeting->contributions.resize(p);
    slot.barrier = sg4::Barrier::create(p);
  }
  slot.meeting->contributions[me] = std::move(mine);
  std::shared_ptr<Meeting> meeting = slot.meeting;
  sg4::BarrierPtr barrier = slot.barrier;
  if (++slot.arrived == p) pending.erase({key, sequence});
  barrier->wait();
  return meeting;
}

}  // namespace dtsim::fast
