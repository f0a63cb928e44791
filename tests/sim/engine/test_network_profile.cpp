// network.profile and network.model "tcp", per tier (sim/engine/network_tiers.h): a ring allreduce
// under a profile costs 2(p-1)(alpha + (S/p)/beta) with the profile's fitted alpha and beta when the
// scenario's links are the nominal ones the profile was fitted against; "tcp" changes inter-node
// Ethernet messages only.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>

#include "sim/app/child_process.h"
#include "sim/engine/load_scenario.h"
#include "sim/engine/network_tiers.h"
#include "sim/engine/simgrid_setup.h"
#include "sim/plugin/physical_topology.h"
#include "tests/algorithms/collectives/collective_test_support.h"
#include "tests/support/test_support.h"

namespace {

constexpr double kBytes = 192.0 * 52083;  // ~10 MB, divisible by 8: equal chunks
constexpr double kSmall = 192.0 * 4;

// A profile file: inter_node fitted on 12.5 GB/s links with a 10 us route (alpha 30 us, beta
// 7.5 GB/s: efficiency 0.6, overhead 20 us); intra_node on 100 GB/s NVLink with a 2 us route (alpha
// 7 us, beta 80 GB/s: efficiency 0.8, overhead 5 us).
std::string write_profile(const nlohmann::json& tiers) {
  const std::string path = dtsim::test::make_temp_dir() + "/profile.json";
  nlohmann::json p = {{"name", "test"}, {"system", "a test system"}, {"source", "hand-made"}, {"tiers", tiers}};
  std::ofstream(path) << p.dump(2);
  return path;
}
const nlohmann::json kInter = {{"efficiency", 0.6}, {"overhead", 20e-6}, {"alpha", 30e-6}, {"beta", 7.5e9},
                               {"nominal_bandwidth", 12.5e9}, {"nominal_latency", 10e-6}};
const nlohmann::json kIntra = {{"efficiency", 0.8}, {"overhead", 5e-6}, {"alpha", 7e-6}, {"beta", 80e9},
                               {"nominal_bandwidth", 100e9}, {"nominal_latency", 2e-6}};

nlohmann::json ring_scenario(int nodes, int gpus_per_node, double bytes) {
  nlohmann::json s = dtsim::test::base_scenario(nodes);
  s["cluster"]["gpus_per_node"] = gpus_per_node;
  s["network"]["bandwidth"] = 12.5e9;
  s["network"]["latency"] = 5e-6;
  s["network"]["intra_node"] = {{"bandwidth", 100e9}, {"latency", 1e-6}};
  s["workload"] = {{"params", static_cast<long>(bytes)}, {"bytes_per_param", 1}, {"compute_time", 0}};
  return s;
}

void check_time(const nlohmann::json& s, double expected) {
  const double got = dtsim::test::simulate(s)["iteration_time_s"].get<double>();
  INFO("expected=" << expected << " got=" << got);
  CHECK(std::abs(got - expected) / expected <= 1e-6);
}

double ring(int p, double bytes, double alpha, double beta) { return 2.0 * (p - 1) * (alpha + bytes / p / beta); }

}  // namespace

TEST_CASE("network profile: ring allreduce between machines takes the profile's inter-node alpha and beta") {
  for (double bytes : {kBytes, kSmall}) {
    nlohmann::json s = ring_scenario(8, 1, bytes);
    s["network"]["profile"] = write_profile({{"inter_node", kInter}});
    check_time(s, ring(8, bytes, 30e-6, 7.5e9));
  }
}

TEST_CASE("network profile: ring allreduce inside one machine takes the profile's intra-node alpha and beta") {
  for (double bytes : {kBytes, kSmall}) {
    nlohmann::json s = ring_scenario(1, 8, bytes);
    s["network"]["profile"] = write_profile({{"intra_node", kIntra}, {"inter_node", kInter}});
    check_time(s, ring(8, bytes, 7e-6, 80e9));
  }
}

