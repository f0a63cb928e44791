// The values of a sweep axis: a list, or a range {"from", "to", "step"} (arithmetic) or
// {"from", "to", "factor"} (geometric), read with path-aware errors; and their JSON Schema.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/base/json_reader.h"
#include "sim/base/options.h"

namespace dtsim {

// The most values an axis, and points a sweep, may have.
constexpr std::size_t kMaxSweepPoints = 1000000;

// Reads `node` (at sweep path `path`); problems go to `errors`.
std::vector<nlohmann::json> read_sweep_values(const nlohmann::json& node, const std::string& path, ErrorList& errors);

// The keys of a range object.
const OptionList& sweep_range_options();
nlohmann::json sweep_values_schema();

// Reports every key of object `node` that `options` does not declare: "unknown key; allowed here: ...".
void reject_undeclared_keys(const nlohmann::json& node, const std::string& path, const OptionList& options,
                            ErrorList& errors);
// A key as it appears in a JSON path ("/" -> "~1", "~" -> "~0").
std::string escape_pointer_key(const std::string& key);

}  // namespace dtsim
