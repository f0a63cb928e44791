#include "algorithms/collectives/collective.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace dtsim {
int index_in_group(const std::vector<int>& group, int endpoint) {
  auto it = std::find(group.begin(), group.end(), endpoint);
  if (it == group.end()) throw std::logic_error("endpoint " + std::to_string(endpoint) + " not in its group");
  return static_cast<int>(it - group.begin());
}
}  // namespace dtsim
