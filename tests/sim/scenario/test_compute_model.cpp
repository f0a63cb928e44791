// The compute model: published throughput per GPU and precision, the FLOP fallback with a per-model
// efficiency, the catalog's layer profiles against the published totals, and bad precision / fusion
// input named by its JSON path.
#include <doctest/doctest.h>

#include <string>

#include "sim/engine/load_scenario.h"
#include "sim/scenario/catalog.h"
#include "sim/scenario/scenario.h"
#include "tests/support/test_support.h"

namespace {

using nlohmann::json;

dtsim::ScenarioResult parse(const std::string& gpu, const std::string& model, const std::string& precision,
                            int batch = 64) {
  json s = dtsim::test::base_scenario(2);
  s["cluster"]["gpu"] = gpu;
  s["workload"] = {{"model", model}, {"batch_per_gpu", batch}, {"precision", precision}};
  return dtsim::parse_scenario(s);
}

double compute_time(const std::string& gpu, const std::string& model, const std::string& precision) {
  const dtsim::ScenarioResult r = parse(gpu, model, precision);
  REQUIRE(r.ok());
  return r.scenario.workload.compute_time;
}

std::string all_errors(const json& s) {
  std::string all;
  for (const std::string& e : dtsim::parse_scenario(s).errors) all += e + "\n";
  return all;
}

}  // namespace

TEST_CASE("compute: published throughputs are looked up by GPU and precision") {
  // NVIDIA DeepLearningExamples ResNet-50 v1.5: V100 367 (fp32) / 1200 (amp), A100 938 (tf32) / 2470 (amp).
  CHECK(compute_time("V100", "resnet50", "fp32") == doctest::Approx(64.0 / 367));
  CHECK(compute_time("V100", "resnet50", "amp") == doctest::Approx(64.0 / 1200));
  CHECK(compute_time("V100", "resnet50", "fp16") == doctest::Approx(64.0 / 1200));  // alias
  CHECK(compute_time("V100", "resnet50", "tf32") == doctest::Approx(64.0 / 367));   // no TF32 units: fp32
  CHECK(compute_time("A100", "resnet50", "tf32") == doctest::Approx(64.0 / 938));
  CHECK(compute_time("A100", "resnet50", "bf16") == doctest::Approx(64.0 / 2470));  // same tensor rate as fp16
  CHECK(compute_time("V100", "bert_large", "amp") == doctest::Approx(64.0 / 224));
  const dtsim::ScenarioResult r = parse("V100", "resnet50", "fp32");
  CHECK(r.scenario.workload.compute_time_source == "measured throughput");
  CHECK(r.scenario.resolved["workload"]["precision"] == "fp32");
  const std::string basis = r.scenario.resolved["workload"]["compute_basis"].get<std::string>();
  CHECK(basis.find("367 samples/s") != std::string::npos);
  CHECK(basis.find("DeepLearningExamples") != std::string::npos);
}

