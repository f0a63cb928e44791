#!/usr/bin/env bash
# Configures and builds dtsim (Release) in ./build: the targets named as arguments (the quick start
# builds only `dtsim`), else everything (tests, benchmarks, the CUDA module). The CUDA module is built
# when nvcc is found (on PATH or at /usr/local/cuda); it is loaded, and needs a GPU, only for
# backend "cuda".
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${CUDACXX:-}" ] && ! command -v nvcc >/dev/null && [ -x /usr/local/cuda/bin/nvcc ]; then
  export CUDACXX=/usr/local/cuda/bin/nvcc
fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build build -j"$(nproc)" "${targets[@]}"
