#include "sim/output/links_csv.h"

#include <algorithm>
#include <cmath>

#include "sim/base/atomic_file.h"

namespace dtsim {

namespace {
// Time with a transfer on the link over the run's time (NaN when not measured).
double busy_fraction(const LinkUsage& u, double run_time) { return run_time > 0 ? u.busy_s / run_time : 0; }

std::string cell(double v) {  // empty where not measured
  char text[32] = "";
  if (!std::isnan(v)) std::snprintf(text, sizeof text, "%.12g", v);
  return text;
}
}  // namespace

void write_links_csv(const std::string& path, const std::vector<LinkUsage>& links, double run_time) {
  AtomicFile file(path);
  std::fprintf(file.stream(),
               "link,tier,sharing,bandwidth_Bps,bytes,busy_s,busy_fraction,utilisation,"
               "peak_flows\n");
  for (const LinkUsage& u : links)
    std::fprintf(file.stream(), "%s,%s,%s,%.12g,%.12g,%s,%s,%.12g,%s\n", u.link.c_str(), u.tier.c_str(),
                 u.sharing.c_str(), u.bandwidth, u.bytes, cell(u.busy_s).c_str(),
                 cell(busy_fraction(u, run_time)).c_str(), u.utilisation,
                 u.peak_flows < 0 ? "" : std::to_string(u.peak_flows).c_str());
  file.commit();
}

nlohmann::json bottleneck_links(const std::vector<LinkUsage>& links, double run_time, std::size_t count) {
  std::vector<const LinkUsage*> used;
  for (const LinkUsage& u : links)
    if (u.bytes > 0) used.push_back(&u);
  std::stable_sort(used.begin(), used.end(), [](const LinkUsage* a, const LinkUsage* b) {
    if (a->utilisation != b->utilisation) return a->utilisation > b->utilisation;
    if (a->bytes != b->bytes) return a->bytes > b->bytes;
    return a->link < b->link;
  });
  nlohmann::json out = nlohmann::json::array();
  for (std::size_t i = 0; i < used.size() && i < count; ++i) {
    const LinkUsage& u = *used[i];
    const double busy = busy_fraction(u, run_time);
    out.push_back({{"link", u.link},
                   {"tier", u.tier},
                   {"utilisation", u.utilisation},
                   {"busy_fraction", std::isnan(busy) ? nlohmann::json() : nlohmann::json(busy)},
                   {"bytes", u.bytes},
                   {"peak_flows", u.peak_flows < 0 ? nlohmann::json() : nlohmann::json(u.peak_flows)}});
  }
  return out;
}

}  // namespace dtsim
