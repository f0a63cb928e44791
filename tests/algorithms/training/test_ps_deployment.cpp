// The parameter server as deployed (ps_deployment.h): bytes measured on the SimGrid links themselves
// (every completed transfer's size added to each link of its route) against the closed forms for
// local aggregation, colocated shards and tensor partitioning, and the per-bucket push/pull schedule
// (fifo against priority) against the hand-computed timeline.
#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <string>

#include <simgrid/s4u.hpp>

#include "sim/app/child_process.h"
#include "sim/engine/engine.h"
#include "sim/engine/load_scenario.h"
#include "tests/support/test_support.h"

namespace sg4 = simgrid::s4u;
using nlohmann::json;

namespace {

// Runs `scenario` in a child and returns {"links": {name: bytes}, "local_routes": [links...] of every
// transfer between two hosts of machine 0 (names "node0-..."), "iterations": run}.
json link_bytes(const json& scenario) {
  dtsim::ScenarioResult parsed = dtsim::parse_scenario(scenario);
  for (const auto& e : parsed.errors) FAIL_CHECK("scenario error: " << e);
  REQUIRE(parsed.ok());
  json result = dtsim::run_in_child_process([&] {
    auto links = std::make_shared<std::map<std::string, double>>();
    auto local = std::make_shared<json>(json::array());
    sg4::Activity::on_completion_cb([links, local](const sg4::Activity& a) {
      const auto* comm = dynamic_cast<const sg4::Comm*>(&a);
      if (comm == nullptr || comm->get_dst_data() == nullptr) return;  // count each transfer once: its receive
      const auto* message = *static_cast<dtsim::Message* const*>(comm->get_dst_data());
      sg4::Host* from = comm->get_source();
      sg4::Host* to = comm->get_destination();
      std::vector<sg4::Link*> route;
      from->route_to(to, route, nullptr);
      json names = json::array();
      for (sg4::Link* l : route) {
        (*links)[l->get_name()] += message->bytes;
        names.push_back(l->get_name());
      }
      if (from->get_name().rfind("node0-", 0) == 0 && to->get_name().rfind("node0-", 0) == 0) local->push_back(names);
    });
    dtsim::RunResult run = dtsim::run_simulation(parsed.scenario);
    return json{{"links", *links}, {"local_routes", *local}, {"iterations", run.iterations_run}};
  });
  if (result.contains("error")) FAIL("simulation failed: " << result["error"].get<std::string>());
  return result;
}

json cluster_scenario(int nodes, int gpus, json algorithm) {
  json s = dtsim::test::base_scenario(nodes);
  s["cluster"]["gpus_per_node"] = gpus;
  s["workload"] = {{"params", 1000000}, {"bytes_per_param", 4}, {"compute_time", "10ms"}};
  s["algorithm"] = std::move(algorithm);
  return s;
}

// Bytes per step on one direction of a link ("<name>_UP" leaves the leaf, "_DOWN" enters it).
double per_step(const json& r, const std::string& link) {
  const json& links = r["links"];
  return links.contains(link) ? links[link].get<double>() / r["iterations"].get<double>() : 0.0;
}

const double n = 4e6;  // the gradient: 1e6 parameters of 4 bytes

}  // namespace

TEST_CASE("ps deployment: local aggregation puts one gradient per machine on its NIC (8-GPU machines)") {
  const int machines = 2, gpus = 8;
  for (bool aggregate : {false, true}) {
    const json r = link_bytes(cluster_scenario(
        machines, gpus, {{"name", "parameter_server"}, {"local_aggregation", aggregate}}));
    const double a = aggregate ? 1 : gpus;  // pushers per machine
    INFO("local_aggregation=" << aggregate);
    for (int m = 0; m < machines; ++m) {
      const std::string nic = "node" + std::to_string(m) + "-nic-link";
      CHECK(per_step(r, nic + "_UP") == doctest::Approx(a * n).epsilon(1e-12));   // pushes
      CHECK(per_step(r, nic + "_DOWN") == doctest::Approx(a * n).epsilon(1e-12)); // pulls
    }
    CHECK(per_step(r, "server0-nic-link_DOWN") == doctest::Approx(machines * a * n).epsilon(1e-12));
    CHECK(per_step(r, "server0-nic-link_UP") == doctest::Approx(machines * a * n).epsilon(1e-12));
  }
}

