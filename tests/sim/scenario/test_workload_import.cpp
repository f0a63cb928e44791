// /workload/import: a model's layer profile from a per-layer CSV or a PyTorch profiler trace.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "algorithms/training/bucket_schedule.h"
#include "sim/engine/load_scenario.h"
#include "sim/scenario/workload_import.h"
#include "tests/support/test_support.h"

using nlohmann::json;

namespace {

const std::string kTrace = std::string(DTSIM_SOURCE_DIR) + "/tests/data/torch_profiler_small_cnn.json";

std::string write_file(const std::string& name, const std::string& text) {
  const std::string path = dtsim::test::make_temp_dir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

json import_scenario(const std::string& path) {
  json s = dtsim::test::base_scenario(4);
  s["workload"] = {{"import", {{"path", path}}}, {"batch_per_gpu", 32}};
  s["algorithm"] = {{"name", "allreduce"}, {"collective", "ring"}};
  return s;
}

std::string errors_of(const dtsim::ScenarioResult& r) {
  std::string all;
  for (const std::string& e : r.errors) all += e + "\n";
  return all;
}

}  // namespace

TEST_CASE("workload import: a layer CSV with times sets params, compute time, backward share and ready times") {
  // Forward order; the backward pass runs c, b, a: gradients of c ready at 0.004, b at 0.007, a at 0.008.
  const std::string csv = write_file("layers.csv",
                                     "# a 3-layer model measured at batch 32\n"
                                     "layer,params,forward_s,backward_s\n"
                                     "a,1000,0.001,0.001\n"
                                     "b, 3000 ,0.002,0.003\n"
                                     "\n"
                                     "c,6000,0.001,0.004\n");
  const dtsim::ScenarioResult parsed = dtsim::parse_scenario(import_scenario(csv));
  REQUIRE_MESSAGE(parsed.ok(), errors_of(parsed));
  const dtsim::WorkloadSpec& w = parsed.scenario.workload;
  CHECK(w.params == 10000);
  CHECK(w.compute_time == doctest::Approx(0.012).epsilon(1e-12));
  CHECK(w.backward_share == doctest::Approx(0.008 / 0.012).epsilon(1e-12));
  CHECK(w.compute_time_source == "imported");
  const dtsim::BucketSchedule schedule = dtsim::make_bucket_schedule(w);
  REQUIRE(schedule.layers.size() == 3);  // reverse order: c, b, a
  CHECK(schedule.forward_time == doctest::Approx(0.004).epsilon(1e-12));
  const double ready[] = {0.004, 0.007, 0.008};
  const double params[] = {6000, 3000, 1000};
  for (int i = 0; i < 3; ++i) {
    CHECK(std::abs(schedule.layers[i].backward_done - ready[i]) <= 1e-15);
    CHECK(schedule.layers[i].params == params[i]);
  }
}

TEST_CASE("workload import: a layer CSV with FLOPs is timed by the GPU's peak and efficiency") {
  const std::string csv = write_file("flops.csv", "layer,params,forward_flops,backward_flops\n"
                                                  "x,500,1e9,2e9\n"
                                                  "y,1500,3e9,6e9\n");
  json s = import_scenario(csv);
  s["cluster"]["gpu"] = {{"peak_flops", 1e14}, {"efficiency", 0.5}};
  const dtsim::ScenarioResult parsed = dtsim::parse_scenario(s);
  REQUIRE_MESSAGE(parsed.ok(), errors_of(parsed));
  // (4e9 forward + 8e9 backward) FLOPs per sample x 32 samples / (1e14 x 0.5) = 7.68 ms.
  CHECK(parsed.scenario.workload.compute_time == doctest::Approx(12e9 * 32 / 5e13).epsilon(1e-12));
  CHECK(parsed.scenario.workload.backward_share == doctest::Approx(8.0 / 12).epsilon(1e-12));
  CHECK(parsed.scenario.workload.params == 2000);
}

TEST_CASE("workload import: the PyTorch profiler trace gives the model's parameter tensors and backward timeline") {
  // tests/data/torch_profiler_small_cnn.json: scripts/make_torch_trace.py (PyTorch 1.13, CPU), a LeNet-like
  // CNN whose parameter tensors have, in named_parameters() order, these sizes:
  std::vector<double> model_sizes = {200, 8, 3200, 16, 16384, 64, 640, 10};
  // Autograd writes them as the backward pass reaches them: fc2 bias then weight, fc1 bias then weight,
  // conv2 weight then bias, conv1 weight then bias. The profile is in forward order: the reverse.
  const double forward_order[] = {8, 200, 16, 3200, 16384, 64, 640, 10};
  std::vector<std::string> problems;
  const dtsim::ImportedWorkload w = dtsim::read_torch_profiler_trace(kTrace, problems);
  REQUIRE_MESSAGE(problems.empty(), problems.front());
  REQUIRE(w.layers.size() == 8);
  std::vector<double> imported_sizes;
  for (std::size_t i = 0; i < 8; ++i) {
    CHECK(w.layers[i].params == forward_order[i]);
    imported_sizes.push_back(w.layers[i].params);
  }
  std::sort(model_sizes.begin(), model_sizes.end());
  std::sort(imported_sizes.begin(), imported_sizes.end());
  CHECK(imported_sizes == model_sizes);  // every parameter tensor once, at its exact size
  CHECK(w.params_total() == 20522);
  for (const dtsim::ImportedLayer& l : w.layers) CHECK(l.backward >= 0);
  CHECK(w.backward_total() > 0);
  CHECK(w.forward > 0);

  // The backward pass, computed here from the raw events: per step, from its first autograd engine
  // event to the end of its last AccumulateGrad; the importer's total is the median over the steps.
  const json trace = json::parse(dtsim::test::read_file(kTrace));
  std::vector<double> backward;
  for (const json& step : trace["traceEvents"]) {
    const std::string name = step["name"];
    if (name.rfind("ProfilerStep", 0) != 0) continue;
    const double begin = step["ts"], end = begin + step["dur"].get<double>();
    double first_autograd = INFINITY, last_grad = -INFINITY;
    for (const json& e : trace["traceEvents"]) {
      const double ts = e["ts"], te = ts + e["dur"].get<double>();
      if (ts < begin || te > end) continue;
      const std::string n = e["name"];
      if (n.rfind("autograd::engine::evaluate_function:", 0) == 0) first_autograd = std::min(first_autograd, ts);
      if (n == "torch::autograd::AccumulateGrad") last_grad = std::max(last_grad, te);
    }
    backward.push_back((last_grad - first_autograd) * 1e-6);
  }
  REQUIRE(backward.size() == 3);
  std::sort(backward.begin(), backward.end());
  CHECK(std::abs(w.backward_total() - backward[1]) <= 1e-12);

  // Through the scenario: gradient bytes are the parameters x 4 and the schedule ends at the backward total.
  const dtsim::ScenarioResult parsed = dtsim::parse_scenario(import_scenario(kTrace));
  REQUIRE_MESSAGE(parsed.ok(), errors_of(parsed));
  CHECK(parsed.scenario.workload.message_bytes() == 20522 * 4);
  const dtsim::BucketSchedule schedule = dtsim::make_bucket_schedule(parsed.scenario.workload);
  CHECK(std::abs(schedule.layers.back().backward_done - w.backward_total()) <= 1e-12);
  CHECK(std::abs(schedule.forward_time - w.forward) <= 1e-12);
}

TEST_CASE("workload import: an imported model runs with DDP buckets") {
  json s = import_scenario(kTrace);
  s["workload"]["fusion"] = {{"policy", "ddp"}, {"bucket_cap", "16KiB"}, {"first_bucket", "16KiB"}};
  const json r = dtsim::test::simulate(s);
  CHECK(r["iteration_time_s"].get<double>() > r["compute_time_s"].get<double>());
  CHECK(r["compute_time_source"] == "imported");
}

TEST_CASE("workload import: bad files and bad combinations name the path and the line") {
  struct Case {
    std::string file_text, name, expected;
  };
  const Case cases[] = {
      {"layer,params,forward_s,backward_s\na,10,0.1,oops\n", "l.csv", "l.csv:2: backward_s \"oops\" is not a number >= 0"},
      {"layer,params,forward_s,backwards\n", "l.csv", "l.csv:1: unknown column \"backwards\""},
      {"layer,params,forward_s,backward_flops\n", "l.csv", "either forward_s, backward_s"},
      {"layer,params,forward_s,backward_s\na,10,0.1\n", "l.csv", "l.csv:2: 3 cells; the header has 4"},
      {"layer,params,forward_s,backward_s\n", "l.csv", "no layer rows"},
      {"layer,params,forward_s,backward_s\na,-5,0.1,0.1\n", "l.csv", "params \"-5\" is not a number >= 0"},
      {"{\"traceEvents\": 3}", "t.json", "has no traceEvents array"},
      {"{\"traceEvents\": []}", "t.json", "has no ProfilerStep spans"},
      {"[{\"ph\":\"X\",\"name\":\"ProfilerStep#1\",\"ts\":0,\"dur\":10},"
       "{\"ph\":\"X\",\"name\":\"autograd::engine::evaluate_function: x\",\"ts\":1,\"dur\":5},"
       "{\"ph\":\"X\",\"name\":\"torch::autograd::AccumulateGrad\",\"ts\":2,\"dur\":1,\"args\":{}}]",
       "t.json", "record_shapes=True"},
      {"not json", "t.json", "is not a JSON trace"},
      {"x", "model.txt", "cannot be told from the name"},
  };
  for (const Case& c : cases) {
    const std::string path = write_file(c.name, c.file_text);
    const dtsim::ScenarioResult parsed = dtsim::parse_scenario(import_scenario(path));
    const std::string errors = errors_of(parsed);
    const std::string expected = c.expected;
    INFO("file " << c.name << ": " << c.file_text);
    CHECK_FALSE(parsed.ok());
    CHECK_MESSAGE(errors.find("/workload/import/path") != std::string::npos, errors);
    CHECK_MESSAGE(errors.find(expected) != std::string::npos, errors);
  }
  json with_model = import_scenario(kTrace);
  with_model["workload"]["model"] = "resnet50";
  const std::string errors = errors_of(dtsim::parse_scenario(with_model));
  CHECK_MESSAGE(errors.find("/workload/import: describes the model itself") != std::string::npos, errors);
  json missing = import_scenario("/nonexistent/profile.csv");
  const std::string missing_errors = errors_of(dtsim::parse_scenario(missing));
  CHECK_MESSAGE(missing_errors.find("/workload/import/path: /nonexistent/profile.csv: cannot be opened") != std::string::npos,
                missing_errors);
}
