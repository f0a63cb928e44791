// What failures and recovery did to a run (only with /failures or /run/recovery): every failure,
// checkpoint and restart as an event for trace.json, and the time lost by cause for summary.json.
#pragma once
#include <string>
#include <vector>

namespace dtsim {

struct ResilienceEvent {
  std::string kind;    // "failure", "checkpoint" (a write: begin..end), "down" (failure..resume), "restart",
                       // "rendezvous" (elastic: stop..resume)
  double begin = 0, end = 0;
  std::string what;    // "machine 1", "gpu 5", "link 0 (machine 0's network link)", "iteration 9"
  int iteration = -1;  // checkpoint: the iteration it holds; restart: the iteration resumed from
};

struct ResilienceLog {
  std::vector<ResilienceEvent> events;
  int failures = 0;           // failures that struck a live component
  int interruptions = 0;      // failures that stopped the running job
  int checkpoints = 0;        // checkpoints completely written
  double checkpoint_s = 0;    // time training was stopped by checkpoint writes (blocking or waiting on one)
  double recompute_s = 0;     // work done after the last usable checkpoint and lost at a failure
  double down_s = 0;          // from each interruption to the resumption: detection, repair, restart
  // Elastic training: membership changes (after a failure, or to let repaired ranks join), the time
  // from each stop to the resumption (detection, waiting for min_ranks, rendezvous), and the live
  // ranks at the end.
  int rendezvous = 0;
  double rendezvous_s = 0;
  int final_ranks = 0;
  double job_failure_rate = 0;  // 1/s: sum over components of 1 / MTBF (processes only)
  bool ended_by_failure = false;  // policy "none": the run stopped at its first failure
  std::vector<std::string> unreached;  // scheduled failures after the run's end (paths)
  // Why the job could not go on although no new failure stopped it: a rank's transfer met a component
  // that an earlier failure left down (its route crosses another machine's failed link, as on a
  // torus, whose machines forward their neighbours' traffic). Empty: none.
  std::string cut_off;
};

}  // namespace dtsim
