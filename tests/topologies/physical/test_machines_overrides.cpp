// NICs per machine, intra-node presets, per-link overrides (slow NIC, heterogeneous rack) and
// fat-tree oversubscription against closed forms under the exact model (1e-6 relative).
#include <doctest/doctest.h>

#include <cmath>

#include "sim/scenario/scenario.h"
#include "tests/topologies/physical/physical_support.h"
#include "sim/engine/load_scenario.h"

namespace pt = dtsim::physical_test;
using nlohmann::json;

namespace {

constexpr double kBytes = 192.0 * 52083;
constexpr double kBw = 1.25e9;
constexpr double kLat = 5e-6;

void check_close(double got, double expected) {
  INFO("expected=" << expected << " got=" << got << " rel=" << std::abs(got - expected) / expected);
  CHECK(std::abs(got - expected) / expected <= 1e-6);
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("physical: a slow NIC slows the ring to 2(p-1)(alpha + S/(p B_slow))") {
  const int p = 4;
  const double slow = 1.25e8;  // 1 Gbps
  json s = pt::ring_scenario(p, kBytes, kBw, kLat);
  s["network"]["overrides"] = json::array({{{"node", 2}, {"bandwidth", "1Gbps"}}});
  check_close(pt::iteration_time(s), pt::ring_closed_form(p, kBytes, 2 * kLat, slow));
}

TEST_CASE("physical: a slow NIC on a fat-tree and on a torus") {
  const int p = 4;
  const double slow = 1.25e8;
  json s = pt::ring_scenario(p, kBytes, kBw, kLat);
  s["network"]["topology"] = "fat_tree";
  s["network"]["fat_tree"] = {{"down", {2, 2}}, {"up", {1, 1}}, {"links", {1, 1}}};
  s["network"]["overrides"] = json::array({{{"node", 1}, {"bandwidth", slow}}});
  // Slowest hops cross the core (4 links); the slow NIC is on hops 0->1 (2 links) and 1->2 (4 links).
  check_close(pt::iteration_time(s), pt::ring_closed_form(p, kBytes, 4 * kLat, slow));
  json t = pt::ring_scenario(p, kBytes, kBw, kLat);
  t["network"]["topology"] = "torus";
  t["network"]["torus"] = {{"dims", {4}}};
  t["network"]["overrides"] = json::array({{{"node", 3}, {"bandwidth", slow}}});
  // 1-D torus of 4: every ring step is one hop; node 3's ports carry 2->3 and 3->0.
  check_close(pt::iteration_time(t), pt::ring_closed_form(p, kBytes, kLat, slow));
}

TEST_CASE("physical: a heterogeneous rack (range of nodes with other bandwidth and latency)") {
  // Machines 2..3 on 2.5 Gbps NICs with 20 us latency: the slowest ring step is 2 -> 3 (both NICs slow).
  const int p = 6;
  json s = pt::ring_scenario(p, kBytes, kBw, kLat);
  s["network"]["overrides"] = json::array({{{"nodes", {2, 3}}, {"bandwidth", "2.5Gbps"}, {"latency", "20us"}}});
  check_close(pt::iteration_time(s), pt::ring_closed_form(p, kBytes, 2 * 20e-6, 2.5e9 / 8));
  // Latency-bound: a tiny message shows the latency part alone.
  json tiny = pt::ring_scenario(p, 192.0 * 4, kBw, kLat);
  tiny["network"]["overrides"] = s["network"]["overrides"];
  check_close(pt::iteration_time(tiny), pt::ring_closed_form(p, 192.0 * 4, 2 * 20e-6, 2.5e9 / 8));
}

TEST_CASE("physical: overrides of one NIC and of intra-node links, later entries win") {
  json s = pt::ring_scenario(2, kBytes, kBw, kLat);
  s["cluster"]["gpus_per_node"] = 4;
  s["network"]["nics_per_node"] = 2;
  s["network"]["overrides"] = json::array({{{"node", 1}, {"nic", 1}, {"bandwidth", "2Gbps"}},
                                           {{"node", 1}, {"nic", 1}, {"bandwidth", "1Gbps"}},
                                           {{"nodes", {0, 1}}, {"intra_node", {{"kind", "pcie"}}}}});
  // Ranks: machine 0 = 0..3, machine 1 = 4..7; GPU 2, 3 of a machine use NIC 1.
  json r = pt::routes(s, {{0, 4}, {0, 6}, {6, 0}, {0, 3}});
  CHECK(r["routes"][0]["min_bandwidth"].get<double>() == doctest::Approx(kBw));
  CHECK(r["routes"][1]["min_bandwidth"].get<double>() == doctest::Approx(1.25e8));
  CHECK(r["routes"][2]["min_bandwidth"].get<double>() == doctest::Approx(1.25e8));
  // Intra-node route on PCIe links (12 GB/s, 2 us each way), across the machine's two NICs.
  CHECK(r["routes"][3]["min_bandwidth"].get<double>() == doctest::Approx(12e9));
  CHECK(r["routes"][3]["latency"].get<double>() == doctest::Approx(4e-6));
}

TEST_CASE("physical: GPUs reach the fabric through their own NIC, intra-node traffic stays inside") {
  json s = pt::ring_scenario(2, kBytes, kBw, kLat);
  s["cluster"]["gpus_per_node"] = 4;
  s["network"]["nics_per_node"] = 2;
  json r = pt::routes(s, {{0, 4}, {3, 7}, {1, 2}, {0, 1}});
  auto names = [&](int i) { return r["routes"][i]["links"].dump(); };
  CHECK(contains(names(0), "node0-nic0-nic-link"));
  CHECK(contains(names(0), "node1-nic0-nic-link"));
  CHECK(contains(names(1), "node0-nic1-nic-link"));
  CHECK(contains(names(1), "node1-nic1-nic-link"));
  CHECK_FALSE(contains(names(2), "nic-link"));  // GPU 1 (NIC 0) to GPU 2 (NIC 1): backplane, no NIC
  CHECK(r["routes"][2]["latency"].get<double>() == doctest::Approx(2e-6));  // 2 x NVLink 1 us
  CHECK(r["routes"][3]["latency"].get<double>() == doctest::Approx(2e-6));
  CHECK(r["routes"][0]["latency"].get<double>() == doctest::Approx(2e-6 + 2 * kLat));
}

TEST_CASE("physical: NVLink GPUs reach their NIC over their own PCIe path, PCIe GPUs over their one link") {
  json s = pt::ring_scenario(2, kBytes, kBw, kLat);
  s["cluster"]["gpus_per_node"] = 4;
  s["network"]["nics_per_node"] = 2;
  // To another machine, within the leaf (NIC), across the machine's two NICs.
  json r = pt::routes(s, {{1, 5}, {0, 1}, {1, 2}});
  auto names = [&](const json& routes, int i) { return routes["routes"][i]["links"].dump(); };
  INFO(r.dump());
  CHECK(contains(names(r, 0), "node0-gpu1-pcie_UP"));
  CHECK(contains(names(r, 0), "node1-gpu1-pcie_DOWN"));
  CHECK_FALSE(contains(names(r, 0), "gpu1-link"));  // not over NVLink
  CHECK(r["routes"][0]["latency"].get<double>() == doctest::Approx(2e-6 + 2 * kLat));  // as before: 1 us each way
  CHECK(contains(names(r, 1), "node0-gpu0-link_UP"));  // same NIC: NVLink up and down
  CHECK(contains(names(r, 2), "node0-gpu1-link_UP"));  // other NIC: NVLink, backplane, NVLink
  CHECK(contains(names(r, 2), "node0-nic0-backplane"));
  for (int i : {1, 2}) CHECK_FALSE(contains(names(r, i), "pcie"));
  s["network"]["intra_node"] = {{"kind", "pcie"}};
  json pcie = pt::routes(s, {{1, 5}});
  CHECK(contains(names(pcie, 0), "node0-gpu1-link_UP"));
  CHECK_FALSE(contains(names(pcie, 0), "pcie"));
}

TEST_CASE("physical: a machine's network links are its NIC uplinks, on NVLink and PCIe machines") {
  json s = pt::ring_scenario(3, kBytes, kBw, kLat);
  s["cluster"]["gpus_per_node"] = 4;
  s["network"]["nics_per_node"] = 2;
  const std::vector<std::string> expected = {"node1-nic0-nic-link_UP", "node1-nic1-nic-link_UP"};
  CHECK(pt::machine_link_names(s, 1) == expected);  // not the GPUs' PCIe paths
  s["network"]["intra_node"] = {{"kind", "pcie"}};
  CHECK(pt::machine_link_names(s, 1) == expected);
}

TEST_CASE("physical: NICs per machine share the machine's traffic (PS, 4 GPUs, 4 servers)") {
  // One machine of 4 GPUs pushes to 4 PS shards on their own hosts: each GPU sends n/4 to each shard.
  // One NIC carries all 4n bytes: push = alpha + 4n/B; with 4 NICs each carries n: alpha + n/B
  // (server links carry n each). alpha = NVLink (1 us) + 2 NIC links; PS = 2 x (push).
  const double n = 4.0 * 960000;
  json s = pt::ring_scenario(1, n, kBw, kLat);
  s["cluster"]["gpus_per_node"] = 4;
  s["algorithm"] = {{"name", "parameter_server"}, {"servers", 4}};
  const double alpha = 1e-6 + 2 * kLat;
  check_close(pt::iteration_time(s), 2 * (alpha + 4 * n / kBw));
  s["network"]["nics_per_node"] = 4;
  check_close(pt::iteration_time(s), 2 * (alpha + n / kBw));
}

TEST_CASE("physical: intra-node presets nvlink and pcie") {
  json s = pt::ring_scenario(2, kBytes, 100e9, 1e-6);  // a fast fabric, so the PCIe links are the bottleneck
  s["cluster"]["gpus_per_node"] = 4;
  s["network"]["intra_node"] = {{"kind", "pcie"}};
  dtsim::ScenarioResult parsed = dtsim::parse_scenario(s);
  REQUIRE(parsed.ok());
  CHECK(parsed.scenario.network.intra_node.bandwidth == doctest::Approx(12e9));
  CHECK(parsed.scenario.network.intra_node.latency == doctest::Approx(2e-6));
  CHECK(parsed.scenario.resolved["network"]["intra_node"]["kind"] == "pcie");
  // Slowest hop: GPU -> NIC -> switch -> NIC -> GPU: alpha = 2 x 2 us + 2 x 1 us, rate 12 GB/s.
  check_close(pt::iteration_time(s), pt::ring_closed_form(8, kBytes, 2 * 2e-6 + 2 * 1e-6, 12e9));
  s["network"]["intra_node"] = {{"kind", "nvlink"}, {"latency", "3us"}};
  parsed = dtsim::parse_scenario(s);
  REQUIRE(parsed.ok());
  CHECK(parsed.scenario.network.intra_node.bandwidth == doctest::Approx(150e9));
  CHECK(parsed.scenario.network.intra_node.latency == doctest::Approx(3e-6));
}

TEST_CASE("physical: fat-tree oversubscription: PS across pods slows by the oversubscription factor") {
  // down [4, 2]: two pods of 4 leaves. 4 workers in pod 0, 4 PS shards in pod 1. Each worker sends
  // n/4 to each shard: 4n bytes cross pod 0's uplinks. With up [1, 1] (4:1) one uplink carries all:
  // push = alpha + 4n/B. With up [1, 4] (1:1) the routes to the 4 shards use 4 different core
  // switches: push = alpha + n/B. alpha = 4 links.
  const double n = 4.0 * 960000;
  json s = pt::ring_scenario(4, n, kBw, kLat);
  s["network"]["topology"] = "fat_tree";
  s["algorithm"] = {{"name", "parameter_server"}, {"servers", 4}};
  s["network"]["fat_tree"] = {{"down", {4, 2}}, {"up", {1, 1}}, {"links", {1, 1}}};
  const double oversubscribed = pt::iteration_time(s);
  check_close(oversubscribed, 2 * (4 * kLat + 4 * n / kBw));
  s["network"]["fat_tree"] = {{"down", {4, 2}}, {"up", {1, 4}}, {"links", {1, 1}}};
  const double full = pt::iteration_time(s);
  check_close(full, 2 * (4 * kLat + n / kBw));
  MESSAGE("PS push+pull across pods: 4:1 oversubscribed " << oversubscribed << " s, 1:1 " << full
                                                          << " s, ratio " << oversubscribed / full);
}

TEST_CASE("physical: fat-tree oversubscription: a ring across pods pays latency, not bandwidth") {
  // A ring in rank order crosses each pod boundary with one flow per direction, so an oversubscribed
  // (4:1) tree does not slow it: within one pod alpha = 2 l; across pods the slowest step has 4 l.
  json s = pt::ring_scenario(4, kBytes, kBw, kLat);
  s["network"]["topology"] = "fat_tree";
  s["network"]["fat_tree"] = {{"down", {4, 2}}, {"up", {1, 1}}, {"links", {1, 1}}};
  const double within = pt::iteration_time(s);
  check_close(within, pt::ring_closed_form(4, kBytes, 2 * kLat, kBw));
  s = pt::ring_scenario(8, kBytes, kBw, kLat);
  s["network"]["topology"] = "fat_tree";
  s["network"]["fat_tree"] = {{"down", {4, 2}}, {"up", {1, 1}}, {"links", {1, 1}}};
  check_close(pt::iteration_time(s), pt::ring_closed_form(8, kBytes, 4 * kLat, kBw));
}
