#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <type_traits>

#include "kernels/idx_reader.h"
#include "kernels/model_factory.h"
#include "sim/base/plugin_catalog.h"
#include "sim/base/saturating.h"
#include "sim/base/units.h"
#include "sim/scenario/catalog.h"
#include "sim/scenario/compute_model.h"
#include "sim/scenario/scenario_sections.h"
#include "sim/scenario/workload_import.h"

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

// A choice among a kernels enum's names, bound to `target` once the name is known good (a bad name
// is reported with the allowed ones by the reader).
template <typename Enum, typename Parse>
Option enum_option(const std::string& key, std::optional<std::string> fallback, std::vector<std::string> names,
                   Parse parse, Enum& target, std::string help) {
  return Option::choice(key, std::move(fallback), names, std::move(help))
      .then([&target, parse, names](JsonReader&, const json& value) {
        const std::string name = value.is_string() ? value.get<std::string>() : std::string();
        if (std::find(names.begin(), names.end(), name) != names.end()) target = parse(name);
      });
}

// A default that depends on whether the real model is linear_regression (its data and partition).
Option by_regression(Option o, bool regression, const std::string& classifiers, const std::string& regressor) {
  const std::string value = regression ? regressor : classifiers;
  return o.default_from([value](const OptionContext&) { return json(value); },
                        "\"" + classifiers + "\" (\"" + regressor + "\" for linear_regression)");
}

// /workload/dataset: its name selects the keys it owns (each data set a member of a local family, so
// that a key of the other data set is an "only meaningful for" error).
PluginFamily dataset_family(kernels::DatasetSpec& d, std::int64_t& train_samples) {
  const kernels::DatasetSpec defaults;
  PluginFamily family;
  Option path = Option::text("path", defaults.path, "directory of the four Fashion-MNIST IDX .gz files")
                    .then([](JsonReader& r, const json& value) {
                      // Checked now, not when the run loads it: a bad path is bad input (exit 2, nothing written).
                      const std::string dir = value.get<std::string>();
                      if (std::string problem = kernels::fashion_mnist_problem(dir); !problem.empty())
                        r.errors().add(r.child_path("path"), quote(dir) + ": " + problem);
                    })
                    .bind(d.path);
  Option train_limit = Option::integer("train_limit", 0, 0, 60000, "keep the first training samples (0: all)")
                           .bind(d.train_limit)
                           .then([&train_samples](JsonReader&, const json& value) {
                             const std::int64_t limit = value.get<std::int64_t>();
                             train_samples = limit ? limit : 60000;
                           });
  family.add({"fashion_mnist", "Fashion-MNIST (Xiao et al. 2017)",
              {path, train_limit, Option::integer("test_limit", 0, 0, 10000, "keep the first test samples (0: all)").bind(d.test_limit)}});
  Option samples = Option::integer("samples_per_rank", 100, 1, 1 << 24, "").bind(d.samples_per_rank);
  samples.then([&d, &train_samples](JsonReader&, const json& value) {
    train_samples = value.get<std::int64_t>() * d.ranks;
  });
  family.add({"synthetic_least_squares", "synthetic least squares with a known optimum",
              {Option::integer("dim", 20, 1, 1 << 20, "").bind(d.dim), samples,
               Option::number("heterogeneity", 0.0, 0, false, std::numeric_limits<double>::infinity(), "")
                   .bind(d.heterogeneity)}});
  return family;
}

Option dataset_name(kernels::DatasetSpec& d, bool regression) {
  return by_regression(enum_option("name", std::nullopt, kernels::dataset_kind_names(), kernels::parse_dataset_kind,
                                   d.kind, ""),
                       regression, "fashion_mnist", "synthetic_least_squares");
}

