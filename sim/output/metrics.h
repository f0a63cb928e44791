// From per-endpoint iteration breakdowns to the numbers users read: per-iteration rows (means over
// GPU ranks) and the run summary (means over measured iterations, warm-up excluded).
#pragma once
#include <limits>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/engine/engine.h"
#include "sim/scenario/scenario.h"

namespace dtsim {

struct IterationRow {
  int iteration = 0;
  bool warmup = false;
  double begin = 0;            // first rank starts the iteration
  double end = 0;              // last rank finishes it
  double iteration_time = 0;   // end - previous iteration's end
  double compute = 0;          // means over ranks
  double comm = 0;
  double exposed_comm = 0;
  double wait_mean = 0;
  double wait_max = 0;
  double input_wait_mean = 0;  // waiting for the data loader (workload.input_pipeline), mean over ranks
  double input_wait_max = 0;
  double bytes_sent_per_rank = 0;
  // The iteration's communication as a whole: from the first rank posting its first transfer to the
  // last rank's last transfer ending (asynchronous ranks: the mean of each rank's own window); 0
  // without communication. On multi-GPU machines comm (a mean of per-rank busy times) is far below it.
  double comm_span = 0;
  double intra_busy = 0, inter_busy = 0;                        // means over ranks, per tier
  double intra_bytes_per_rank = 0, inter_bytes_per_rank = 0;    // bytes sent, means over ranks
  // Numerics only (NaN where absent): mean training loss over ranks, test metrics where evaluated.
  double train_loss = std::numeric_limits<double>::quiet_NaN();
  double test_loss = std::numeric_limits<double>::quiet_NaN();
  double test_accuracy = std::numeric_limits<double>::quiet_NaN();
  double consensus_distance = std::numeric_limits<double>::quiet_NaN();  // decentralized only
  double rank_accuracy_min = std::numeric_limits<double>::quiet_NaN();   // with run.eval_ranks
  double rank_accuracy_max = std::numeric_limits<double>::quiet_NaN();
};

std::vector<IterationRow> iteration_rows(const Scenario& scenario, const RunResult& run);

// The warm-up iterations excluded from the means (fewer when an early stop left too few iterations).
int effective_warmup(const Scenario& scenario, const RunResult& run);

// summary.json's content (without the host-dependent wall time, which the caller adds).
nlohmann::json summarize(const Scenario& scenario, const RunResult& run, const std::vector<IterationRow>& rows);

}  // namespace dtsim
