#include "sim/scenario/compute_model.h"

#include <cstdio>
#include <optional>

#include "sim/scenario/catalog.h"

namespace dtsim {
namespace {

using nlohmann::json;

const char* peak_key(const std::string& precision) {
  if (precision == "amp") return "fp16";
  return precision.c_str();
}

std::string format(const char* pattern, double value) {
  char text[64];
  std::snprintf(text, sizeof text, pattern, value);
  return text;
}

// Measured figures of `model` match `precision` ("bf16" also takes "amp": same tensor-core rate).
bool matches(const json& figure, const std::string& precision) {
  const std::string p = figure["precision"].get<std::string>();
  return p == precision || (precision == "bf16" && p == "amp");
}

// The model's published figures (a reference into the catalog, so pointers to them stay valid).
const json& measured(const json& entry) {
  static const json none = json::array();
  return entry.contains("measured") ? entry["measured"] : none;
}

struct Efficiency {
  double value = 0;
  std::string basis;
};

bool has_tensor_cores(const std::string& gpu) { return catalog()["gpus"][gpu].value("tensor_cores", true); }

// The model's efficiency at `precision`, from its measured figure on `target` (the GPU in use) if any,
// else on the newest GPU that has one, else efficiency_like's. Tensor-core precisions take figures
// from tensor-core GPUs only (P100's fp16 runs on CUDA cores).
std::optional<Efficiency> model_efficiency(const std::string& model, const std::string& precision,
                                           const std::string& target, int depth = 0) {
  const json& entry = catalog()["models"][model];
  const json* best = nullptr;
  int best_year = -1;
  for (const json& figure : measured(entry)) {
    const std::string gpu = figure["gpu"].get<std::string>();
    if (!matches(figure, precision) || catalog_peak(gpu, precision) <= 0) continue;
    if (precision != "fp32" && !has_tensor_cores(gpu)) continue;
    const int year = gpu == target ? 1 << 30 : catalog()["gpus"][gpu]["year"].get<int>();
    if (year > best_year) best = &figure, best_year = year;
  }
  if (best) {
    const std::string gpu = (*best)["gpu"].get<std::string>();
    const double flops = 3 * entry["forward_flops"].get<double>() * (*best)["samples_per_s"].get<double>();
    const double e = flops / catalog_peak(gpu, precision);
    return Efficiency{e, format("%.4g", e) + " from " + model + " on " + gpu + " " +
                             (*best)["precision"].get<std::string>() + ": " +
                             format("%g", (*best)["samples_per_s"].get<double>()) + " samples/s (" +
                             (*best)["source"].get<std::string>() + ")"};
  }
  if (entry.contains("efficiency_like") && depth < 4)
    return model_efficiency(entry["efficiency_like"].get<std::string>(), precision, target, depth + 1);
  return std::nullopt;
}

}  // namespace

const std::vector<std::string>& precision_names() {
  static const std::vector<std::string> names = {"fp32", "tf32", "amp", "fp16", "bf16"};
  return names;
}

double catalog_peak(const std::string& gpu, const std::string& precision) {
  const json& peaks = catalog()["gpus"][gpu]["peak_flops"];
  const char* key = peak_key(precision);
  return peaks.contains(key) ? peaks[key].get<double>() : 0.0;
}

std::string effective_precision(const std::string& gpu, const std::string& precision) {
  if (precision == "tf32" && catalog_peak(gpu, "tf32") <= 0) return "fp32";
  return precision;
}

namespace {

ComputeEstimate estimate_at(const std::string& model, const GpuSpec& gpu, const std::string& asked, int batch) {
  ComputeEstimate e;
  const json& entry = catalog()["models"][model];
  const double training_flops = 3 * entry["forward_flops"].get<double>() * batch;  // forward + backward
  if (gpu.custom) {  // one peak for every precision, the given efficiency
    e.seconds = training_flops / (gpu.peak_flops * gpu.efficiency);
    e.source = "FLOP model";
    e.efficiency = gpu.efficiency;
    e.basis = "FLOP model: 3 x " + format("%.4g", entry["forward_flops"].get<double>()) + " FLOP x batch / (" +
              format("%.4g", gpu.peak_flops) + " FLOP/s x efficiency " + format("%g", gpu.efficiency) + ", custom GPU)";
    return e;
  }
  const std::string precision = effective_precision(gpu.name, asked);
  const double peak = catalog_peak(gpu.name, precision);
  if (peak <= 0) {
    std::string have;
    for (const auto& item : catalog()["gpus"][gpu.name]["peak_flops"].items())
      have += (have.empty() ? "" : ", ") + (item.key() == "fp16" ? std::string("amp") : item.key());
    e.error = "\"" + asked + "\" is not available on " + gpu.name + " (it computes in " + have + ")";
    return e;
  }
  for (const json& figure : measured(entry)) {
    if (figure["gpu"] != gpu.name || !matches(figure, precision)) continue;
    const double rate = figure["samples_per_s"].get<double>();
    e.seconds = batch / rate;
    e.source = "measured throughput";
    e.basis = "measured: " + model + " on " + gpu.name + " " + figure["precision"].get<std::string>() + ", " +
              format("%g", rate) + " samples/s at batch " + format("%g", figure["batch"].get<double>()) + " (" +
              figure["source"].get<std::string>() + ")";
    return e;
  }
  // Without tensor cores (P100) fp16 runs on the CUDA cores: the model's fp32 efficiency at the fp16 peak.
  const bool cuda_cores = !has_tensor_cores(gpu.name) && (precision == "amp" || precision == "bf16");
  const std::optional<Efficiency> own = model_efficiency(model, cuda_cores ? "fp32" : precision, gpu.name);
  e.efficiency = own ? own->value : gpu.efficiency;
  e.seconds = training_flops / (peak * e.efficiency);
  e.source = "FLOP model";
  e.basis = "FLOP model: 3 x " + format("%.4g", entry["forward_flops"].get<double>()) + " FLOP x batch / (" +
            gpu.name + " " + peak_key(precision) + " peak " + format("%.4g", peak) + " FLOP/s x efficiency " +
            (own ? own->basis : format("%g", gpu.efficiency) + ", the GPU's generic efficiency: no published figure "
                                                               "for this model at " + precision) + ")";
  return e;
}

}  // namespace

ComputeEstimate estimate_compute_time(const std::string& model, const GpuSpec& gpu, const std::string& asked,
                                      int batch) {
  ComputeEstimate e = estimate_at(model, gpu, asked, batch);
  if (gpu.custom || !e.error.empty() || e.source != "FLOP model") return e;
  // A FLOP-model estimate is never slower than this GPU at a lower precision (the framework would keep
  // the faster kernels): VGG-16 at tf32 takes ResNet-50's tensor-core efficiency, below its own fp32 one.
  const std::vector<std::string> lower = asked == "tf32" ? std::vector<std::string>{"fp32"}
                                         : asked == "fp32" ? std::vector<std::string>{}
                                                           : std::vector<std::string>{"tf32", "fp32"};
  for (const std::string& q : lower) {
    const ComputeEstimate below = estimate_at(model, gpu, q, batch);
    if (below.error.empty() && below.seconds < e.seconds) {
      e.seconds = below.seconds;
      e.efficiency = below.efficiency;
      e.source = below.source;
      e.basis = "as fast as at " + q + " (faster than the " + asked + " estimate): " + below.basis;
    }
  }
  return e;
}

}  // namespace dtsim
