#include "sim/engine/server_links.h"

#include <algorithm>
#include <iterator>
#include <vector>

namespace sg4 = simgrid::s4u;

namespace dtsim {
namespace {

std::vector<sg4::Link*> route(sg4::Host* from, sg4::Host* to) {
  std::vector<sg4::Link*> links;
  double latency = 0;
  from->route_to(to, links, &latency);
  std::sort(links.begin(), links.end());
  return links;
}

std::vector<sg4::Link*> common(const std::vector<sg4::Link*>& x, const std::vector<sg4::Link*>& y) {
  std::vector<sg4::Link*> both;
  std::set_intersection(x.begin(), x.end(), y.begin(), y.end(), std::back_inserter(both));
  return both;
}

}  // namespace

void widen_server_links(sg4::Host* server, sg4::Host* a, sg4::Host* b, double factor) {
  std::vector<sg4::Link*> links = common(route(server, a), route(server, b));
  for (sg4::Link* l : common(route(a, server), route(b, server))) links.push_back(l);
  for (sg4::Link* l : links) l->set_bandwidth(l->get_bandwidth() * factor);
}

}  // namespace dtsim
