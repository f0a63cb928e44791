// Writes `dtsim collective` results in the layout of NVIDIA nccl-tests (src/util.cu: the header, one
// row per size, the "Out of bounds values" and "Avg bus bandwidth" footer), so that its output reads
// with the scripts people use on real all_reduce_perf logs and diffs against them column by column.
#pragma once
#include <ostream>
#include <string>

namespace dtsim {

// The nccl-tests program name of a dtsim operation ("allreduce" -> "all_reduce_perf"); operations
// without an nccl-tests counterpart keep their own name ("neighbor_exchange_perf").
std::string nccl_tests_program(const std::string& operation);

// One result row's fields as nccl-tests prints them.
struct NcclTestsRowFields {
  long long bytes = 0;   // "size": the larger of the send and receive buffers, as nccl-tests
  long long count = 0;   // elements per rank's parameter (per-rank shard for all_gather/reduce_scatter)
  std::string type = "float", redop = "sum";
  int root = -1;
  double time_us = 0, algbw_GBps = 0, busbw_GBps = 0;
  long long wrong = -1;  // -1: values not checked ("N/A", as nccl-tests with -c 0)
};

// Fills count, redop and root for `operation` on p ranks (bytes already set).
void nccl_tests_describe(const std::string& operation, int p, NcclTestsRowFields& row);

// nccl-tests' getFloatStr: %.2f, else %.1f, else %.0f, else scientific, whichever fits `width`.
std::string nccl_tests_float(double value, int width);

void write_nccl_tests_table_header(std::ostream& out);
// Out-of-place then in-place: the simulator has one buffer per rank, so both halves show the one
// simulated operation.
void write_nccl_tests_row(const NcclTestsRowFields& row, std::ostream& out);
// "# Out of bounds values : N OK|FAILED", "# Avg bus bandwidth    : X", "#", "# Collective test concluded: P".
void write_nccl_tests_footer(long long wrong_values, double avg_busbw_GBps, const std::string& program, std::ostream& out);

}  // namespace dtsim
