// Which transfers the trace draws as flow arrows (send span -> receive span), and the bytes-in-flight
// counter series. Both read the recorded spans only.
#pragma once
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "sim/engine/recorder.h"

namespace dtsim {

// A flow arrow: the indices (into the span list) of a transfer's send span and receive span.
struct FlowPair {
  std::int64_t transfer = 0;
  std::size_t send = 0, recv = 0;
};

// The arrows to draw. Every transfer with both a send and a receive span has one while there are at most
// `max_flows` of them; beyond that only every k-th transfer in posting order (transfer id order), k =
// ceil(count / max_flows), so the trace stays loadable (max_flows 0: none). (A detached send, a server's reply, has no send
// span: no arrow.) Sorted by transfer id.
std::vector<FlowPair> sampled_flows(const std::vector<Span>& spans, std::size_t max_flows);

// Bytes in flight per group (a machine): for each group, (time in ps, bytes) at each instant the total
// of the group's transfers in flight changes. A transfer counts for its sender's group (`group_of`
// endpoint) from its start to its end; taken from receive spans, which every completed transfer has.
template <typename GroupOf>
std::map<int, std::vector<std::pair<std::int64_t, double>>> bytes_in_flight(const std::vector<Span>& spans,
                                                                            GroupOf group_of);

std::int64_t to_picoseconds(double seconds);

template <typename GroupOf>
std::map<int, std::vector<std::pair<std::int64_t, double>>> bytes_in_flight(const std::vector<Span>& spans,
                                                                            GroupOf group_of) {
  std::map<int, std::map<std::int64_t, double>> changes;
  for (const Span& s : spans) {
    if (s.kind != SpanKind::Recv || s.peer < 0) continue;
    const std::int64_t begin = to_picoseconds(s.begin), end = to_picoseconds(s.end);
    if (end <= begin) continue;
    auto& group = changes[group_of(s.peer)];
    group[begin] += s.bytes;
    group[end] -= s.bytes;
  }
  std::map<int, std::vector<std::pair<std::int64_t, double>>> out;
  for (const auto& [group, deltas] : changes) {
    double total = 0;
    auto& series = out[group];
    for (const auto& [t, delta] : deltas) {
      total += delta;
      if (total < 0.5) total = 0;  // whole bytes: what went in came out (no -1e-9 residue)
      series.emplace_back(t, total);
    }
  }
  return out;
}

}  // namespace dtsim