void read_dataset(JsonReader& w, Scenario& s, bool regression, const OptionContext& context) {
  kernels::DatasetSpec& d = s.workload.numerics.dataset;
  JsonReader r = w.object("dataset");
  d.seed = s.seed;
  d.ranks = s.cluster.ranks();
  read_options(r, {dataset_name(d, regression)}, context);
  const std::string name = r.resolved().value("name", std::string());
  const PluginFamily family = dataset_family(d, s.workload.numerics.train_samples);
  read_member_options(r, family, family.contains(name) ? name : std::string(), context);
  if (family.contains(name) && regression != (d.kind == kernels::DatasetKind::synthetic_least_squares))
    w.errors().add(r.child_path("name"), "linear_regression trains on \"synthetic_least_squares\"; the "
                                         "classifiers on \"fashion_mnist\"");
  r.reject_unknown_keys();
}

OptionList partition_options(kernels::PartitionSpec& p, bool regression) {
  const double inf = std::numeric_limits<double>::infinity();
  return {by_regression(enum_option("kind", std::nullopt, kernels::partition_kind_names(), kernels::parse_partition_kind,
                                    p.kind, ""),
                        regression, "iid", "contiguous"),
          Option::number("alpha", 0.5, 0, true, inf, "").bind(p.alpha),
          Option::integer("shards_per_rank", 2, 1, 1 << 20, "").bind(p.shards_per_rank),
          Option::boolean("shuffle_each_epoch", true, "").bind(p.shuffle_each_epoch)};
}

// Adam's decays must stay below 1 (bias correction divides by 1 - beta^t).
const double kBelowOne = std::nextafter(1.0, 0.0);

OptionList optimizer_options(kernels::OptimizerSpec& o) {
  const double inf = std::numeric_limits<double>::infinity();
  const std::int64_t most = std::numeric_limits<std::int64_t>::max();
  return {enum_option("name", std::string("sgd"), kernels::optimizer_kind_names(), kernels::parse_optimizer_kind, o.kind, ""),
          Option::number("lr", 0.1, 0, true, inf, "").bind(o.lr),
          Option::number("momentum", 0.9, 0, false, 1, "").bind(o.momentum),
          Option::number("beta1", 0.9, 0, false, kBelowOne, "adam: first-moment decay, below 1").bind(o.beta1),
          Option::number("beta2", 0.999, 0, false, kBelowOne, "adam: second-moment decay, below 1").bind(o.beta2),
          Option::number("eps", 1e-8, 0, true, inf, "adam: added to sqrt(v)").bind(o.eps),
          Option::number("weight_decay", 0.0, 0, false, inf, "").bind(o.weight_decay),
          Option::integer("warmup_steps", 0, 0, most, "").bind(o.warmup_steps),
          enum_option("schedule", std::string("constant"), kernels::schedule_kind_names(), kernels::parse_schedule_kind,
                      o.schedule, ""),
          Option::integer("step_size", 1000, 1, most, "").bind(o.step_size),
          Option::number("gamma", 0.1, 0, true, 1, "").bind(o.gamma),
          Option::integer("total_steps", 1000, 1, most, "").bind(o.total_steps),
          Option::number("min_lr", 0.0, 0, false, inf, "").bind(o.min_lr),
          Option::boolean("linear_scaling", false, "").bind(o.linear_scaling),
          Option::integer("base_batch", 256, 1, most, "").bind(o.base_batch)};
}

Option hidden_option(kernels::ModelSpec& m) {
  Option o = Option::integer_list("hidden", 1, "MLP hidden widths.");
  o.fallback = json(m.hidden);
  return o.then([&m](JsonReader&, const json& value) {
    if (!value.is_array()) return;
    m.hidden.clear();
    for (const json& width : value) m.hidden.push_back(width.get<std::decay_t<decltype(m.hidden)>::value_type>());
  });
}

