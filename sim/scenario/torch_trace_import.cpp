// A PyTorch profiler trace (torch.profiler's Chrome trace export, JSON or .json.gz): the layer profile
// of the model it profiled, read from the autograd events.
//
// Each profiled step is a ProfilerStep span (torch.profiler with a schedule and prof.step()). In a step,
// the backward pass begins with the first "autograd::engine::evaluate_function:" event; each
// "torch::autograd::AccumulateGrad" event writes one parameter's gradient, its "Input Dims" (the trace
// needs record_shapes=True) give the parameter's shape, and its end is when that gradient is ready.
// Everything else in the step (zero_grad, forward, loss, optimizer step) is charged as forward time,
// which no exchange overlaps. Times are the median over the steps. On a GPU these CPU events are kernel
// launches, not completions: profile with CUDA_LAUNCH_BLOCKING=1 so that they are the GPU's times.
#include <algorithm>
#include <cmath>
#include <memory>
#include <sstream>

#include <zlib.h>

#include "sim/base/json_input.h"
#include "sim/scenario/workload_import.h"

namespace dtsim {
namespace {

constexpr std::size_t kMaxTraceBytes = std::size_t(1) << 30;  // far above a profiler trace of a few steps

struct Event {
  std::string name;
  double begin = 0, end = 0;  // microseconds
  const nlohmann::json* args = nullptr;
};

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};

// The file's bytes, gunzipped if it is gzip (zlib reads plain files as they are).
std::string read_maybe_gzip(const std::string& file, std::string& problem) {
  std::unique_ptr<gzFile_s, GzCloser> in(gzopen(file.c_str(), "rb"));
  std::string text;
  if (!in) {
    problem = "cannot be opened";
    return text;
  }
  char buffer[1 << 16];
  for (int got; (got = gzread(in.get(), buffer, sizeof buffer)) > 0;) {
    text.append(buffer, static_cast<std::size_t>(got));
    if (text.size() > kMaxTraceBytes) {
      problem = "is larger than 1 GiB uncompressed; profile fewer steps";
      return {};
    }
  }
  int code = Z_OK;
  const char* why = gzerror(in.get(), &code);
  if (code != Z_OK && code != Z_STREAM_END) problem = std::string("cannot be read: ") + why;
  return text;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// The element count of a shape [d0, d1, ...] (a scalar [] has 1), or -1 if it is not a shape.
double numel(const nlohmann::json& shape) {
  if (!shape.is_array()) return -1;
  double n = 1;
  for (const auto& d : shape) {
    if (!d.is_number_integer() || d.get<std::int64_t>() < 0) return -1;
    n *= static_cast<double>(d.get<std::int64_t>());
  }
  return n;
}

std::string shape_text(const nlohmann::json& shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + shape[i].dump();
  return text + "]";
}

// One profiled step: when its backward pass began, and each gradient (in the order written).
struct StepGradients {
  double begin = 0, end = 0, backward_begin = 0;
  std::vector<double> ready;  // microseconds since backward_begin
  std::vector<double> numels;
  std::vector<std::string> shapes;
};

}  // namespace

ImportedWorkload read_torch_profiler_trace(const std::string& file, std::vector<std::string>& problems) {
  auto fail = [&](const std::string& message) {
    problems.push_back(file + ": " + message);
    return ImportedWorkload{};
  };
  if (std::string problem = regular_file_problem(file); !problem.empty()) return fail(problem);
  std::string problem;
  const std::string text = read_maybe_gzip(file, problem);
  if (!problem.empty()) return fail(problem);
  ParsedJson parsed = parse_json_text(text, false);
  if (!parsed.value) return fail("is not a JSON trace: " + parsed.error);
  const nlohmann::json& doc = *parsed.value;
  // Kineto writes {"traceEvents": [...]}; the legacy exporter a bare array.
  const nlohmann::json* list = doc.is_array() ? &doc : doc.is_object() && doc.contains("traceEvents") ? &doc["traceEvents"] : nullptr;
  if (!list || !list->is_array()) return fail("has no traceEvents array (not a Chrome trace from torch.profiler)");

  std::vector<Event> steps, events;
  for (const auto& e : *list) {
    if (!e.is_object() || e.value("ph", "") != "X" || !e.contains("name") || !e["name"].is_string()) continue;
    if (!e.contains("ts") || !e["ts"].is_number() || !e.contains("dur") || !e["dur"].is_number()) continue;
    const double ts = e["ts"].get<double>(), dur = e["dur"].get<double>();
    if (!std::isfinite(ts) || !std::isfinite(dur) || dur < 0) continue;
    Event event{e["name"].get<std::string>(), ts, ts + dur, e.contains("args") ? &e["args"] : nullptr};
    (starts_with(event.name, "ProfilerStep") ? steps : events).push_back(std::move(event));
  }
  if (steps.empty())
    return fail("has no ProfilerStep spans: profile with torch.profiler.profile(schedule=...) and call "
                "prof.step() after each training step");
  auto by_begin = [](const Event& a, const Event& b) { return a.begin < b.begin; };
  std::sort(steps.begin(), steps.end(), by_begin);
  std::sort(events.begin(), events.end(), by_begin);

  std::vector<StepGradients> profiled;
  for (std::size_t k = 0; k < steps.size(); ++k) {
    StepGradients g{steps[k].begin, steps[k].end, std::nan(""), {}, {}, {}};
    for (const Event& e : events) {
      if (e.begin < g.begin || e.end > g.end) continue;
      if (std::isnan(g.backward_begin) && starts_with(e.name, "autograd::engine::evaluate_function:"))
        g.backward_begin = e.begin;  // events are in begin order: the first one
      if (e.name != "torch::autograd::AccumulateGrad") continue;
      const nlohmann::json* dims = e.args && e.args->is_object() && e.args->contains("Input Dims") ? &(*e.args)["Input Dims"] : nullptr;
      const double n = dims && dims->is_array() && !dims->empty() ? numel((*dims)[0]) : -1;
      if (n < 0) return fail("step " + std::to_string(k + 1) + ": an AccumulateGrad event has no parameter shape "
                             "(args \"Input Dims\"): profile with record_shapes=True");
      g.ready.push_back(e.end);
      g.numels.push_back(n);
      g.shapes.push_back(shape_text((*dims)[0]));
    }
    if (g.ready.empty())
      return fail("step " + std::to_string(k + 1) + " has no torch::autograd::AccumulateGrad events: profile training "
                  "steps (loss.backward()) of a model with parameters");
    if (std::isnan(g.backward_begin))
      return fail("step " + std::to_string(k + 1) + " has gradients but no autograd::engine::evaluate_function events");
    for (double& t : g.ready) t -= g.backward_begin;
    if (!profiled.empty() && g.numels != profiled.front().numels)
      return fail("step " + std::to_string(k + 1) + " writes other gradients than step 1 (" +
                  std::to_string(g.numels.size()) + " against " + std::to_string(profiled.front().numels.size()) +
                  " tensors); profile the same training step each time");
    profiled.push_back(std::move(g));
  }

  // Medians over the steps (the first steps of a run are often slow), in seconds.
  const StepGradients& first = profiled.front();
  const std::size_t grads = first.ready.size();
  if (grads > kMaxImportedLayers) return fail("more than " + std::to_string(kMaxImportedLayers) + " gradients per step");
  std::vector<double> forward, ready(grads);
  for (const StepGradients& g : profiled) forward.push_back((g.end - g.begin) - g.ready.back());
  ImportedWorkload w;
  w.measured = true;
  w.forward = median(forward) * 1e-6;
  double previous = 0;
  for (std::size_t j = 0; j < grads; ++j) {
    std::vector<double> at;
    for (const StepGradients& g : profiled) at.push_back(g.ready[j]);
    ready[j] = std::max(previous, median(at) * 1e-6);  // medians of ordered events stay ordered
    previous = ready[j];
  }
  // Gradients are written in reverse forward order: layer i of the profile is gradient grads-1-i.
  for (std::size_t i = 0; i < grads; ++i) {
    const std::size_t j = grads - 1 - i;
    w.layers.push_back({"gradient " + std::to_string(j + 1) + " " + first.shapes[j], first.numels[j],
                        ready[j] - (j == 0 ? 0 : ready[j - 1])});
  }
  std::ostringstream d;
  d << "PyTorch profiler trace " << file << ": " << profiled.size() << " steps, " << grads
    << " gradients; medians: backward " << ready.back() << " s, rest of the step " << w.forward << " s";
  w.description = d.str();
  if (w.params_total() < 1) return fail("its gradients have no elements");
  return w;
}

}  // namespace dtsim
