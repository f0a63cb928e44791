// /workload/layers (a model's layer profile) and /workload/fusion (the fusion policy plugin).
#include "sim/scenario/scenario_sections.h"

namespace dtsim {

Option fusion_option(FusionSpec& f) {
  // The family of algorithms/training/fusion_policy.h (FusionPolicy::family); its members own their keys.
  return Option::plugin("fusion", "fusion", "policy", "none", "",
                        "How gradients are grouped into allreduces during the backward pass (allreduce).")
      .then([&f](JsonReader& workload, const json&) {
        const json& resolved = workload.resolved()["fusion"];
        f.policy = resolved.value("policy", std::string("none"));
        json options = resolved;
        options.erase("policy");
        f.options = OptionValues(options);
      });
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