TEST_CASE("ps deployment: colocated shards, a machine's traffic with its own shard crosses no NIC") {
  const int machines = 2, gpus = 4;
  for (bool aggregate : {false, true}) {
    const json r = link_bytes(cluster_scenario(
        machines, gpus, {{"name", "parameter_server"}, {"placement", "colocated"}, {"local_aggregation", aggregate}}));
    INFO("local_aggregation=" << aggregate);
    // a n (M-1)/M of pushes to the other shards plus a n (M-1)/M of this shard's replies, each way.
    const double a = aggregate ? 1 : gpus;
    const double expected = 2 * a * n * (machines - 1) / machines;
    for (int m = 0; m < machines; ++m) {
      const std::string nic = "node" + std::to_string(m) + "-nic-link";
      CHECK(per_step(r, nic + "_UP") == doctest::Approx(expected).epsilon(1e-12));
      CHECK(per_step(r, nic + "_DOWN") == doctest::Approx(expected).epsilon(1e-12));
    }
    // Machine 0's transfers with its own shard (and its local reduce/broadcast) exist and stay inside.
    const json& local = r["local_routes"];
    REQUIRE(local.size() > 0);
    for (const json& route : local)
      for (const json& link : route) CHECK(link.get<std::string>().find("nic") == std::string::npos);
  }
}

TEST_CASE("ps deployment: colocated shards on the first k machines only (colocated_machines)") {
  // 4 machines of 2 GPUs, shards on machines 0 and 1. A shard machine sends a n (k-1)/k to the other
  // shard and replies a n / k to each of the M - 1 other machines (the same comes in); a machine
  // without a shard pushes and pulls its whole a n.
  const int machines = 4, gpus = 2, k = 2;
  for (bool aggregate : {false, true}) {
    const json r = link_bytes(cluster_scenario(machines, gpus,
                                               {{"name", "parameter_server"},
                                                {"placement", "colocated"},
                                                {"colocated_machines", k},
                                                {"local_aggregation", aggregate}}));
    INFO("local_aggregation=" << aggregate);
    const double a = aggregate ? 1 : gpus;
    const double shard_machine = a * n * (k - 1) / k + (machines - 1) * a * n / k;
    for (int m = 0; m < machines; ++m) {
      const std::string nic = "node" + std::to_string(m) + "-nic-link";
      const double expected = m < k ? shard_machine : a * n;
      INFO("machine " << m);
      CHECK(per_step(r, nic + "_UP") == doctest::Approx(expected).epsilon(1e-12));
      CHECK(per_step(r, nic + "_DOWN") == doctest::Approx(expected).epsilon(1e-12));
    }
  }
}

TEST_CASE("ps deployment: partitions of partition_bytes are dealt to the shards round-robin") {
  // 10 MB in 4 MB partitions: pieces of 4, 4 and 2 MB; shard 0 holds 4 + 2, shard 1 holds 4.
  json s = cluster_scenario(2, 2, {{"name", "parameter_server"}, {"servers", 2}, {"partition_bytes", 4e6},
                                   {"local_aggregation", true}});
  s["workload"]["params"] = 2500000;
  const json r = link_bytes(s);
  CHECK(per_step(r, "server0-nic-link_DOWN") == doctest::Approx(2 * 6e6).epsilon(1e-12));
  CHECK(per_step(r, "server1-nic-link_DOWN") == doctest::Approx(2 * 4e6).epsilon(1e-12));
  CHECK(per_step(r, "node0-nic-link_UP") == doctest::Approx(10e6).epsilon(1e-12));
}

namespace {

// One worker, one dedicated server; layers [4 MB, 16 MB] in two DDP buckets; the last layer's bucket
// in four 4 MB partitions (p0..p3), the first layer's in one (p4). compute c = 27 ms: forward 9 ms,
// backward 18 ms split by parameters, so bucket 0 (last layer) is ready at r0 = 9 + 14.4 ms and bucket
// 1 at 27 ms; a piece's push or pull takes d = 2 x latency + 4 MB / bandwidth, pushes one at a time,
// each pull right after its push on the other direction of the links. The next forward pass runs the
// first layer (1.8 ms) once p4 is pulled, the last (7.2 ms) once p0..p3 are.
json two_bucket(const std::string& scheduling) {
  json s = dtsim::test::base_scenario(1);
  s["network"]["bandwidth"] = 1e9;
  s["network"]["latency"] = 5e-6;
  s["workload"] = {{"params", 5000000}, {"bytes_per_param", 4}, {"compute_time", 0.027}, {"layers", {1, 4}},
                   {"fusion", {{"policy", "ddp"}, {"first_bucket", 1}, {"bucket_cap", 1}}}};
  s["algorithm"] = {{"name", "parameter_server"}, {"partition_bytes", 4e6}, {"scheduling", scheduling}};
  s["run"] = {{"iterations", 3}, {"warmup_iterations", 0}};
  return dtsim::test::simulate(s);
}

}  // namespace