TEST_CASE("compute: the FLOP fallback uses the precision's peak and the model's measured efficiency") {
  const double resnet50 = dtsim::catalog()["models"]["resnet50"]["forward_flops"].get<double>();
  const double vgg16 = dtsim::catalog()["models"]["vgg16"]["forward_flops"].get<double>();
  // H100 ResNet-50 amp: efficiency from A100 amp (3 x F x 2470 / 312e12), applied at H100's 989.4e12.
  CHECK(compute_time("H100", "resnet50", "amp") == doctest::Approx(64 * 312e12 / (989.4e12 * 2470)));
  // H100 fp32: the newest fp32 figure is V100's 367 at 15.7e12.
  CHECK(compute_time("H100", "resnet50", "fp32") == doctest::Approx(64 * 15.7e12 / (67e12 * 367)));
  // VGG-16 fp32 on V100: its own P100 figure (154 samples/s at 10.6e12); nominal efficiency above 1
  // (cuDNN's Winograd 3x3 convolutions).
  const double vgg_eff = 3 * vgg16 * 154 / 10.6e12;
  CHECK(vgg_eff > 1.3);
  CHECK(compute_time("V100", "vgg16", "fp32") == doctest::Approx(3 * vgg16 * 64 / (15.7e12 * vgg_eff)));
  // VGG-16 amp: no figure of its own: efficiency_like resnet50, whose V100 amp figure is on this GPU.
  const double like = 3 * resnet50 * 1200 / 125e12;
  CHECK(compute_time("V100", "vgg16", "amp") == doctest::Approx(3 * vgg16 * 64 / (125e12 * like)));
  const dtsim::ScenarioResult r = parse("V100", "vgg16", "amp");
  CHECK(r.scenario.workload.compute_time_source == "FLOP model");
  CHECK(r.scenario.workload.compute_basis.find("from resnet50 on V100 amp") != std::string::npos);
  // VGG-16 tf32 on A100: ResNet-50's tensor-core efficiency would make it slower than VGG-16's own fp32
  // estimate; the estimate never goes below the lower precision's.
  const double at_fp32 = 3 * vgg16 * 64 / (19.5e12 * vgg_eff);
  CHECK(compute_time("A100", "vgg16", "tf32") == doctest::Approx(at_fp32));
  // P100 has no tensor cores: amp runs at its fp16 peak (2 x fp32) with ResNet-50's P100 fp32 efficiency.
  CHECK(compute_time("P100", "resnet50", "amp") == doctest::Approx(64 / (2 * 219.0)));
}

TEST_CASE("compute: every catalog profile sums to the published parameter count and FLOPs") {
  struct Published {
    const char* model;
    double params;
    double forward_flops;  // 2 x published MACs
    double tolerance;      // relative, on FLOPs
    const char* source;
  };
  const double gpt2_tokens = 1024, gpt2_d = 1600, gpt2_layers = 48, gpt2_vocab = 50257;
  const double gpt2_non_embedding = 1557611200.0 - gpt2_vocab * gpt2_d - 1024 * gpt2_d;
  const double bert_non_embedding = 335141888.0 - (30522 + 512 + 2) * 1024 - 2 * 1024;
  const double bert_base_non_embedding = 109482240.0 - (30522 + 512 + 2) * 768 - 2 * 768;
  const Published published[] = {
      {"resnet50", 25557032, 2 * 4.09e9, 0.01, "torchvision docs: 4.09 GFLOPS (MACs)"},
      {"resnet101", 44549160, 2 * 7.80e9, 0.01, "torchvision docs: 7.80"},
      {"resnet152", 60192808, 2 * 11.51e9, 0.01, "torchvision docs: 11.51"},
      {"vgg16", 138357544, 2 * 15.47e9, 0.01, "torchvision docs: 15.47"},
      {"inception_v3", 23834568, 2 * 5.71e9, 0.01, "torchvision docs: 5.71 (27,161,264 params with aux logits)"},
      // Kaplan et al., Scaling Laws for Neural Language Models, 2020: forward ~ 2N + 2 n_layer n_ctx d per
      // token (N non-embedding); our count also has the pooler / LM head and both attention products.
      {"bert_base", 109482240, 128 * (2 * bert_base_non_embedding + 2 * 12 * 128 * 768), 0.02, "Kaplan et al. 2020"},
      {"bert_large", 335141888, 128 * (2 * bert_non_embedding + 2 * 24 * 128 * 1024), 0.02, "Kaplan et al. 2020"},
      {"gpt2_xl", 1557611200,
       gpt2_tokens * (2 * gpt2_non_embedding + 2 * gpt2_layers * gpt2_tokens * gpt2_d + 2 * gpt2_d * gpt2_vocab), 0.06,
       "Kaplan et al. 2020 + the tied LM head"},
  };
  for (const Published& p : published) {
    const json& entry = dtsim::catalog()["models"][p.model];
    double params = 0, flops = 0;
    for (const json& layer : entry["layers"]) params += layer[0].get<double>(), flops += layer[1].get<double>();
    INFO(p.model << " (" << p.source << "): " << params << " params, " << flops << " FLOPs");
    CHECK(params == p.params);  // exact
    CHECK(entry["params"].get<double>() == p.params);
    CHECK(entry["forward_flops"].get<double>() == flops);
    CHECK(std::abs(flops - p.forward_flops) / p.forward_flops <= p.tolerance);
  }
}