// 2 machines x 4 GPUs: each ring step waits for its slowest hop, the one between machines, whose
// message is inter-node: its route has two NVLink and two NIC links (alpha = 2 x 1 + 2 x 5 us + the
// 20 us overhead) and moves at 0.6 x the NIC's 12.5 GB/s.
TEST_CASE("network profile: a ring over multi-GPU machines waits for its inter-node hop") {
  nlohmann::json s = ring_scenario(2, 4, kBytes);
  s["network"]["profile"] = write_profile({{"intra_node", kIntra}, {"inter_node", kInter}});
  check_time(s, ring(8, kBytes, 32e-6, 7.5e9));
}

TEST_CASE("network profile: a tier the profile leaves out stays exact") {
  nlohmann::json s = ring_scenario(1, 8, kBytes);
  s["network"]["profile"] = write_profile({{"inter_node", kInter}});
  check_time(s, ring(8, kBytes, 2e-6, 100e9));
}

TEST_CASE("network model tcp: TCP factors on inter-node Ethernet messages only") {
  SUBCASE("inside one machine (NVLink): exact alpha-beta") {
    nlohmann::json s = ring_scenario(1, 8, kBytes);
    s["network"]["model"] = "tcp";
    check_time(s, ring(8, kBytes, 2e-6, 100e9));
  }
  SUBCASE("between machines on Ethernet: SimGrid LV08's latency x13.01 and bandwidth x0.97") {
    nlohmann::json s = ring_scenario(8, 1, kBytes);
    s["network"]["model"] = "tcp";
    check_time(s, ring(8, kBytes, 13.01 * 10e-6, 0.97 * 12.5e9));
  }
  SUBCASE("between machines on InfiniBand: exact") {
    nlohmann::json s = ring_scenario(8, 1, kBytes);
    s["network"]["model"] = "tcp";
    s["network"]["link_layer"] = "infiniband";
    check_time(s, ring(8, kBytes, 10e-6, 12.5e9));
  }
  SUBCASE("a profile's tier replaces the TCP factors") {
    nlohmann::json s = ring_scenario(8, 1, kBytes);
    s["network"]["model"] = "tcp";
    s["network"]["profile"] = write_profile({{"inter_node", kInter}});
    check_time(s, ring(8, kBytes, 30e-6, 7.5e9));
  }
}

namespace {
std::string first_error(const nlohmann::json& s) {
  const dtsim::ScenarioResult r = dtsim::parse_scenario(s);
  REQUIRE_FALSE(r.ok());
  return r.errors.front();
}
}  // namespace

TEST_CASE("network profile: bad profiles are reported with the JSON path inside the profile") {
  nlohmann::json s = ring_scenario(8, 1, kBytes);
  nlohmann::json bad = kInter;
  bad["efficiency"] = 1.5;
  s["network"]["profile"] = write_profile({{"inter_node", bad}});
  std::string e = first_error(s);
  INFO(e);
  CHECK(e.find("/network/profile") == 0);
  CHECK(e.find("/tiers/inter_node/efficiency") != std::string::npos);
  CHECK(e.find("1.5") != std::string::npos);

  s["network"]["profile"] = write_profile({{"inter_nodes", kInter}});
  e = first_error(s);
  CHECK(e.find("/tiers/inter_nodes: unknown key") != std::string::npos);

  s["network"]["profile"] = "no-such-profile";
  e = first_error(s);
  CHECK(e.find("/network/profile: \"no-such-profile\" is neither a shipped profile nor a readable file") == 0);

  // An overhead is charged on the route's latency: a zero latency cannot carry it.
  s["network"]["profile"] = write_profile({{"inter_node", kInter}});
  s["network"]["latency"] = 0;
  e = first_error(s);
  CHECK(e.find("/network/latency: 0 s") == 0);
}

