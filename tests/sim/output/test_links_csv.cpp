// links.csv against hand-computed traffic: a ring allreduce of S bytes over N machines on a switch
// sends (N-1)/N x S per step-phase through each NIC, in each direction: 2(N-1)/N x S per allreduce,
// one flow at a time, the link busy for the ring's closed-form time 2(N-1)(alpha + S/(N B)), alpha the
// route's latency (two links).
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "sim/engine/link_usage.h"
#include "tests/support/test_support.h"

using json = nlohmann::json;
using dtsim::test::run_dtsim;

namespace {

using Row = std::map<std::string, std::string>;

// links.csv as rows keyed by link name.
std::map<std::string, Row> read_links(const std::string& path) {
  std::istringstream in(dtsim::test::read_file(path));
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header;
  std::stringstream h(line);
  for (std::string cell; std::getline(h, cell, ',');) header.push_back(cell);
  std::map<std::string, Row> rows;
  while (std::getline(in, line)) {
    std::stringstream l(line);
    Row row;
    std::size_t i = 0;
    for (std::string cell; std::getline(l, cell, ',');) row[header.at(i++)] = cell;
    rows[row.at("link")] = row;
  }
  return rows;
}

double num(const Row& row, const std::string& column) { return std::stod(row.at(column)); }

struct Run {
  json summary;
  std::map<std::string, Row> links;
};

Run run(const json& scenario) {
  const std::string dir = dtsim::test::make_temp_dir();
  std::ofstream(dir + "/s.json") << scenario.dump();
  const auto r = run_dtsim({"run", dir + "/s.json", "--out", dir + "/out", "-q"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return {json::parse(dtsim::test::read_file(dir + "/out/summary.json")), read_links(dir + "/out/links.csv")};
}

}  // namespace

TEST_CASE("links: a ring on a switch loads each NIC with 2(N-1)/N x S per direction per allreduce") {
  const int N = 4, iterations = 3;
  const double S = 4e6, B = 10e9 / 8, alpha = 2 * 2e-6;  // base_scenario: 1e6 params x 4 B, 10 Gbps, 2 us
  json s = dtsim::test::base_scenario(N);
  s["run"]["iterations"] = iterations;
  const Run r = run(s);
  const double sim_time = r.summary["sim_time_s"];
  const double bytes = iterations * 2.0 * (N - 1) / N * S;
  const double busy = iterations * 2.0 * (N - 1) * (alpha + S / (N * B));
  for (int m = 0; m < N; ++m)
    for (const char* direction : {"_UP", "_DOWN"}) {
      const std::string name = "node" + std::to_string(m) + "-nic-link" + direction;
      INFO(name);
      REQUIRE(r.links.count(name));
      const Row& row = r.links.at(name);
      CHECK(row.at("tier") == "nic");
      CHECK(row.at("sharing") == "shared");
      CHECK(num(row, "bandwidth_Bps") == doctest::Approx(B).epsilon(1e-12));
      CHECK(num(row, "bytes") == doctest::Approx(bytes).epsilon(1e-12));
      CHECK(num(row, "busy_s") == doctest::Approx(busy).epsilon(1e-9));
      CHECK(num(row, "busy_fraction") == doctest::Approx(busy / sim_time).epsilon(1e-9));
      CHECK(num(row, "utilisation") == doctest::Approx(bytes / (B * sim_time)).epsilon(1e-9));
      CHECK(row.at("peak_flows") == "1");
    }
  // The bottleneck list: five NIC links, most utilised first.
  const json& top = r.summary["bottleneck_links"];
  REQUIRE(top.size() == 5);
  for (std::size_t i = 0; i < top.size(); ++i) {
    CHECK(top[i]["tier"] == "nic");
    if (i > 0) CHECK(top[i - 1]["utilisation"].get<double>() >= top[i]["utilisation"].get<double>());
  }
}

TEST_CASE("links: a parameter server's link carries every worker's push at once") {
  // 4 workers push S bytes each to one server and pull S bytes back, per iteration: the server's NIC
  // carries 4 S each way per iteration, with 4 flows at once.
  const int N = 4, iterations = 2;
  const double S = 4e6;
  json s = dtsim::test::base_scenario(N);
  s["run"]["iterations"] = iterations;
  s["algorithm"] = {{"name", "parameter_server"}, {"servers", 1}};
  const Run r = run(s);
  const Row& down = r.links.at("server0-nic-link_DOWN");
  const Row& up = r.links.at("server0-nic-link_UP");
  CHECK(down.at("tier") == "nic");
  CHECK(num(down, "bytes") == doctest::Approx(iterations * N * S).epsilon(1e-12));
  CHECK(num(up, "bytes") == doctest::Approx(iterations * N * S).epsilon(1e-12));
  CHECK(down.at("peak_flows") == std::to_string(N));
  CHECK(r.summary["bottleneck_links"][0]["link"].get<std::string>().rfind("server0-nic-link", 0) == 0);
}

TEST_CASE("links: multi-GPU machines report GPU links apart from NICs, output.links false writes none") {
  json s = dtsim::test::base_scenario(2);
  s["cluster"]["gpus_per_node"] = 2;
  const Run r = run(s);
  // The ring 0 -> 1 -> 2 -> 3: GPU 0 sends to GPU 1 over NVLink; GPU 1 sends to machine 1 over its PCIe
  // path to the NIC (GPUDirect RDMA), not over its NVLink link.
  REQUIRE(r.links.count("node0-gpu0-link_UP"));
  CHECK(r.links.at("node0-gpu0-link_UP").at("tier") == "gpu");
  CHECK(num(r.links.at("node0-gpu0-link_UP"), "bytes") > 0);
  REQUIRE(r.links.count("node0-gpu1-pcie_UP"));
  CHECK(r.links.at("node0-gpu1-pcie_UP").at("tier") == "pcie");
  CHECK(num(r.links.at("node0-gpu1-pcie_UP"), "bytes") == num(r.links.at("node0-gpu0-link_UP"), "bytes"));
  CHECK(num(r.links.at("node0-gpu1-link_UP"), "bytes") == 0);
  CHECK(dtsim::link_tier("node3-nic-link_DOWN") == "nic");
  CHECK(dtsim::link_tier("node0-backplane") == "backplane");
  CHECK(dtsim::link_tier("__loopback__") == "loopback");

  s["output"]["links"] = false;
  const std::string dir = dtsim::test::make_temp_dir();
  std::ofstream(dir + "/s.json") << s.dump();
  REQUIRE(run_dtsim({"run", dir + "/s.json", "--out", dir + "/out", "-q"}).exit_code == 0);
  CHECK_FALSE(dtsim::test::file_exists(dir + "/out/links.csv"));
  CHECK_FALSE(json::parse(dtsim::test::read_file(dir + "/out/summary.json")).contains("bottleneck_links"));
}
