#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "kernels/idx_reader.h"
#include "kernels/model_factory.h"
#include "sim/base/saturating.h"
#include "sim/scenario/catalog.h"
#include "sim/scenario/compute_model.h"
#include "sim/scenario/scenario_sections.h"

namespace dtsim {
namespace {

// The real models (trained with numerics): the kernels' own list.
const std::vector<std::string> kRealModels = kernels::model_kind_names();
constexpr int kMaxIterations = 1 << 30;  // run.iterations' bound (an int counter with headroom)

std::string number_text(double x) {
  char text[32];
  std::snprintf(text, sizeof text, "%.15g", x);
  return text;
}

std::string full_precision(double value) {  // a default passed through the string form of a quantity
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

// Reads a string naming one of a kernels enum; `parse` throws std::invalid_argument listing names.
template <typename Enum, typename Parse>
Enum read_kind(JsonReader& r, const std::string& key, const std::string& fallback, Parse parse) {
  const std::string name = r.string(key, fallback);
  try {
    return parse(name);
  } catch (const std::invalid_argument& e) {
    r.errors().add(r.child_path(key), quote(name) + " is not allowed (" + e.what() + ")");
    return parse(fallback);
  }
}

void read_dataset(JsonReader& w, Scenario& s, bool regression) {
  kernels::DatasetSpec& d = s.workload.numerics.dataset;
  JsonReader r = w.object("dataset");
  d.kind = read_kind<kernels::DatasetKind>(r, "name", regression ? "synthetic_least_squares" : "fashion_mnist",
                                           kernels::parse_dataset_kind);
  d.seed = s.seed;
  d.ranks = s.cluster.ranks();
  if (d.kind == kernels::DatasetKind::fashion_mnist) {
    d.path = r.string("path", d.path);
    // Checked now, not when the run loads it: a bad path is bad input (exit 2, nothing written).
    if (std::string problem = kernels::fashion_mnist_problem(d.path); !problem.empty())
      r.errors().add(r.child_path("path"), quote(d.path) + ": " + problem);
    d.train_limit = r.integer("train_limit", 0, 0, 60000);
    d.test_limit = r.integer("test_limit", 0, 0, 10000);
    s.workload.numerics.train_samples = d.train_limit ? d.train_limit : 60000;
  } else {
    d.dim = r.integer("dim", 20, 1, 1 << 20);
    d.samples_per_rank = r.integer("samples_per_rank", 100, 1, 1 << 24);
    d.heterogeneity = r.number("heterogeneity", 0.0, 0, false);
    s.workload.numerics.train_samples = d.samples_per_rank * d.ranks;
  }
  if (regression != (d.kind == kernels::DatasetKind::synthetic_least_squares))
    w.errors().add(r.child_path("name"), "linear_regression trains on \"synthetic_least_squares\"; the "
                                         "classifiers on \"fashion_mnist\"");
  r.reject_unknown_keys();
}

// Adam's decays must stay below 1 (bias correction divides by 1 - beta^t).
const double kBelowOne = std::nextafter(1.0, 0.0);

void read_optimizer(JsonReader& w, kernels::OptimizerSpec& o) {
  JsonReader r = w.object("optimizer");
  o.kind = read_kind<kernels::OptimizerKind>(r, "name", "sgd", kernels::parse_optimizer_kind);
  o.lr = r.number("lr", 0.1, 0, true);
  o.momentum = r.number("momentum", 0.9, 0, false, 1);
  o.beta1 = r.number("beta1", 0.9, 0, false, kBelowOne);
  o.beta2 = r.number("beta2", 0.999, 0, false, kBelowOne);
  o.eps = r.number("eps", 1e-8, 0, true);
  o.weight_decay = r.number("weight_decay", 0.0, 0, false);
  o.warmup_steps = r.integer("warmup_steps", 0, 0);
  o.schedule = read_kind<kernels::ScheduleKind>(r, "schedule", "constant", kernels::parse_schedule_kind);
  o.step_size = r.integer("step_size", 1000, 1);
  o.gamma = r.number("gamma", 0.1, 0, true, 1);
  o.total_steps = r.integer("total_steps", 1000, 1);
  o.min_lr = r.number("min_lr", 0.0, 0, false);
  o.linear_scaling = r.boolean("linear_scaling", false);
  o.base_batch = r.integer("base_batch", 256, 1);
  r.reject_unknown_keys();
}

void read_numerics(JsonReader& w, Scenario& s) {
  NumericsSpec& n = s.workload.numerics;
  kernels::ReplicaSpec& rep = n.replica;
  n.enabled = true;
  rep.model.kind = kernels::parse_model_kind(s.workload.model);
  const bool regression = rep.model.kind == kernels::ModelKind::linear_regression;
  if (rep.model.kind == kernels::ModelKind::mlp) {
    if (w.has("hidden")) {
      std::vector<std::int64_t> hidden = w.integer_list("hidden", 1);
      rep.model.hidden.assign(hidden.begin(), hidden.end());
    } else {
      w.raw("hidden");
    }
  }
  read_dataset(w, s, regression);
  JsonReader part = w.object("partition");
  rep.partition.kind = read_kind<kernels::PartitionKind>(part, "kind", regression ? "contiguous" : "iid",
                                                         kernels::parse_partition_kind);
  rep.partition.alpha = part.number("alpha", 0.5, 0, true);
  rep.partition.shards_per_rank = static_cast<int>(part.integer("shards_per_rank", 2, 1, 1 << 20));
  rep.partition.shuffle_each_epoch = part.boolean("shuffle_each_epoch", true);
  part.reject_unknown_keys();
  read_optimizer(w, rep.optimizer);
  rep.backend = read_kind<kernels::Backend>(w, "backend", "cpu", kernels::parse_backend);
  rep.ranks = s.cluster.ranks();
  rep.batch_size = s.workload.batch_per_gpu;
  rep.seed = s.seed;
  rep.threads = 1;  // gradients are computed inside the (single-threaded) simulation

  // The real model's size and FLOPs, from its layout (no data needed).
  const bool fashion = n.dataset.kind == kernels::DatasetKind::fashion_mnist;
  if (rep.model.kind == kernels::ModelKind::mlp && w.errors().empty()) {
    // Every rank's replica (float32 weights, gradients, optimizer state) lives in this one process:
    // 2^31 weights over all replicas (8 GiB) is the most that leaves room for the rest on a large
    // workstation; a few widths of 2^31 would otherwise overflow the layout's offsets or abort.
    constexpr std::uint64_t kMaxReplicaWeights = std::uint64_t{1} << 31;
    std::uint64_t params = 0, width = static_cast<std::uint64_t>(fashion ? 784 : n.dataset.dim);
    std::vector<std::uint64_t> next(rep.model.hidden.begin(), rep.model.hidden.end());
    next.push_back(fashion ? 10 : 2);
    for (std::uint64_t out : next) {
      params = saturating_add(params, saturating_mul(out, width + 1));  // W (out x in) and b
      width = out;
    }
    const std::uint64_t total = saturating_mul(params, static_cast<std::uint64_t>(rep.ranks));
    if (total > kMaxReplicaWeights)
      w.errors().add(w.child_path("hidden"),
                     "gives " + (params == kSaturated ? std::string("more than 2^64") : std::to_string(params)) +
                         " parameters per replica x " + std::to_string(rep.ranks) +
                         " ranks; allowed: at most 2^31 = 2147483648 weights over all replicas (every rank's "
                         "replica is held in this process)");
  }
  if (w.errors().empty()) {
    auto model = kernels::make_model<float>(rep.model, fashion ? 784 : n.dataset.dim, fashion ? 10 : 0);
    s.workload.params = model->num_params();
    s.workload.real_flops_per_sample = model->flops_per_sample();
  }
}

}  // namespace

void read_workload(JsonReader& root, Scenario& s) {
  JsonReader r = root.object("workload");
  WorkloadSpec& w = s.workload;
  w.batch_per_gpu = static_cast<int>(r.integer("batch_per_gpu", 32, 1, 1 << 24));
  w.accumulation_steps = static_cast<int>(r.integer("accumulation_steps", 1, 1, w.batch_per_gpu));
  w.bytes_per_param = r.number("bytes_per_param", 4.0, 0, true);
  // Without a model, params and compute_time must be given (a purely synthetic timing workload).
  const bool custom = !r.has("model");
  std::vector<std::string> allowed = catalog_names("models");
  allowed.insert(allowed.end(), kRealModels.begin(), kRealModels.end());
  w.model = r.string("model", std::string("custom"), custom ? std::vector<std::string>{} : allowed);
  const bool real = std::count(kRealModels.begin(), kRealModels.end(), w.model) > 0;
  if (real) read_numerics(r, s);

  // The catalog entry that sets message size and compute time: the model itself, or the proxy a
  // real model stands in for.
  const json* charged = catalog()["models"].contains(w.model) ? &catalog()["models"][w.model] : nullptr;
  if (real && r.has("proxy")) {
    w.numerics.proxy = r.string("proxy", std::nullopt, catalog_names("models"));
    if (catalog()["models"].contains(w.numerics.proxy)) charged = &catalog()["models"][w.numerics.proxy];
  }
  const bool unknown_model = !custom && !real && !charged;  // already reported; read the rest leniently

  std::optional<std::int64_t> default_params;
  if (charged) default_params = (*charged)["params"].get<std::int64_t>();
  if (real && !charged) default_params = w.params;
  if (unknown_model) default_params = 1;
  if (real && !r.has("params")) {
    r.raw("params");
    if (charged) w.params = *default_params;  // the proxy's size goes on the wire
  } else if (real) {
    r.errors().add(r.child_path("params"), "is set by the real model (" + std::to_string(w.params) +
                                               "); use \"proxy\" to charge another model's size");
  } else {
    w.params = r.integer("params", default_params, 1);
  }

  // The math precision: picks the measured figure and the peak of the FLOP model.
  w.precision = r.string("precision", std::string("amp"), precision_names());
  if (w.precision == "fp16") w.precision = "amp";
  GpuSpec& gpu = s.cluster.gpu;
  const bool catalog_gpu = !gpu.custom && catalog()["gpus"].contains(gpu.name);
  const bool estimated = !r.has("compute_time") && (charged || real);  // the compute model is used
  if (catalog_gpu) {
    gpu.peak_flops = catalog_peak(gpu.name, effective_precision(gpu.name, w.precision));
    if (gpu.peak_flops <= 0) {
      gpu.peak_flops = catalog_peak(gpu.name, "fp32");
      if (estimated) {
        const json& peaks = catalog()["gpus"][gpu.name]["peak_flops"];
        std::string have;
        for (const auto& item : peaks.items()) have += (have.empty() ? "" : ", ") + item.key();
        r.errors().add(r.child_path("precision"), quote(w.precision) + " is not available on " + gpu.name +
                                                      " (its peaks: " + have + "); choose another precision or GPU");
      }
    }
  }

  std::optional<std::string> default_time;
  w.compute_time_source = "given";
  w.compute_basis = "given";
  if (!r.has("compute_time")) {
    if (charged) {
      const std::string charged_name = real && !w.numerics.proxy.empty() ? w.numerics.proxy : w.model;
      ComputeEstimate e = estimate_compute_time(charged_name, gpu, w.precision, w.batch_per_gpu);
      default_time = full_precision(e.seconds);
      w.compute_time_source = e.source + (real && !w.numerics.proxy.empty() ? " (proxy)" : "");
      w.compute_basis = e.basis;
    } else if (real && w.real_flops_per_sample > 0) {
      default_time = full_precision(w.real_flops_per_sample * w.batch_per_gpu / (gpu.peak_flops * gpu.efficiency));
      w.compute_time_source = "FLOP model";
      w.compute_basis = "FLOP model: the real model's FLOPs / (" + gpu.name + " peak x generic efficiency)";
    }
    if (unknown_model || (real && !default_time)) default_time = "0";
  }
  w.compute_time = r.duration("compute_time", default_time);
  if (r.raw("bucket_size"))
    r.errors().add(r.child_path("bucket_size"),
                   "was replaced by workload.fusion: use {\"policy\": \"ddp\", \"bucket_cap\": \"25MiB\"} (PyTorch DDP "
                   "buckets), {\"policy\": \"horovod\"} (Horovod tensor fusion) or {\"policy\": \"none\"}");
  read_fusion(r, w.fusion);
  w.overlap_slowdown = r.number("overlap_slowdown", 0.0, 0, false, 100);  // sim/engine/overlap_interference.h
  // The layer profile of the charged catalog model (the proxy for a real model), if the catalog has one.
  if (charged && charged->contains("layers"))
    for (const json& layer : (*charged)["layers"]) w.layers.push_back({layer[0].get<double>(), layer[1].get<double>()});
  if (r.has("layers")) w.layers = read_layers(r);  // a profile for custom models (or to override)
  r.reject_unknown_keys();
}

void read_run_length(JsonReader& run, Scenario& s) {
  const NumericsSpec& n = s.workload.numerics;
  if (run.has("epochs")) {
    s.run.epochs = run.number("epochs", std::nullopt, 0, true);
    if (!n.enabled) {
      run.errors().add(run.child_path("epochs"), "needs a real model (workload.model one of softmax_regression, "
                                                 "mlp, linear_regression); use iterations");
    } else if (run.has("iterations")) {
      run.errors().add(run.child_path("epochs"), "give either iterations or epochs, not both");
    } else {
      const double per_iteration = static_cast<double>(s.cluster.ranks()) * s.workload.batch_per_gpu;
      const double iterations = std::ceil(s.run.epochs * n.train_samples / per_iteration);
      if (!(iterations <= kMaxIterations))  // compared as a double: the int conversion would overflow
        run.errors().add(run.child_path("epochs"), number_text(s.run.epochs) + " epochs of " +
                                                       std::to_string(n.train_samples) + " samples at " +
                                                       number_text(per_iteration) + " per iteration are " +
                                                       number_text(iterations) + " iterations; allowed: at most " +
                                                       std::to_string(kMaxIterations) + " (as run.iterations)");
      else
        s.run.iterations = static_cast<int>(iterations);
    }
    run.raw("iterations");
  } else {
    s.run.iterations = static_cast<int>(run.integer("iterations", 10, 1, kMaxIterations));
  }
}

// The /workload section: read imperatively above (its defaults depend on the model, the catalog and the
// cluster); its JSON Schema is declared here, beside the reader, with every list of names taken from the
// catalog and the kernels' own tables (`dtsim schema` prints it; a test compares it with the file).
namespace {

json workload_schema() {
  const std::vector<std::string> real_models = kernels::model_kind_names();
  std::vector<std::string> models = catalog_names("models");
  models.insert(models.end(), real_models.begin(), real_models.end());
  const double inf = std::numeric_limits<double>::infinity();
  const std::int64_t most = std::numeric_limits<std::int64_t>::max();
  auto positive_list = [](const char* key, std::string help) {
    return option_schema(Option::integer_list(key, 1, std::move(help)));
  };
  json hidden = positive_list("hidden", "MLP hidden widths.");
  hidden["default"] = {256, 128};
  const OptionList dataset = {
      Option::choice("name", std::nullopt, kernels::dataset_kind_names(), ""),
      Option::text("path", std::string("/usr/share/datasets/fashion-mnist"), ""),
      Option::integer("train_limit", 0, 0, 60000, ""),
      Option::integer("test_limit", 0, 0, 10000, ""),
      Option::integer("dim", 20, 1, 1 << 20, ""),
      Option::integer("samples_per_rank", 100, 1, 1 << 24, ""),
      Option::number("heterogeneity", 0.0, 0, false, inf, "")};
  const OptionList partition = {
      Option::choice("kind", std::nullopt, kernels::partition_kind_names(), ""),
      Option::number("alpha", 0.5, 0, true, inf, ""),
      Option::integer("shards_per_rank", 2, 1, 1 << 20, ""),
      Option::boolean("shuffle_each_epoch", true, "")};
  const OptionList optimizer = {
      Option::choice("name", std::string("sgd"), kernels::optimizer_kind_names(), ""),
      Option::number("lr", 0.1, 0, true, inf, ""),
      Option::number("momentum", 0.9, 0, false, 1, ""),
      Option::number("beta1", 0.9, 0, false, kBelowOne, "adam: first-moment decay, below 1"),
      Option::number("beta2", 0.999, 0, false, kBelowOne, "adam: second-moment decay, below 1"),
      Option::number("eps", 1e-8, 0, true, inf, "adam: added to sqrt(v)"),
      Option::number("weight_decay", 0.0, 0, false, inf, ""),
      Option::integer("warmup_steps", 0, 0, most, ""),
      Option::choice("schedule", std::string("constant"), kernels::schedule_kind_names(), ""),
      Option::integer("step_size", 1000, 1, most, ""),
      Option::number("gamma", 0.1, 0, true, 1, ""),
      Option::integer("total_steps", 1000, 1, most, ""),
      Option::number("min_lr", 0.0, 0, false, inf, ""),
      Option::boolean("linear_scaling", false, ""),
      Option::integer("base_batch", 256, 1, most, "")};
  json schema = options_schema({
      Option::choice("model", std::nullopt, models,
                     "Catalog model (timing only) or a real model trained with real numerics (softmax_regression, mlp, "
                     "linear_regression). Without it, params and compute_time are required."),
      Option::integer("params", std::nullopt, 1, most, ""),
      Option::number("bytes_per_param", 4.0, 0, true, inf, ""),
      Option::duration("compute_time", std::nullopt, "Forward+backward time per iteration per GPU."),
      Option::integer("batch_per_gpu", 32, 1, 1 << 24, "Samples per iteration per GPU (all micro-batches)."),
      Option::integer("accumulation_steps", 1, 1, 1 << 24,
                      "Gradient accumulation: micro-batches per iteration (at most batch_per_gpu); the gradient is "
                      "exchanged once, after the last, and only its backward pass overlaps the exchange."),
      Option::number("overlap_slowdown", 0.0, 0, false, 100,
                     "Compute runs 1 + s times slower while the rank has a transfer in flight (GPU kernels and NIC "
                     "contending with compute); measured typical 0.19, worst 0.40 (Lee et al., arXiv 2507.03114). "
                     "0: perfect overlap."),
  });
  schema.erase("required");  // params and compute_time are required only without a model (checked by the reader)
  json& properties = schema["properties"];
  properties["layers"] = layers_schema();
  properties["fusion"] = fusion_schema();
  properties["precision"] = option_schema(Option::choice(
      "precision", std::string("amp"), precision_names(),
      "Math precision of the compute model: fp32, tf32 (fp32 on GPUs without TF32), amp (alias fp16: mixed "
      "precision), bf16. Picks the published throughput and the peak of the FLOP model."));
  properties["hidden"] = hidden;
  // The dataset's name and the partition's kind default by model (the reader picks them): not required.
  properties["dataset"] = options_schema(dataset);
  properties["dataset"].erase("required");
  properties["partition"] = options_schema(partition);
  properties["partition"].erase("required");
  properties["optimizer"] = options_schema(optimizer);
  properties["backend"] = option_schema(Option::choice("backend", std::string("cpu"), kernels::backend_names(), ""));
  properties["proxy"] = option_schema(
      Option::choice("proxy", std::nullopt, catalog_names("models"),
                     "Charge this catalog model's compute time and message size while training the real model."));
  return schema;
}

}  // namespace

Option workload_section(Scenario& s) {
  return Option::custom("workload", workload_schema,
                        [&s](JsonReader& root, const OptionContext&) { read_workload(root, s); }, "");
}

}  // namespace dtsim
