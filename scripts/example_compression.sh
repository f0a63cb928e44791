#!/usr/bin/env bash
# Example (gradient compression): 8 ranks train the Fashion-MNIST MLP
# (scenarios/fashion_mnist_mlp.json: 784-256-128-10, 235,146 parameters, batch 32 per rank, momentum 0.9,
# lr 0.05, 10 Gbps switch) for EPOCHS epochs with allreduce PSGD under each compression scheme, and
# prints one markdown row per scheme: test accuracy, bytes each rank sends per iteration and the factor
# against uncompressed, iteration time, simulated time and time to 0.87 test accuracy.
# Outputs under out/compression/.  EPOCHS (default 8), SEED (default 3), DTSIM (default ./build/dtsim),
# ONLY (an extended regex: run only the schemes whose label matches; the uncompressed run always runs).
set -euo pipefail
cd "$(dirname "$0")/.."
dtsim=${DTSIM:-./build/dtsim}
epochs=${EPOCHS:-8}
seed=${SEED:-3}
base=scenarios/fashion_mnist_mlp.json
schemes=(
  'none|{"kind":"none"}'
  'top-1%, EF|{"kind":"topk","ratio":0.01}'
  'top-1%, EF + momentum correction|{"kind":"topk","ratio":0.01,"momentum_correction":true}'
  'top-1%, no EF|{"kind":"topk","ratio":0.01,"error_feedback":false}'
  'top-0.1%, EF + momentum correction|{"kind":"topk","ratio":0.001,"momentum_correction":true}'
  'random-1%, EF + momentum correction|{"kind":"randomk","ratio":0.01,"error_feedback":true,"momentum_correction":true}'
  'random-10%, EF + momentum correction|{"kind":"randomk","ratio":0.1,"error_feedback":true,"momentum_correction":true}'
  'QSGD s = 16|{"kind":"qsgd","levels":16}'
  'QSGD s = 16, buckets of 512|{"kind":"qsgd","levels":16,"bucket":512}'
  'QSGD s = 1|{"kind":"qsgd","levels":1}'
  'QSGD s = 1, buckets of 512, momentum correction|{"kind":"qsgd","levels":1,"bucket":512,"momentum_correction":true}'
  'sign, EF|{"kind":"sign"}'
  'sign, EF + momentum correction|{"kind":"sign","momentum_correction":true}'
)
printf "| compression | test accuracy | bytes / rank / iteration | factor | iteration | simulated time | time to 0.87 |\n"
printf "|---|---:|---:|---:|---:|---:|---:|\n"
dense_bytes=""
for entry in "${schemes[@]}"; do
  label=${entry%%|*}; compression=${entry#*|}
  if [ -n "${ONLY:-}" ] && [ "$label" != none ] && ! [[ "$label" =~ $ONLY ]]; then continue; fi
  out=out/compression/$(echo "$label" | tr -c 'a-zA-Z0-9\n' '_')
  "$dtsim" run "$base" --out "$out" --set "/algorithm/compression=$compression" --set /seed=$seed \
    --set /run/epochs=$epochs --set /run/stop_at_target=false >/dev/null
  [ -z "$dense_bytes" ] && dense_bytes=$(/usr/bin/python3 -c "import json; print(json.load(open('$out/summary.json'))['bytes_sent_per_rank_per_iteration'])")
  /usr/bin/python3 - "$out/summary.json" "$label" "$dense_bytes" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); n = s["numerics"]; sent = s["bytes_sent_per_rank_per_iteration"]
tta = n["time_to_accuracy_s"]
print(f"| {sys.argv[2]} | {n['final_test_accuracy']:.4f} | {sent / 1e3:.1f} kB | {float(sys.argv[3]) / sent:.1f} | "
      f"{s['iteration_time_s'] * 1e3:.3f} ms | {s['sim_time_s']:.2f} s | {'%.2f s' % tta if tta is not None else 'not reached'} |")
PY
done