void read_numerics(JsonReader& w, Scenario& s, const OptionContext& context) {
  NumericsSpec& n = s.workload.numerics;
  kernels::ReplicaSpec& rep = n.replica;
  n.enabled = true;
  rep.model.kind = kernels::parse_model_kind(s.workload.model);
  const bool regression = rep.model.kind == kernels::ModelKind::linear_regression;
  if (rep.model.kind == kernels::ModelKind::mlp) read_options(w, {hidden_option(rep.model)}, context);
  read_dataset(w, s, regression, context);
  read_options(w,
               {Option::object("partition", partition_options(rep.partition, regression), ""),
                Option::object("optimizer", optimizer_options(rep.optimizer), ""),
                enum_option("backend", std::string("cpu"), kernels::backend_names(), kernels::parse_backend, rep.backend, "")},
               context);
  // Label-skewed partitions deal samples by class: the synthetic least-squares data has none.
  const bool by_label = rep.partition.kind == kernels::PartitionKind::dirichlet ||
                        rep.partition.kind == kernels::PartitionKind::shards;
  if (by_label && n.dataset.kind != kernels::DatasetKind::fashion_mnist && w.errors().empty())
    w.errors().add(w.child_path("partition") + "/kind",
                   quote(kernels::to_string(rep.partition.kind)) + " deals samples by class label, which "
                       "\"synthetic_least_squares\" has none; allowed here: \"iid\", \"global_shuffle\" or "
                       "\"contiguous\"");
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

// The top-level /workload keys. Their defaults (and accumulation_steps' bound) depend on what was read
// before them, so each is built with those values when it is read, and with none for the schema.
// /workload/import: a model's layer profile from a file (sim/scenario/workload_import.h).
Option import_option(std::string& path, std::string& format) {
  return Option::object("import",
                        {Option::text("path", std::nullopt,
                                      "a per-layer CSV (layer,params,forward_s,backward_s or forward_flops,backward_flops) "
                                      "or a torch.profiler Chrome trace (.json or .json.gz, recorded with record_shapes)")
                             .bind(path),
                         Option::choice("format", std::string("auto"), workload_import_formats(),
                                        "auto: by the file name (.csv: layer_csv; .json, .json.gz: torch_profiler)")
                             .bind(format)},
                        "A model not in the catalog, from its per-layer profile: sets the defaults of params, "
                        "compute_time, layers and the backward pass's share (docs/scenarios.md, Workload import).")
      .only_when_given();
}

Option model_option(std::string& target) {
  std::vector<std::string> models = catalog_names("models");
  models.insert(models.end(), kRealModels.begin(), kRealModels.end());
  models.push_back("custom");  // what the resolved scenario states when no model was named
  return Option::choice("model", std::nullopt, models,
                        "Catalog model (timing only) or a real model trained with real numerics (softmax_regression, "
                        "mlp, linear_regression). Without it (or \"custom\"), params and compute_time are required, "
                        "or come from /workload/import.")
      .bind(target)
      .only_when_given();
}
Option params_option(std::int64_t& target, std::optional<std::int64_t> fallback) {
  return Option::integer("params", fallback, 1, std::numeric_limits<std::int64_t>::max(), "").bind(target);
}
Option batch_option(int& target) {
  return Option::integer("batch_per_gpu", 32, 1, 1 << 24, "Samples per iteration per GPU (all micro-batches).")
      .bind(target);
}
Option accumulation_option(int& target, int most) {
  return Option::integer("accumulation_steps", 1, 1, most,
                         "Gradient accumulation: micro-batches per iteration (at most batch_per_gpu); the gradient is "
                         "exchanged once, after the last, and only its backward pass overlaps the exchange.")
      .bind(target);
}
Option bytes_per_param_option(double& target) {
  return Option::number("bytes_per_param", 4.0, 0, true, std::numeric_limits<double>::infinity(), "").bind(target);
}
Option precision_option(std::string& target) {
  return Option::choice("precision", std::string("amp"), precision_names(),
                        "Math precision of the compute model: fp32, tf32 (fp32 on GPUs without TF32), amp (alias fp16: "
                        "mixed precision), bf16. Picks the published throughput and the peak of the FLOP model.")
      .bind(target);
}
Option compute_time_option(double& target, std::optional<std::string> fallback) {
  return Option::duration("compute_time", std::move(fallback), "Forward+backward time per iteration per GPU.")
      .bind(target);
}
Option overlap_slowdown_option(double& target) {  // sim/engine/overlap_interference.h
  return Option::number("overlap_slowdown", 0.0, 0, false, 100,
                        "Compute runs 1 + s times slower while the rank has a transfer in flight (GPU kernels and NIC "
                        "contending with compute); measured typical 0.19, worst 0.40 (Lee et al., arXiv 2507.03114). "
                        "0: perfect overlap.")
      .bind(target);
}
Option input_pipeline_option(InputPipelineSpec& target) {  // sim/engine/input_pipeline.h
  return Option::object(
             "input_pipeline",
             {Option::number("rate", std::nullopt, 0, true, std::numeric_limits<double>::infinity(),
                             "Samples per second one machine's host prepares (read, decode, augment, copy), shared "
                             "equally by its GPUs: each GPU's loader prepares its batch_per_gpu samples in "
                             "batch_per_gpu x gpus_per_node / rate seconds.")
                  .bind(target.rate),
              Option::integer("prefetch", 2, 1, 1 << 20,
                              "Iterations' batches each GPU's loader may prepare ahead of the GPU (PyTorch's "
                              "DataLoader and DALI queue 2 by default).")
                  .bind(target.prefetch)},
             "The hosts' data loading: a GPU starts an iteration's gradient only once its loader has its batch "
             "ready (waiting counts as input_wait_time_s). Absent: data is always ready.")
      .only_when_given();
}
Option proxy_option(std::string& target) {
  return Option::choice("proxy", std::nullopt, catalog_names("models"),
                        "Charge this catalog model's compute time and message size while training the real model.")
      .bind(target);
}

}  // namespace

