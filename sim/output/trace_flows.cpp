#include "sim/output/trace_flows.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace dtsim {

std::int64_t to_picoseconds(double seconds) { return std::llround(seconds * 1e12); }

std::vector<FlowPair> sampled_flows(const std::vector<Span>& spans, std::size_t max_flows) {
  std::unordered_map<std::int64_t, std::size_t> sends;
  for (std::size_t i = 0; i < spans.size(); ++i)
    if (spans[i].kind == SpanKind::Send && spans[i].transfer >= 0 && spans[i].end > spans[i].begin)
      sends.emplace(spans[i].transfer, i);
  std::map<std::int64_t, FlowPair> pairs;  // by transfer id: posting order
  for (std::size_t i = 0; i < spans.size(); ++i) {
    const Span& s = spans[i];
    if (s.kind != SpanKind::Recv || s.transfer < 0 || s.end <= s.begin) continue;
    auto it = sends.find(s.transfer);
    if (it != sends.end()) pairs[s.transfer] = FlowPair{s.transfer, it->second, i};
  }
  std::vector<FlowPair> out;
  if (max_flows == 0) return out;
  const std::size_t stride = std::max<std::size_t>(1, (pairs.size() + max_flows - 1) / max_flows);
  std::size_t n = 0;
  for (const auto& entry : pairs)
    if (n++ % stride == 0) out.push_back(entry.second);
  return out;
}

}  // namespace dtsim
