#!/usr/bin/env bash
# Runs the example studies of scenarios/studies/ and draws the figures of docs/sweeps-and-plots.md into analysis/figures/.
# Usage: analysis/make_figures.sh [DTSIM] [JOBS]   (default build/dtsim, 2 parallel points)
# Resumable: a study already complete in out/studies/ is not run again.
set -euo pipefail
cd "$(dirname "$0")/.."
dtsim=${1:-build/dtsim}
jobs=${2:-2}
figures=analysis/figures
mkdir -p "$figures"
plot() { "$dtsim" plot "$@" --no-pdf; }

time "$dtsim" sweep scenarios/studies/linear_speedup.json -j "$jobs"
plot speedup out/studies/linear_speedup --facet bandwidth -o "$figures/linear_speedup.png" \
  --title "ResNet-50 data parallel (V100, batch 64/GPU), one switch"

time "$dtsim" sweep scenarios/studies/comm_to_compute.json -j "$jobs"
plot breakdown out/studies/comm_to_compute --facet model -o "$figures/comm_to_compute.png" \
  --title "16 x V100, ring allreduce: where an iteration goes, by model and link bandwidth"

time "$dtsim" sweep scenarios/studies/convergence.json -j "$jobs"
plot convergence out/studies/convergence --log-time -o "$figures/convergence.png" \
  --title "Softmax regression on Fashion-MNIST (real numerics), ResNet-50 proxy timing, 10 Gbps"

"$dtsim" run scenarios/parameter_server.json --out out/studies/timeline >/dev/null
plot timeline out/studies/timeline --ranks 0-3,16-19 --window 0.3:0.95 -o "$figures/timeline.png" \
  --title "Synchronous PS, 16 workers x 4 shards: workers 0-3 and the 4 servers, iterations 1-2"