void read_workload(JsonReader& root, Scenario& s, const OptionContext& context) {
  JsonReader r = root.object("workload");
  WorkloadSpec& w = s.workload;
  auto read = [&](Option option) { read_options(r, {std::move(option)}, context); };
  read(batch_option(w.batch_per_gpu));
  read(accumulation_option(w.accumulation_steps, w.batch_per_gpu));
  read(bytes_per_param_option(w.bytes_per_param));
  // Without a model, params and compute_time must be given (a purely synthetic timing workload), or
  // come from an imported profile.
  w.model = "custom";
  read(model_option(w.model));
  if (!r.has("model")) r.resolved()["model"] = w.model;
  const bool custom = w.model == "custom";
  const bool real = std::count(kRealModels.begin(), kRealModels.end(), w.model) > 0;
  if (real) read_numerics(r, s, context);

  // The catalog entry that sets message size and compute time: the model itself, or the proxy a
  // real model stands in for.
  const json* charged = catalog()["models"].contains(w.model) ? &catalog()["models"][w.model] : nullptr;
  if (real && r.has("proxy")) {
    read(proxy_option(w.numerics.proxy));
    if (catalog()["models"].contains(w.numerics.proxy)) charged = &catalog()["models"][w.numerics.proxy];
  }
  const bool unknown_model = !custom && !real && !charged;  // already reported; read the rest leniently

  // An imported profile stands for the model: it gives the defaults the catalog gives a catalog model.
  std::optional<ImportedWorkload> imported;
  if (r.has("import")) {
    std::string import_path, import_format;
    const std::size_t errors_before = r.errors().lines.size();
    read(import_option(import_path, import_format));
    if (!custom) {
      r.errors().add(r.child_path("import"), "describes the model itself; remove /workload/model (" + quote(w.model) + ")");
    } else if (r.errors().lines.size() == errors_before) {
      std::vector<std::string> problems;
      ImportedWorkload read_profile = read_imported_workload(import_format, import_path, problems);
      for (const std::string& problem : problems) r.errors().add(r.child_path("import") + "/path", problem);
      if (problems.empty()) imported = std::move(read_profile);
    }
  }

  std::optional<std::int64_t> default_params;
  if (charged) default_params = (*charged)["params"].get<std::int64_t>();
  if (real && !charged) default_params = w.params;
  if (unknown_model) default_params = 1;
  if (imported) default_params = std::max<std::int64_t>(1, std::llround(imported->params_total()));
  const bool import_failed = r.has("import") && !imported;  // already reported; no cascade of missing keys
  if (import_failed) default_params = 1;
  if (real) {
    if (charged) w.params = *default_params;  // the proxy's size goes on the wire
    r.derived("params", w.params, charged ? "the proxy's parameter count" : "the real model's parameter count",
              "or use \"proxy\" to charge another model's size");
  } else {
    read(params_option(w.params, default_params));
  }

  // The math precision: picks the measured figure and the peak of the FLOP model.
  read(precision_option(w.precision));
  if (w.precision == "fp16") w.precision = "amp";
  GpuSpec& gpu = s.cluster.gpu;
  const bool catalog_gpu = !gpu.custom && catalog()["gpus"].contains(gpu.name);
  const bool unknown_gpu = !gpu.custom && !catalog_gpu;  // already reported at /cluster/gpu: no estimate
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

  // The compute time the model's figures give, and where it comes from (always estimated, so that a
  // compute_time equal to it, as a resolved scenario gives, keeps its source).
  std::optional<std::string> estimate;
  std::string estimate_source = "given", estimate_basis = "given";
  if (charged && !unknown_gpu) {
    const std::string charged_name = real && !w.numerics.proxy.empty() ? w.numerics.proxy : w.model;
    ComputeEstimate e = estimate_compute_time(charged_name, gpu, w.precision, w.batch_per_gpu);
    estimate = full_precision(e.seconds);
    estimate_source = e.source + (real && !w.numerics.proxy.empty() ? " (proxy)" : "");
    estimate_basis = e.basis;
  } else if (real && !unknown_gpu && w.real_flops_per_sample > 0) {
    estimate = full_precision(w.real_flops_per_sample * w.batch_per_gpu / (gpu.peak_flops * gpu.efficiency));
    estimate_source = "FLOP model";
    estimate_basis = "FLOP model: the real model's FLOPs / (" + gpu.name + " peak x generic efficiency)";
  } else if (imported && (imported->measured || !unknown_gpu)) {
    const double total = imported->forward + imported->backward_total();
    estimate = full_precision(imported->measured ? total : total * w.batch_per_gpu / (gpu.peak_flops * gpu.efficiency));
    estimate_source = imported->measured ? "imported" : "imported FLOPs, FLOP model";
    estimate_basis = imported->description + (imported->measured ? "" : " / (" + gpu.name + " peak x generic efficiency)");
  }
  std::optional<std::string> default_time = estimate;
  if (!estimate && (unknown_model || unknown_gpu || import_failed || real)) default_time = "0";
  read(compute_time_option(w.compute_time, default_time));
  const bool from_estimate = estimate && w.compute_time == units::parse_duration(*estimate).value_or(-1);
  w.compute_time_source = from_estimate ? estimate_source : "given";
  w.compute_basis = from_estimate ? estimate_basis : "given";
  r.derived("compute_time_source", w.compute_time_source, "the source of workload.compute_time");
  r.derived("compute_basis", w.compute_basis, "the basis of workload.compute_time");
  if (imported) w.backward_share = imported->backward_total() / (imported->forward + imported->backward_total());
  if (r.raw("bucket_size"))
    r.errors().add(r.child_path("bucket_size"),
                   "was replaced by workload.fusion: use {\"policy\": \"ddp\", \"bucket_cap\": \"25MiB\"} (PyTorch DDP "
                   "buckets), {\"policy\": \"horovod\"} (Horovod tensor fusion) or {\"policy\": \"none\"}");
  read(fusion_option(w.fusion));
  read(overlap_slowdown_option(w.overlap_slowdown));
  read(input_pipeline_option(w.input_pipeline));
  // The layer profile of the charged catalog model (the proxy for a real model), if the catalog has one.
  if (charged && charged->contains("layers"))
    for (const json& layer : (*charged)["layers"]) w.layers.push_back({layer[0].get<double>(), layer[1].get<double>()});
  if (imported && !r.has("layers"))
    for (const ImportedLayer& layer : imported->layers) w.layers.push_back({layer.params, layer.backward});
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
      // A resolved scenario gives both: iterations must then be what the epochs come to.
      run.derived("iterations", s.run.iterations,
                  "run.epochs in iterations (" + number_text(s.run.epochs) + " x " + std::to_string(n.train_samples) +
                      " samples / " + number_text(per_iteration) + " per iteration, rounded up)",
                  "or give only one of iterations and epochs");
    }
    run.raw("iterations");
  } else {
    s.run.iterations = static_cast<int>(run.integer("iterations", 10, 1, kMaxIterations));
  }
}