TEST_CASE("compute: bad precision and bad fusion input name their JSON path") {
  json s = dtsim::test::base_scenario(2);
  s["workload"] = {{"model", "resnet50"}, {"precision", "fp8"}};
  std::string e = all_errors(s);
  CHECK(e.find("/workload/precision: \"fp8\"") != std::string::npos);
  CHECK(e.find("bf16") != std::string::npos);  // what is allowed

  s["workload"]["precision"] = "bf16";  // V100 has no bf16 units
  e = all_errors(s);
  CHECK(e.find("/workload/precision: \"bf16\" is not available on V100") != std::string::npos);
  json real = dtsim::test::base_scenario(2);  // a real model timed by its own FLOPs: the same check
  real["workload"] = {{"model", "softmax_regression"}, {"precision", "bf16"},
                      {"dataset", {{"name", "fashion_mnist"}, {"train_limit", 100}}}};
  CHECK(all_errors(real).find("/workload/precision: \"bf16\" is not available on V100") != std::string::npos);
  real["workload"]["precision"] = "fp32";
  CHECK(all_errors(real).empty());

  s["workload"] = {{"model", "resnet50"}, {"fusion", {{"policy", "nccl"}}}};
  e = all_errors(s);
  CHECK(e.find("/workload/fusion/policy: \"nccl\"") != std::string::npos);
  CHECK(e.find("horovod") != std::string::npos);

  s["workload"]["fusion"] = {{"policy", "horovod"}, {"bucket_cap", "25MB"}};
  e = all_errors(s);
  CHECK(e.find("/workload/fusion/bucket_cap: is only meaningful for \"ddp\"; remove it for \"horovod\"") !=
        std::string::npos);

  s["workload"]["fusion"] = {{"policy", "horovod"}, {"cycle_time", "0s"}};
  CHECK(all_errors(s).find("/workload/fusion/cycle_time") != std::string::npos);

  s["workload"] = {{"model", "resnet50"}, {"bucket_size", "25MB"}};
  e = all_errors(s);
  CHECK(e.find("/workload/bucket_size: was replaced by workload.fusion") != std::string::npos);

  s["workload"] = {{"model", "resnet50"}, {"layers", {{1, 2, 3}}}};
  CHECK(all_errors(s).find("/workload/layers/0: [1,2,3] is not a layer") != std::string::npos);
}

TEST_CASE("compute: every published figure names a catalog GPU, a precision it has, its batch and source") {
  const json& catalog = dtsim::catalog();
  for (const auto& model : catalog["models"].items()) {
    const json& entry = model.value();
    if (entry.contains("efficiency_like")) CHECK(catalog["models"].contains(entry["efficiency_like"].get<std::string>()));
    for (const json& figure : entry.value("measured", json::array())) {
      INFO(model.key() << ": " << figure.dump());
      const std::string gpu = figure["gpu"].get<std::string>(), precision = figure["precision"].get<std::string>();
      REQUIRE(catalog["gpus"].contains(gpu));
      CHECK(catalog["gpus"][gpu]["peak_flops"].contains(precision == "amp" ? "fp16" : precision));
      CHECK(figure["samples_per_s"].get<double>() > 0);
      CHECK(figure["batch"].get<int>() > 0);
      CHECK(figure["source"].get<std::string>().size() > 20);
    }
  }
}
