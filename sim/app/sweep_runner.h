// Running a sweep: every point of the shard that results.jsonl does not hold yet runs in its own
// forked child (at most `jobs` at once); the parent appends one row per finished point and keeps
// results.csv up to date. Killing the sweep loses no finished point; running it again resumes.
#pragma once
#include <ostream>
#include <string>

#include "sim/app/sweep.h"

namespace dtsim {

enum class SweepProgress { automatic, bar, lines, none };

struct SweepRunOptions {
  std::string out_dir;        // default: the plan's output_dir (with /shard-K-of-N for shards)
  int jobs = 1;
  int shard_k = 1, shard_n = 1;
  bool retry_failed = false;  // run points recorded as failed again
  double timeout_s = 0;       // per point; 0: none
  SweepProgress progress = SweepProgress::automatic;
  bool list_only = false;     // print the shard's points and whether each is done; run nothing
};

// Exit code: 0 every point of the shard ok, 1 some failed, 2 the output directory is unusable.
int run_sweep(const SweepPlan& plan, const SweepRunOptions& options, std::ostream& out, std::ostream& err);

}  // namespace dtsim
