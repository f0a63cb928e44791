// Every fabric against its hop-count closed form under the exact model: a route crossing h links of
// latency l has alpha = h l, and a contention-free ring waits each step for its slowest hop:
// 2(p-1)(alpha_slowest + S/(p B_slowest)). Tolerance 1e-6 relative.
#include <doctest/doctest.h>

#include <cmath>

#include "tests/topologies/physical/physical_support.h"

namespace pt = dtsim::physical_test;
using nlohmann::json;

namespace {

constexpr double kBytes = 192.0 * 52083;  // ~10 MB, divisible by every p used here
constexpr double kBw = 1.25e9;            // 10 Gbps
constexpr double kLat = 5e-6;

void check_close(double got, double expected) {
  INFO("expected=" << expected << " got=" << got << " rel=" << std::abs(got - expected) / expected);
  CHECK(std::abs(got - expected) / expected <= 1e-6);
}

json on_fabric(int nodes, const std::string& topology, const json& params) {
  json s = pt::ring_scenario(nodes, kBytes, kBw, kLat);
  s["network"]["topology"] = topology;
  if (!params.is_null()) s["network"][topology] = params;
  return s;
}

}  // namespace

TEST_CASE("physical: switch 2-node ring equals the closed form (2 links per route)") {
  check_close(pt::iteration_time(pt::ring_scenario(2, kBytes, kBw, kLat)), pt::ring_closed_form(2, kBytes, 2 * kLat, kBw));
}

TEST_CASE("physical: fat-tree 2-node ring within an edge switch (2 links) and across the core (4 links)") {
  // down [2, 2]: leaves 0 and 1 share an edge switch.
  check_close(pt::iteration_time(on_fabric(2, "fat_tree", {{"down", {2, 2}}, {"up", {1, 2}}, {"links", {1, 1}}})),
              pt::ring_closed_form(2, kBytes, 2 * kLat, kBw));
  // down [1, 2]: one leaf per edge switch, so the two machines meet at the level-2 switch.
  check_close(pt::iteration_time(on_fabric(2, "fat_tree", {{"down", {1, 2}}, {"up", {1, 1}}, {"links", {1, 1}}})),
              pt::ring_closed_form(2, kBytes, 4 * kLat, kBw));
}

TEST_CASE("physical: torus 2-node ring between neighbours crosses one link") {
  check_close(pt::iteration_time(on_fabric(2, "torus", {{"dims", {4, 4}}})), pt::ring_closed_form(2, kBytes, kLat, kBw));
}

TEST_CASE("physical: torus route latency grows by one link latency per hop") {
  // 4x4 torus, 16 machines; machine i at (i mod 4, i / 4). Hops with wrap-around:
  // 0->1: 1, 0->2: 2, 0->5: 2, 0->10: 4 (the farthest), 0->3: 1 (wrap), 0->15: 2 (wrap both).
  json s = on_fabric(16, "torus", {{"dims", {4, 4}}});
  const std::vector<std::pair<int, int>> pairs = {{0, 1}, {0, 2}, {0, 5}, {0, 10}, {0, 3}, {0, 15}, {10, 0}};
  const std::vector<int> hops = {1, 2, 2, 4, 1, 2, 4};
  json r = pt::routes(s, pairs);
  for (size_t i = 0; i < pairs.size(); ++i) {
    INFO("pair " << pairs[i].first << "->" << pairs[i].second << " " << r["routes"][i].dump());
    CHECK(r["routes"][i]["links"].size() == static_cast<size_t>(hops[i]));
    CHECK(r["routes"][i]["latency"].get<double>() == doctest::Approx(hops[i] * kLat).epsilon(1e-12));
  }
  // Neighbour vs far apart: the difference is exactly (4 - 1) hops.
  CHECK(r["routes"][3]["latency"].get<double>() - r["routes"][0]["latency"].get<double>() ==
        doctest::Approx(3 * kLat).epsilon(1e-9));
}

TEST_CASE("physical: torus 16-node ring waits for its 2-hop wrap steps") {
  // Ring 0..15 on a 4x4 torus: i -> i+1 is one hop except 3->4, 7->8, 11->12 and 15->0 (x wraps, y
  // steps: two hops); no two flows share a link direction, so each step takes 2 l + S/(pB).
  check_close(pt::iteration_time(on_fabric(16, "torus", {{"dims", {4, 4}}})),
              pt::ring_closed_form(16, kBytes, 2 * kLat, kBw));
}

TEST_CASE("physical: 3-D torus routes take the shortest way round each ring") {
  // 4x4x4: machine 0 = (0,0,0), 42 = (2,2,2): 6 hops; 63 = (3,3,3): 3 hops by wrap-around.
  json s = on_fabric(64, "torus", {{"dims", {4, 4, 4}}});
  json r = pt::routes(s, {{0, 42}, {0, 63}, {0, 16}});
  CHECK(r["routes"][0]["links"].size() == 6);
  CHECK(r["routes"][1]["links"].size() == 3);
  CHECK(r["routes"][2]["links"].size() == 1);
  CHECK(r["routes"][0]["latency"].get<double>() == doctest::Approx(6 * kLat).epsilon(1e-12));
}

TEST_CASE("physical: dragonfly routes and 2-node ring") {
  // 2 groups x 2 chassis x 2 routers x 2 nodes = 16 ports. Machines 0 and 1 share a router.
  json params = {{"groups", {2, 1}}, {"chassis", {2, 1}}, {"routers", {2, 1}}, {"nodes", 2}};
  json s = on_fabric(16, "dragonfly", params);
  // Same router, same chassis other router, same group other chassis, other group.
  json r = pt::routes(s, {{0, 1}, {0, 2}, {0, 4}, {0, 8}, {0, 15}});
  for (size_t i = 0; i < r["routes"].size(); ++i) {
    const json& route = r["routes"][i];
    INFO("route " << i << ": " << route.dump());
    // alpha is the number of links crossed times the link latency, whatever the path.
    CHECK(route["latency"].get<double>() == doctest::Approx(route["links"].size() * kLat).epsilon(1e-12));
  }
  const size_t same_router = r["routes"][0]["links"].size();
  CHECK(same_router == 2);  // NIC -> router -> NIC
  CHECK(r["routes"][1]["links"].size() > same_router);
  CHECK(r["routes"][3]["links"].size() > r["routes"][1]["links"].size());
  MESSAGE("dragonfly hops from machine 0 to 1, 2, 4, 8, 15: "
          << r["routes"][0]["links"].size() << ", " << r["routes"][1]["links"].size() << ", "
          << r["routes"][2]["links"].size() << ", " << r["routes"][3]["links"].size() << ", "
          << r["routes"][4]["links"].size());
  // A 2-machine ring on one router: alpha = 2 l.
  check_close(pt::iteration_time(on_fabric(2, "dragonfly", params)), pt::ring_closed_form(2, kBytes, 2 * kLat, kBw));
}
