#!/usr/bin/env bash
# Slurm job array template: one array task per shard of a dtsim sweep.
#
#   SHARDS=16 sbatch --array=1-16 scripts/sbatch_sweep.sh scenarios/studies/linear_speedup.json [OUT]
#   # when every task is done (or as a dependent job: sbatch --dependency=afterany:JOBID ...):
#   build/dtsim sweep --merge OUT OUT/shard-*-of-16
#
# Each task writes OUT/shard-K-of-N/results.{jsonl,csv}; a task that is killed (time limit, preemption)
# resumes where it stopped when resubmitted with the same K/N (sbatch --array=K ...). Edit the #SBATCH
# lines for your site; the sweep file's points are spread round-robin (index % N), which balances
# large and small points.
#SBATCH --job-name=dtsim-sweep
#SBATCH --cpus-per-task=4
#SBATCH --mem=8G
#SBATCH --time=02:00:00
#SBATCH --output=slurm-%x-%A_%a.out
#SBATCH --requeue
set -euo pipefail

sweep=${1:?usage: SHARDS=N sbatch --array=1-N scripts/sbatch_sweep.sh SWEEP.json [OUT]}
out=${2:-}
shards=${SHARDS:-${SLURM_ARRAY_TASK_COUNT:?set SHARDS to the array size}}
k=${SLURM_ARRAY_TASK_ID:?run as a job array: sbatch --array=1-N}
dtsim=${DTSIM:-build/dtsim}
jobs=${SLURM_CPUS_PER_TASK:-1}

args=(sweep "$sweep" --shard "$k/$shards" -j "$jobs" --progress lines)
if [ -n "$out" ]; then
  args+=(--out "$out/shard-$k-of-$shards")
fi
echo "dtsim sweep shard $k/$shards on $(hostname), $jobs parallel points"
exec "$dtsim" "${args[@]}"
