#!/usr/bin/env bash
# CTest: `cmake --install` the build tree into a temporary prefix, then run the installed dtsim from a
# directory outside the source and build trees, on the installed quick-start scenario; the installed
# copy must find its own files (plot.py, the CUDA module when built), never the source tree's.
# Usage: install_runs_quickstart.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" >"$work/install.log" || { cat "$work/install.log"; fail "cmake --install"; }
dtsim="$prefix/bin/dtsim"
share="$prefix/share/dtsim"
for f in "$dtsim" "$share/scenarios/quickstart.json" "$share/scenarios/catalog.json" \
         "$share/scenarios/scenario.schema.json" "$share/scenarios/studies/comm_to_compute.json" \
         "$share/analysis/plot.py" "$prefix/share/doc/dtsim/LICENSE" "$prefix/share/doc/dtsim/CITATION.cff"; do
  [ -e "$f" ] || fail "not installed: ${f#$prefix/}"
done
echo "installed: $(find "$prefix" -type f | wc -l) files, $(du -sh "$prefix" | cut -f1)"

mkdir "$work/elsewhere" && cd "$work/elsewhere"
"$dtsim" --version | grep -qx "dtsim [0-9.]*" || fail "--version"
# The quick start, from the installed scenario; outputs land in the current directory.
"$dtsim" run "$share/scenarios/quickstart.json" --json >summary.json || fail "run quickstart.json"
python3 - summary.json out/quickstart <<'PY'
import json, os, sys
s = json.load(open(sys.argv[1]))
assert s["name"] == "quickstart" and s["ranks"] == 8 and s["iteration_time_s"] > 0, s
for f in ("summary.json", "iterations.csv", "trace.json"):
    assert os.path.getsize(os.path.join(sys.argv[2], f)) > 0, f
print("installed quickstart: iteration %.4g s" % s["iteration_time_s"])
PY
# The same summary as the build tree's binary: an install changes where files are, not results.
"$build/dtsim" run "$share/scenarios/quickstart.json" --out build_tree -q
cmp -s out/quickstart/iterations.csv build_tree/iterations.csv || fail "installed and build-tree iterations.csv differ"
# A sweep's base is found relative to the installed sweep file.
"$dtsim" sweep "$share/scenarios/studies/comm_to_compute.json" --list >/dev/null || fail "sweep --list on an installed study"
# The schema the binary prints is the installed one.
"$dtsim" schema | cmp -s - "$share/scenarios/scenario.schema.json" || fail "dtsim schema differs from the installed schema"
# `dtsim plot` finds the installed plot.py (its own --help needs python3 with matplotlib).
if python3 -c "import matplotlib" 2>/dev/null; then
  "$dtsim" plot --help >plot_help.txt 2>&1 || { cat plot_help.txt; fail "dtsim plot --help"; }
fi
# The CUDA module, when this build made one, is found in the install's lib/dtsim (not the build tree):
# without a GPU the refusal names the device, not a missing module.
if [ -e "$build/libdtsim_cuda.so" ]; then
  [ -e "$prefix/lib/dtsim/libdtsim_cuda.so" ] || fail "CUDA module not installed"
  set +e
  # Least squares on 2 ranks (real numerics, a few milliseconds) on the GPU.
  cat >cuda.json <<'JSON'
{"name": "cuda", "cluster": {"nodes": 2},
 "network": {"topology": "switch", "bandwidth": "10Gbps", "latency": "2us", "model": "exact"},
 "workload": {"model": "linear_regression", "batch_per_gpu": 8, "backend": "cuda",
              "dataset": {"name": "synthetic_least_squares", "dim": 4, "samples_per_rank": 8},
              "optimizer": {"name": "sgd", "lr": 0.05}},
 "run": {"iterations": 3}, "output": {"trace": false}}
JSON
  "$dtsim" run cuda.json --out cuda_out -q 2>cuda_err.txt
  rc=$?
  set -e
  if grep -q "was not found\|cannot load" cuda_err.txt; then cat cuda_err.txt; fail "installed dtsim did not load its CUDA module"; fi
  [ "$rc" -eq 0 ] || [ "$rc" -eq 2 ] || { cat cuda_err.txt; fail "backend cuda exit $rc"; }
  echo "installed CUDA module: loaded (run exit $rc: $(head -1 cuda_err.txt | cut -c1-160))"
fi
echo "PASS"