// The /workload section's JSON Schema, from the declarations the reader above reads with (built here
// without the defaults that depend on the model, the catalog and the cluster), with every list of names
// taken from the catalog and the kernels' own tables (`dtsim schema` prints it; a test compares it with
// the file).
namespace {

json workload_schema() {
  // The declarations, bound to unused specs (the schema states them; reading binds them).
  WorkloadSpec w;
  kernels::DatasetSpec dataset_spec;
  std::int64_t train_samples = 0;
  json schema = options_schema({model_option(w.model), params_option(w.params, std::nullopt),
                                bytes_per_param_option(w.bytes_per_param), compute_time_option(w.compute_time, std::nullopt),
                                batch_option(w.batch_per_gpu), accumulation_option(w.accumulation_steps, 1 << 24),
                                overlap_slowdown_option(w.overlap_slowdown), precision_option(w.precision),
                                input_pipeline_option(w.input_pipeline),
                                fusion_option(w.fusion), hidden_option(w.numerics.replica.model),
                                enum_option("backend", std::string("cpu"), kernels::backend_names(),
                                            kernels::parse_backend, w.numerics.replica.backend, ""),
                                proxy_option(w.numerics.proxy), import_option(w.compute_time_source, w.compute_basis)});
  schema.erase("required");  // params and compute_time are required only without a model or import (checked by the reader)
  json& properties = schema["properties"];
  properties["layers"] = layers_schema();
  // Derived, recorded in the resolved scenario; accepted back when they agree with the derivation.
  properties["compute_time_source"] = {
      {"type", "string"},
      {"description", "Derived: where compute_time comes from (\"given\", \"measured throughput\", \"FLOP model\"). "
                      "Accepted when it agrees with what dtsim derives."}};
  properties["compute_basis"] = {
      {"type", "string"},
      {"description", "Derived: the figure compute_time is computed from, with its source. Accepted when it agrees."}};
  // The dataset's keys by its name; its name and the partition's kind default by model.
  properties["dataset"] = member_section_schema(dataset_family(dataset_spec, train_samples),
                                                {dataset_name(dataset_spec, false)}, "name", "", "");
  properties["partition"] = options_schema(partition_options(w.numerics.replica.partition, false));
  properties["optimizer"] = options_schema(optimizer_options(w.numerics.replica.optimizer));
  return schema;
}

}  // namespace

Option workload_section(Scenario& s) {
  return Option::custom("workload", workload_schema,
                        [&s](JsonReader& root, const OptionContext& context) { read_workload(root, s, context); }, "");
}

}  // namespace dtsim
