#include "sim/catalog.h"

#include "sim/embedded_data.h"

namespace dtsim {
const nlohmann::json& catalog() {
  static const nlohmann::json parsed = nlohmann::json::parse(embedded::catalog_json());
  return parsed;
}
}  // namespace dtsim
