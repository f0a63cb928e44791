#include "sim/app/nccl_tests_format.h"

#include <cstdio>

namespace dtsim {

std::string nccl_tests_program(const std::string& operation) {
  if (operation == "allreduce") return "all_reduce_perf";
  if (operation == "allgather") return "all_gather_perf";
  return operation + "_perf";  // reduce_scatter, broadcast, reduce: nccl-tests' names; neighbor_exchange: ours
}

void nccl_tests_describe(const std::string& operation, int p, NcclTestsRowFields& row) {
  const long long elements = row.bytes / 4;  // float
  // nccl-tests' getCollByteCount: all_gather and reduce_scatter print the per-rank shard's count.
  const bool sharded = operation == "allgather" || operation == "reduce_scatter";
  row.count = sharded ? elements / p : elements;
  const bool reduces = operation == "allreduce" || operation == "reduce_scatter" || operation == "reduce";
  row.redop = reduces ? "sum" : "none";
  row.root = operation == "broadcast" || operation == "reduce" ? 0 : -1;
}

std::string nccl_tests_float(double value, int width) {
  char text[64];
  for (const char* pattern : {"%*.2f", "%*.1f", "%*.0f"})
    if (std::snprintf(text, sizeof text, pattern, width, value) <= width) return text;
  std::snprintf(text, sizeof text, width >= 7 ? "%*.1e" : "%*.0e", width, value);
  return text;
}

void write_nccl_tests_table_header(std::ostream& out) {
  char line[256];
  out << "#\n";
  std::snprintf(line, sizeof line, "# %10s  %12s  %8s  %6s  %6s           out-of-place                       in-place          \n",
                "", "", "", "", "");
  out << line;
  std::snprintf(line, sizeof line, "# %10s  %12s  %8s  %6s  %6s  %7s  %6s  %6s  %6s  %7s  %6s  %6s  %6s \n", "size",
                "count", "type", "redop", "root", "time", "algbw", "busbw", "#wrong", "time", "algbw", "busbw", "#wrong");
  out << line;
  std::snprintf(line, sizeof line, "# %10s  %12s  %8s  %6s  %6s  %7s  %6s  %6s  %6s  %7s  %6s  %6s  %6s \n", "(B)",
                "(elements)", "", "", "", "(us)", "(GB/s)", "(GB/s)", "", "(us)", "(GB/s)", "(GB/s)", "");
  out << line;
}

void write_nccl_tests_row(const NcclTestsRowFields& row, std::ostream& out) {
  char line[256];
  std::snprintf(line, sizeof line, "%12lld  %12lld  %8s  %6s  %6d", row.bytes, row.count, row.type.c_str(),
                row.redop.c_str(), row.root);
  out << line;
  for (int half = 0; half < 2; ++half) {
    out << "  " << nccl_tests_float(row.time_us, 7) << "  " << nccl_tests_float(row.algbw_GBps, 6) << "  "
        << nccl_tests_float(row.busbw_GBps, 6);
    if (row.wrong < 0) out << "    N/A";
    else {
      std::snprintf(line, sizeof line, "  %6lld", row.wrong);
      out << line;
    }
  }
  out << "\n";
}

void write_nccl_tests_footer(long long wrong_values, double avg_busbw_GBps, const std::string& program,
                             std::ostream& out) {
  char line[256];
  std::snprintf(line, sizeof line, "# %-20s : %lld %s\n", "Out of bounds values", wrong_values,
                wrong_values ? "FAILED" : "OK");
  out << line;
  std::snprintf(line, sizeof line, "# %-20s : %g \n", "Avg bus bandwidth", avg_busbw_GBps);
  out << line << "#\n# Collective test concluded: " << program << "\n";
}

}  // namespace dtsim
