#include "sim/engine/link_usage.h"

#include <algorithm>
#include <limits>
#include <unordered_map>

namespace sg4 = simgrid::s4u;

namespace dtsim {

std::string link_tier(const std::string& name) {
  auto has = [&](const char* part) { return name.find(part) != std::string::npos; };
  if (has("-gpu") && has("-link")) return "gpu";
  if (has("-gpu") && has("-pcie")) return "pcie";
  if (has("-backplane")) return "backplane";
  if (has("-nic-link")) return "nic";
  if (name.rfind("server", 0) == 0) return "server";
  if (name == "__loopback__") return "loopback";  // SimGrid's own, for transfers within one host
  return "fabric";
}

LinkUsageMeter::LinkUsageMeter(const std::vector<sg4::Host*>& endpoints) : endpoints_(endpoints) {
  links_ = sg4::Engine::get_instance()->get_all_links();
  std::sort(links_.begin(), links_.end(), [](const sg4::Link* a, const sg4::Link* b) { return a->get_name() < b->get_name(); });
  for (sg4::Link* link : links_) nominal_bandwidth_.push_back(link->get_bandwidth());  // before any jitter
}

std::int32_t LinkUsageMeter::pair_index(int src, int dst) {
  const std::int64_t key = static_cast<std::int64_t>(src) * static_cast<std::int64_t>(endpoints_.size()) + dst;
  auto [it, added] = pair_of_.try_emplace(key, static_cast<std::int32_t>(pairs_.size()));
  if (added) pairs_.push_back({src, dst, 0.0});
  return it->second;
}

void LinkUsageMeter::add_transfer(int src, int dst, double start, double end, double bytes) {
  const std::int32_t pair = pair_index(src, dst);
  pairs_[static_cast<std::size_t>(pair)].bytes += bytes;
  if (transfers_.size() < kMaxTimedTransfers) transfers_.push_back({pair, start, end});
  else timed_ = false;
}

std::vector<LinkUsage> LinkUsageMeter::measure(double run_time) const {
  std::unordered_map<const sg4::Link*, std::size_t> index;
  for (std::size_t i = 0; i < links_.size(); ++i) index[links_[i]] = i;
  // Each endpoint pair's route, once.
  std::vector<std::vector<std::size_t>> routes(pairs_.size());
  for (std::size_t k = 0; k < pairs_.size(); ++k) {
    std::vector<sg4::Link*> links;
    endpoints_[static_cast<std::size_t>(pairs_[k].src)]->route_to(endpoints_[static_cast<std::size_t>(pairs_[k].dst)],
                                                                  links, nullptr);
    for (sg4::Link* l : links) routes[k].push_back(index.at(l));
  }

  std::vector<LinkUsage> out(links_.size());
  // Start and end events in time order, ends first at equal times (back-to-back transfers do not overlap).
  struct Event {
    double t;
    std::int32_t delta;
    std::int32_t pair;
  };
  // Bytes per link summed over the pairs in (src, dst) order.
  std::vector<std::size_t> by_ends(pairs_.size());
  for (std::size_t k = 0; k < by_ends.size(); ++k) by_ends[k] = k;
  std::sort(by_ends.begin(), by_ends.end(), [this](std::size_t a, std::size_t b) {
    return std::make_pair(pairs_[a].src, pairs_[a].dst) < std::make_pair(pairs_[b].src, pairs_[b].dst);
  });
  for (std::size_t k : by_ends)
    for (std::size_t l : routes[k]) out[l].bytes += pairs_[k].bytes;
  std::vector<Event> events;
  if (timed_) events.reserve(2 * transfers_.size());
  for (std::size_t k = 0; timed_ && k < transfers_.size(); ++k) {
    const Transfer& x = transfers_[k];
    if (x.end > x.start) {
      events.push_back({x.start, +1, x.pair});
      events.push_back({x.end, -1, x.pair});
    }
  }
  std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    return a.t != b.t ? a.t < b.t : a.delta < b.delta;
  });
  std::vector<int> flows(links_.size(), 0);
  std::vector<double> busy_since(links_.size(), 0);
  for (const Event& e : events) {
    for (std::size_t l : routes[static_cast<std::size_t>(e.pair)]) {
      if (e.delta > 0 && flows[l]++ == 0) busy_since[l] = e.t;
      if (e.delta < 0 && --flows[l] == 0) out[l].busy_s += e.t - busy_since[l];
      out[l].peak_flows = std::max(out[l].peak_flows, flows[l]);
    }
  }
  for (std::size_t i = 0; i < links_.size(); ++i) {
    LinkUsage& u = out[i];
    u.link = links_[i]->get_name();
    u.tier = link_tier(u.link);
    u.sharing = links_[i]->get_sharing_policy() == sg4::Link::SharingPolicy::FATPIPE ? "fatpipe" : "shared";
    u.bandwidth = nominal_bandwidth_[i];
    u.utilisation = run_time > 0 && u.bandwidth > 0 ? u.bytes / (u.bandwidth * run_time) : 0;
    if (!timed_) {
      u.busy_s = std::numeric_limits<double>::quiet_NaN();
      u.peak_flows = -1;
    }
  }
  return out;
}

}  // namespace dtsim
