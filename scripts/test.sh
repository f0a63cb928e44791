#!/usr/bin/env bash
# README command 2 (and CI): install what is missing, build, and run the whole test suite. CTest runs
# every doctest case in its own process (SimGrid allows one simulation per process).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh        # everything: dtsim, dtsim_tests, benchmarks, the CUDA module when nvcc exists
ctest --test-dir build -j"$(nproc)" --output-on-failure --timeout 600
