// Every plot command renders a non-empty PNG (and a PDF) from a small sweep with real numerics and traces,
// through the `dtsim plot` front end.
#include <doctest/doctest.h>

#include "tests/sim/app/sweep_helpers.h"

namespace {

using nlohmann::json;
using dtsim::sweeptest::contains;
using dtsim::test::read_file;
using dtsim::test::run_dtsim;

bool is_png(const std::string& path) {
  const std::string data = read_file(path);
  return data.size() > 2000 && data.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0;
}

bool is_pdf(const std::string& path) {
  const std::string data = read_file(path);
  return data.size() > 1000 && data.compare(0, 5, "%PDF-") == 0;
}

}  // namespace

TEST_CASE("sweep: every plot command renders a non-empty PNG and PDF from a small sweep") {
  const std::string dir = dtsim::test::make_temp_dir();
  json base = {{"name", "plots"},
               {"seed", 3},
               {"cluster", {{"nodes", 2}}},
               {"network", {{"bandwidth", "10Gbps"}}},
               {"workload", {{"model", "softmax_regression"}, {"batch_per_gpu", 16},
                             {"dataset", {{"name", "fashion_mnist"}, {"train_limit", 1024}, {"test_limit", 200}}},
                             {"optimizer", {{"name", "momentum"}, {"lr", 0.05}, {"momentum", 0.9}}},
                             {"proxy", "resnet50"}}},
               {"run", {{"iterations", 24}, {"eval_every", 6}}},
               {"output", {{"trace", true}}}};
  json sweep = {{"name", "plots"},
                {"base", base},
                {"output_dir", dir + "/out"},
                {"axes", json::array({{{"name", "algorithm"}, {"pointer", "/algorithm/name"},
                                       {"values", {"allreduce", "parameter_server"}}},
                                      {{"name", "nodes"}, {"pointer", "/cluster/nodes"}, {"values", {2, 4}}}})}};
  const std::string file = dtsim::sweeptest::write_json(dir + "/plots.json", sweep);
  auto r = run_dtsim({"sweep", file, "-j", "2"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const std::string results = dir + "/out/results.csv";
  const auto rows = dtsim::sweeptest::jsonl_rows(dir + "/out/results.jsonl");
  REQUIRE(rows.size() == 4);
  const std::string point = dir + "/out/" + rows[0]["dir"].get<std::string>();
  REQUIRE(dtsim::test::file_exists(point + "/trace.json"));
  REQUIRE(dtsim::test::file_exists(point + "/iterations.csv"));

  const std::vector<std::vector<std::string>> commands = {
      {"plot", "speedup", results, "-o", dir + "/fig/speedup.png"},
      {"plot", "speedup", dir + "/out", "--facet", "algorithm", "--group", "algorithm", "-o", dir + "/fig/speedup2.png"},
      {"plot", "breakdown", results, "-o", dir + "/fig/breakdown.png"},
      {"plot", "breakdown", results, "--facet", "algorithm", "--normalize", "-o", dir + "/fig/breakdown2.png"},
      {"plot", "convergence", results, "-o", dir + "/fig/convergence.png"},
      {"plot", "convergence", point + "/iterations.csv", "-o", dir + "/fig/convergence2.png"},
      {"plot", "timeline", point + "/trace.json", "--ranks", "0-1", "--window", "0:0.5", "-o", dir + "/fig/timeline.png"},
  };
  for (const auto& c : commands) {
    auto p = run_dtsim(c);
    const std::string png = c.back();
    CHECK_MESSAGE(p.exit_code == 0, c[1] << ": " << p.err);
    CHECK_MESSAGE(is_png(png), png);
    CHECK_MESSAGE(is_pdf(png.substr(0, png.size() - 4) + ".pdf"), png);
    CHECK(contains(p.out, "wrote " + png));
  }
  // Bad plot input: a clear message and exit 2.
  auto missing = run_dtsim({"plot", "speedup", dir + "/nowhere.csv", "-o", dir + "/fig/x.png"});
  CHECK(missing.exit_code == 2);
  CHECK(contains(missing.err, "no such results table"));
  auto column = run_dtsim({"plot", "speedup", results, "--group", "nope", "-o", dir + "/fig/x.png"});
  CHECK(column.exit_code == 2);
  CHECK(contains(column.err, "no column 'nope'"));
  CHECK(run_dtsim({"plot", "--help"}).exit_code == 0);
}
