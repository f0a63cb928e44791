// Reads nccl-tests output (all_reduce_perf, all_gather_perf, sendrecv_perf, ...) as users paste it:
// '#' header lines, among them one per rank
//   "#  Rank  0 Group  0 Pid 1234 on host-a device  0 [0x07] NVIDIA A100-SXM4-80GB"
// (older versions print them without '#' and without "Group"), then one row per size
//   size count type [redop [root]] time algbw busbw #wrong time algbw busbw #wrong
// (out-of-place, then in-place; times in microseconds). Other lines (NCCL INFO, mpirun noise,
// "# Avg bus bandwidth") are skipped; a line that starts with a number is a row and must be whole.
// "# source: URL" lines, anywhere, record where the log was published.
#pragma once
#include <istream>
#include <string>
#include <vector>

namespace dtsim {

struct NcclTestsRow {
  double bytes = 0;      // the "size" column
  double out_of_place_s = 0;
  double in_place_s = 0;
  int line = 0;          // 1-based line in the log
};

struct NcclTestsLog {
  std::string collective;               // "all_reduce", "all_gather", "sendrecv", ... ("" if not stated)
  std::vector<std::string> rank_hosts;  // host of rank r (empty when the paste has no rank lines)
  std::vector<std::string> devices;     // device name of rank r ("NVIDIA A100-SXM4-80GB")
  std::vector<std::string> sources;     // "# source:" lines
  std::vector<NcclTestsRow> rows;
  int ranks() const { return static_cast<int>(rank_hosts.size()); }
  int hosts() const;                    // distinct hosts
  int ranks_per_host() const;           // the largest count of ranks on one host
};

// Parses `in` (named `file` in errors). Problems are appended as "FILE:LINE: message". A log without
// rank lines parses (ranks() == 0): the caller decides whether it can do without them.
NcclTestsLog parse_nccl_tests_log(std::istream& in, const std::string& file, std::vector<std::string>& errors);

}  // namespace dtsim
