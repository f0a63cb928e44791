// /workload/fusion (how gradients are grouped into allreduces during the backward pass) and
// /workload/layers (a model's layer profile). Defaults are the frameworks' own:
//  - PyTorch DDP: bucket_cap_mb=25 (25 MiB buckets) and a first bucket of 1 MiB
//    (torch.distributed's _DEFAULT_FIRST_BUCKET_BYTES), buckets filled in reverse parameter order;
//    PyTorch docs, torch.nn.parallel.DistributedDataParallel; Li et al., PyTorch Distributed:
//    Experiences on Accelerating Data Parallel Training, VLDB 2020.
//  - Horovod tensor fusion: HOROVOD_FUSION_THRESHOLD 128 MiB and HOROVOD_CYCLE_TIME 1 ms since
//    Horovod 0.21.0 (64 MiB and 5 ms before; Horovod docs, tensor-fusion.rst, and its 0.21.0 release
//    notes); Sergeev & Del Balso, Horovod: fast and easy distributed deep learning in TensorFlow, 2018.
#include "sim/scenario/scenario_sections.h"

namespace dtsim {

namespace {
const std::vector<std::string> kPolicies = {"none", "ddp", "horovod"};
}

void read_fusion(JsonReader& workload, FusionSpec& f) {
  JsonReader r = workload.object("fusion");
  f.policy = r.string("policy", std::string("none"), kPolicies);
  if (f.policy == "ddp") {
    f.bucket_cap = r.size("bucket_cap", std::string("25MiB"));
    f.first_bucket = r.size("first_bucket", std::string("1MiB"));
  } else if (f.policy == "horovod") {
    f.threshold = r.size("threshold", std::string("128MiB"));
    f.cycle_time = r.duration("cycle_time", std::string("1ms"), false);
  }
  r.reject_unknown_keys();  // e.g. bucket_cap under horovod: named with its path
}

std::vector<LayerProfile> read_layers(JsonReader& workload) {
  const json* raw = workload.raw("layers");
  std::vector<LayerProfile> layers;
  const std::string path = workload.child_path("layers");
  if (!raw->is_array() || raw->empty()) {
    workload.errors().add(path, quote(*raw) + " is not a layer list; give [params, ...] or [[params, flops], ...]");
    return layers;
  }
  for (std::size_t i = 0; i < raw->size(); ++i) {
    const json& item = (*raw)[i];
    const bool pair = item.is_array() && item.size() == 2 && item[0].is_number() && item[1].is_number();
    LayerProfile layer;
    if (item.is_number()) {
      layer.params = layer.flops = item.get<double>();  // no FLOPs given: backward time split by parameters
    } else if (pair) {
      layer = {item[0].get<double>(), item[1].get<double>()};
    }
    if ((!item.is_number() && !pair) || layer.params < 0 || layer.flops < 0 || (item.is_number() && layer.params < 1)) {
      workload.errors().add(path + "/" + std::to_string(i),
                            quote(item) + " is not a layer; give a parameter count >= 1 or [params >= 0, flops >= 0]");
      continue;
    }
    layers.push_back(layer);
  }
  workload.resolved()["layers"] = *raw;
  return layers;
}

json fusion_schema() {
  auto policy = [](const char* name, OptionList fields, const char* help) {
    fields.insert(fields.begin(), Option::choice("policy", std::nullopt, {name}, help));
    json schema = options_schema(fields);
    schema["required"] = json::array({"policy"});
    return schema;
  };
  json none = policy("none", {}, "One allreduce of the whole gradient after the backward pass (no overlap).");
  json ddp = policy("ddp",
                    {Option::size("bucket_cap", std::string("25MiB"), "PyTorch DDP bucket_cap_mb (default 25 MiB)."),
                     Option::size("first_bucket", std::string("1MiB"), "Cap of the first bucket (default 1 MiB).")},
                    "PyTorch DDP: static buckets in reverse layer order, each allreduced once all its gradients are "
                    "ready.");
  json horovod = policy("horovod",
                        {Option::size("threshold", std::string("128MiB"), "HOROVOD_FUSION_THRESHOLD (default 128 MiB)."),
                         Option::duration("cycle_time", std::string("1ms"), "HOROVOD_CYCLE_TIME (default 1 ms).")},
                        "Horovod tensor fusion: every cycle, the gradients ready on every rank are fused into "
                        "allreduces of at most threshold bytes.");
  return {{"description", "How gradients are grouped into allreduces during the backward pass (allreduce)."},
          {"default", {{"policy", "none"}}},
          {"oneOf", json::array({none, ddp, horovod})}};
}

json layers_schema() {
  json count = {{"type", "integer"}, {"minimum", 1}};
  json pair = {{"type", "array"}, {"items", {{"type", "number"}, {"minimum", 0}}}, {"minItems", 2}, {"maxItems", 2}};
  return {{"description", "Layer profile in forward order: [params, forward FLOPs] pairs, or parameter counts (backward "
                          "time then split by parameters); defaults to the catalog model's profile, else one layer."},
          {"type", "array"},
          {"minItems", 1},
          {"items", {{"oneOf", json::array({count, pair})}}}};
}

}  // namespace dtsim
