#!/usr/bin/env bash
# The CUDA backend checked against the CPU reference, on a machine with a GPU (CI has none; run
# this by hand there). It runs, from a build made where nvcc exists:
#   1. the test cases that need a GPU (they are skipped elsewhere);
#   2. build/kernels_bench, whose CUDA rows time the gradient steps and compare the first step's
#      gradients and losses with the CPU's;
#   3. two training scenarios with workload.backend "cpu" and "cuda" (the CUDA one twice):
#      scripts/compare_backends.py checks that the simulated clock is identical, that the losses
#      and accuracies agree within the stated tolerances, and that two CUDA runs are bit-identical.
# Usage: scripts/gpu_check.sh [BUILD_DIR] [OUT_DIR]
set -euo pipefail
build=${1:-build}
out=${2:-out/gpu_check}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$out/gpu.txt"

echo "== test cases that need a GPU"
"$build/dtsim_tests" --test-case='*CUDA*,*cuda*' 2>&1 | tee "$out/tests.log"

echo "== kernels_bench"
"$build/kernels_bench" 2>&1 | tee "$out/kernels_bench.txt"

# Short versions of two shipped scenarios: synchronous (all ranks share parameters, batches are
# stacked) and decentralized (every rank's parameters differ).
run() {  # scenario backend label extra-set...
  local scenario=$1 backend=$2 label=$3
  shift 3
  local start end
  start=$(date +%s%N)
  if ! "$build/dtsim" run "scenarios/$scenario.json" --out "$out/$label" -q --set "/workload/backend=\"$backend\"" "$@"; then
    echo "$label: FAILED" | tee -a "$out/walls.txt"
    return
  fi
  end=$(date +%s%N)
  echo "$label: $(( (end - start) / 1000000 )) ms of wall time" | tee -a "$out/walls.txt"
}
: >"$out/walls.txt"
for backend in cpu cuda; do
  run fashion_mnist_mlp "$backend" "mlp_$backend" --set /run/epochs=2
  run decentralized_fashion_mnist "$backend" "decentralized_$backend" --set /run/epochs=1
done
run fashion_mnist_mlp cuda mlp_cuda_again --set /run/epochs=2

echo "== CPU against CUDA"
python3 "$here/compare_backends.py" "$out/mlp_cpu" "$out/mlp_cuda" "$out/mlp_cuda_again" | tee "$out/compare.txt"
python3 "$here/compare_backends.py" "$out/decentralized_cpu" "$out/decentralized_cuda" | tee -a "$out/compare.txt"
