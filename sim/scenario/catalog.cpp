#include "sim/scenario/catalog.h"

#include "sim/scenario/embedded_data.h"

namespace dtsim {
const nlohmann::json& catalog() {
  static const nlohmann::json parsed = nlohmann::json::parse(embedded::catalog_json());
  return parsed;
}
std::vector<std::string> catalog_names(const char* section) {
  std::vector<std::string> names;
  for (const auto& item : catalog()[section].items()) names.push_back(item.key());
  return names;
}
}  // namespace dtsim