TEST_CASE("network profile: every shipped profile loads") {
  for (const std::string& name : dtsim::shipped_profile_names()) {
    nlohmann::json s = ring_scenario(2, 8, kBytes);
    s["network"]["profile"] = name;
    const dtsim::ScenarioResult r = dtsim::parse_scenario(s);
    INFO(name << ": " << (r.ok() ? std::string() : r.errors.front()));
    CHECK(r.ok());
    CHECK(r.scenario.network.calibration.name == name);
    CHECK((r.scenario.network.calibration.intra_node.given || r.scenario.network.calibration.inter_node.given));
  }
}

// Contention: two machines send S bytes at once to a third, whose NIC link (bandwidth B) they share.
// The profile's efficiency is SimGrid's rate factor: each flow occupies B/2 of the link but moves
// 0.6 x B/2 of payload, so together they get 0.6 x B of goodput and both finish at
// alpha + 2S / (0.6 B). (A per-flow cap at 0.6 B would let them share the full B: 2S / B.)
TEST_CASE("network profile: efficiency is goodput of the link's capacity under contention") {
  nlohmann::json s = ring_scenario(3, 1, kBytes);
  s["network"]["profile"] = write_profile({{"inter_node", kInter}});
  const dtsim::ScenarioResult parsed = dtsim::parse_scenario(s);
  REQUIRE(parsed.ok());
  const double bytes = 1e8;
  const nlohmann::json r = dtsim::run_in_child_process([&] {
    auto engine = dtsim::start_simgrid("dtsim-test", parsed.scenario);
    auto hosts = dtsim::PhysicalTopologyRegistry::create("switch", parsed.scenario.network.topology_options)
                     ->build(parsed.scenario, 0);
    dtsim::install_network_tiers(*engine, parsed.scenario.network);
    static int payload = 0;
    std::vector<double> done;
    for (int sender : {0, 1}) {  // one mailbox and one receiver per flow, so both flows start at 0
      const std::string box = "from" + std::to_string(sender);
      simgrid::s4u::Actor::create("sender", hosts[sender], [bytes, box] {
        simgrid::s4u::Mailbox::by_name(box)->put(&payload, static_cast<std::uint64_t>(bytes));
      });
      simgrid::s4u::Actor::create("receiver", hosts[2], [&done, box] {
        simgrid::s4u::Mailbox::by_name(box)->get<int>();
        done.push_back(simgrid::s4u::Engine::get_clock());
      });
    }
    engine->run();
    return nlohmann::json{{"done", done}};
  });
  REQUIRE_FALSE(r.contains("error"));
  const double expected = 30e-6 + 2 * bytes / (0.6 * 12.5e9);
  REQUIRE(r["done"].size() == 2);
  for (double t : r["done"].get<std::vector<double>>()) {
    INFO("expected=" << expected << " got=" << t);
    CHECK(std::abs(t - expected) / expected <= 1e-6);
  }
}

// `dtsim collective`'s closed form (cost_model) sees the same per-tier alpha and beta as the simulation.
TEST_CASE("network profile: the collectives' closed form uses the profile's tiers") {
  nlohmann::json s = ring_scenario(2, 4, kBytes);
  s["network"]["profile"] = write_profile({{"intra_node", kIntra}, {"inter_node", kInter}});
  for (const char* algorithm : {"ring", "hierarchical"}) {
    dtsim::CollectiveSpec spec;
    spec.algorithm = algorithm;
    spec.bytes = kBytes;
    const dtsim::test::CollectiveResult r = dtsim::test::simulate_collective(s, spec);
    INFO(algorithm << ": simulated " << r.time << " closed form " << r.closed_form);
    CHECK(r.relative_error() <= 1e-6);
  }
  dtsim::CollectiveSpec flat;
  flat.bytes = kBytes;
  CHECK(dtsim::closed_form_time(dtsim::parse_scenario(s).scenario, flat) ==
        doctest::Approx(ring(8, kBytes, 32e-6, 7.5e9)).epsilon(1e-12));
}
