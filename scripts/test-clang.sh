#!/usr/bin/env bash
# After scripts/test.sh, by hand (CI runs scripts/test-sanitizers.sh, also a clang build): the same
# build and test suite with clang++ instead of GCC, in
# ./build-clang (the project must build and pass with both compilers). The CUDA backend, when nvcc
# is found, is compiled by nvcc as in scripts/build.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh clang
if [ -z "${CUDACXX:-}" ] && ! command -v nvcc >/dev/null && [ -x /usr/local/cuda/bin/nvcc ]; then
  export CUDACXX=/usr/local/cuda/bin/nvcc
fi
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B build-clang -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++ "${launcher[@]}" >/dev/null
cmake --build build-clang -j"$(nproc)"
ctest --test-dir build-clang -j"$(nproc)" --output-on-failure --timeout 600