TEST_CASE("ps deployment: per-bucket push/pull, fifo and priority iteration times equal the hand-computed schedule") {
  const double d = 2 * 5e-6 + 4e6 / 1e9, r0 = 0.009 + 0.0144, c = 0.027;
  const json fifo = two_bucket("fifo"), priority = two_bucket("priority");
  // Iteration 0: nothing to wait for, c. Iteration 1, fifo: p4 queues behind p0..p3 and is pulled at
  // r0 + 6d (from the end of iteration 0, r0 + 6d - c + c). Priority: p4 overtakes p1..p3, pulled at
  // r0 + 3d; the first layer's forward (1.8 ms) runs before p3 is pulled at r0 + 6d, so 1.8 ms less.
  // Iteration 2 adds the drain: its own last pull, r0 - c + 6d after its backward pass ends.
  const double fifo1 = r0 + 6 * d, priority1 = r0 + 6 * d - 0.0018;
  const double fifo2 = fifo1 + (r0 - c + 6 * d), priority2 = priority1 + (r0 - c + 6 * d);
  const double expected[2][3] = {{c, fifo1, fifo2}, {c, priority1, priority2}};
  const json* runs[2] = {&fifo, &priority};
  for (int k = 0; k < 2; ++k)
    for (int i = 0; i < 3; ++i) {
      const double got = (*runs[k])["rows"][i]["iteration_time"].get<double>();
      INFO((k ? "priority" : "fifo") << " iteration " << i << ": expected " << expected[k][i] << " got " << got);
      CHECK(std::abs(got - expected[k][i]) <= 1e-9);
    }
}

TEST_CASE("ps deployment: bad options are reported with their path") {
  json s = cluster_scenario(2, 2, {{"name", "parameter_server"}, {"placement", "colocated"}, {"servers", 3}});
  dtsim::ScenarioResult r = dtsim::parse_scenario(s);
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors[0].find("/algorithm/servers") != std::string::npos);
  s["algorithm"] = {{"name", "parameter_server"}, {"placement", "colocated"}, {"colocated_machines", 3}};
  r = dtsim::parse_scenario(s);
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors[0] == "/algorithm/colocated_machines: 3 is out of range; allowed: 0 (every machine) to 2 (cluster.nodes)");
  s["algorithm"] = {{"name", "parameter_server"}, {"colocated_machines", 1}};
  r = dtsim::parse_scenario(s);
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors[0] == "/algorithm/colocated_machines: 1 has no meaning without placement \"colocated\"; remove it");
  s["algorithm"] = {{"name", "parameter_server"}, {"scheduling", "lifo"}};
  r = dtsim::parse_scenario(s);
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors[0].find("/algorithm/scheduling") != std::string::npos);
  s["algorithm"] = {{"name", "parameter_server"}, {"partition_bytes", 1}};  // 4e6 pieces of 1 byte
  r = dtsim::parse_scenario(s);
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors[0].find("/algorithm/partition_bytes: 1 cuts the 4e+06-byte gradient") != std::string::npos);
  s["algorithm"] = {{"name", "parameter_server"}};
  s["workload"]["fusion"] = {{"policy", "horovod"}};
  r = dtsim::parse_scenario(s);
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors[0].find("/workload/fusion/policy") != std::string::npos);
}

TEST_CASE("ps deployment: local aggregation, colocated shards and partitions leave synchronous SGD's numbers") {
  // Real least squares: whatever the route of the pieces, every rank applies the same summed gradient
  // as with the plain exchange (float sums in another order: 1e-5).
  json s = dtsim::test::base_scenario(2);
  s["cluster"]["gpus_per_node"] = 2;
  s["seed"] = 3;
  s["workload"] = dtsim::test::least_squares_workload(10, 20, 1.0, 0.02);
  s["run"] = {{"iterations", 40}, {"warmup_iterations", 1}};
  s["algorithm"] = {{"name", "parameter_server"}};
  const json plain = dtsim::test::simulate(s);
  s["algorithm"] = {{"name", "parameter_server"}, {"local_aggregation", true}, {"placement", "colocated"},
                    {"partition_bytes", 12}, {"scheduling", "priority"}};  // 40 bytes: pieces of 3, 3, 3, 1 values
  const json deployed = dtsim::test::simulate(s);
  const json& a = plain["final_params"];
  const json& b = deployed["final_params"];
  REQUIRE(a.size() == 4);
  REQUIRE(b.size() == 4);
  for (std::size_t r = 0; r < 4; ++r)
    for (std::size_t i = 0; i < 10; ++i) {
      INFO("rank " << r << " value " << i);
      CHECK(b[r][i].get<double>() == doctest::Approx(a[r][i].get<double>()).epsilon(1e-5));
      CHECK(b[r][i].get<double>() == b[0][i].get<double>());  // every replica the same
    }
  CHECK(std::abs(a[0][0].get<double>()) > 1e-3);  // the model moved from its zero start
}
