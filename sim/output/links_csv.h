// links.csv (every SimGrid link's traffic, sim/engine/link_usage.h) and the bottleneck links that
// summary.json lists.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/engine/link_usage.h"

namespace dtsim {

void write_links_csv(const std::string& path, const std::vector<LinkUsage>& links, double run_time);

// The `count` most utilised links that carried traffic (utilisation, then bytes, then name), each
// {link, tier, utilisation, busy_fraction, bytes, peak_flows}.
nlohmann::json bottleneck_links(const std::vector<LinkUsage>& links, double run_time, std::size_t count);

}  // namespace dtsim
