// Per-link traffic of a run (links.csv): what each SimGrid link carried and how busy it was.
//   - bytes: dtsim's own accounting, exact: every completed transfer adds its bytes to each link of
//     its route (Host::route_to; routes are static);
//   - busy_s and peak_flows: from the transfers' start and end times (a transfer occupies its route
//     from its start, latency included, to its end);
//   - utilisation: bytes / (bandwidth x run time), the payload's share of the link's capacity;
// SimGrid's link-load plugin (sg_link_load_plugin_init) was tried and left out: in SimGrid 3.32 it
// integrates a link's usage only between communication state changes, so it also counts each
// transfer's latency phase at the rate that follows it (measured: 18,090,000 B for the 18,000,000 B a
// ring moved over a NIC, + 4 us x 1.25 GB/s per transfer), and it crashes (Host::route_to on a comm
// with no source) when a server's pending inbox receive is cancelled at the end of the run.
// Transfers cancelled by a failure are not counted. Past kMaxTimedTransfers transfers (memory: 24 B each) busy_s and peak_flows are not measured
// (NaN, -1); bytes stay exact.
#pragma once
#include <cstdint>
#include <unordered_map>
#include <utility>
#include <string>
#include <vector>

#include <simgrid/s4u.hpp>

namespace dtsim {

struct LinkUsage {
  std::string link;       // SimGrid's name ("node0-nic-link_UP": node 0's NIC, towards the fabric)
  std::string tier;       // "gpu" (a GPU's link inside its machine), "pcie" (an NVLink GPU's path to its NIC),
                          // "backplane", "nic", "server", "fabric", "loopback"
  std::string sharing;    // "shared" (flows share the bandwidth) or "fatpipe" (each flow gets all of it)
  double bandwidth = 0;   // B/s, nominal
  double bytes = 0;
  double busy_s = 0;
  double utilisation = 0;  // bytes / (bandwidth x run time)
  int peak_flows = 0;      // -1: not measured (see kMaxTimedTransfers)
};

inline constexpr std::size_t kMaxTimedTransfers = 5'000'000;

// The tier of a link from the name the topologies give it (topologies/physical/).
std::string link_tier(const std::string& name);

class LinkUsageMeter {
 public:
  // Call once the platform is built.
  explicit LinkUsageMeter(const std::vector<simgrid::s4u::Host*>& endpoints);
  // A completed transfer between two endpoints (indices into `endpoints`).
  void add_transfer(int src, int dst, double start, double end, double bytes);
  // After the run, while the engine still exists; links in name order.
  std::vector<LinkUsage> measure(double run_time) const;

 private:
  struct Transfer {  // 24 B: the bytes are summed per pair as they come
    std::int32_t pair;  // index into pairs_
    double start, end;
  };
  std::int32_t pair_index(int src, int dst);
  std::vector<simgrid::s4u::Host*> endpoints_;
  std::vector<simgrid::s4u::Link*> links_;  // name order
  std::vector<double> nominal_bandwidth_;
  std::vector<Transfer> transfers_;  // up to kMaxTimedTransfers
  bool timed_ = true;                // every transfer is in transfers_
  // Per (src, dst) pair that carried a transfer, in order of first use: its ends and the bytes of all
  // its transfers (summed in completion order).
  struct Pair {
    int src, dst;
    double bytes;
  };
  std::vector<Pair> pairs_;
  std::unordered_map<std::int64_t, std::int32_t> pair_of_;  // src x endpoints + dst -> index into pairs_
};

}  // namespace dtsim
