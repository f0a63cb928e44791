#!/usr/bin/env bash
# Example: allreduce PSGD vs D-SGD over a ring vs D-SGD over the one-peer exponential graph,
# 16 ranks, non-iid Fashion-MNIST (Dirichlet 0.5), softmax regression charged as ResNet-50 (proxy),
# at 10 and 100 Gbps. Prints one table row per run; outputs under out/decentralized/.
set -euo pipefail
cd "$(dirname "$0")/.."
dtsim=${DTSIM:-./build/dtsim}
base=scenarios/decentralized_fashion_mnist.json
printf "| algorithm | bandwidth | iteration | accuracy after 3 epochs | time to 0.75 | consensus distance |\n|---|---|---:|---:|---:|---:|\n"
for bw in 10Gbps 100Gbps; do
  for algo in allreduce dsgd:ring dsgd:one_peer_exponential; do
    name=${algo%%:*}; graph=${algo#*:}
    algorithm="{\"name\":\"$name\"}"
    [ "$name" = dsgd ] && algorithm="{\"name\":\"dsgd\",\"graph\":{\"name\":\"$graph\"}}"
    sets=(--set "/algorithm=$algorithm" --set /network/bandwidth=$bw --set /run/epochs=3 --set /run/target_accuracy=0.75 --set /run/stop_at_target=false)
    out=out/decentralized/$name-$graph-$bw
    "$dtsim" run "$base" --out "$out" "${sets[@]}" >/dev/null
    /usr/bin/python3 - "$out/summary.json" "$algo" "$bw" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); n = s["numerics"]
tta = n["time_to_accuracy_s"]
cd = n.get("final_consensus_distance")
print(f"| {sys.argv[2].replace('allreduce:allreduce','allreduce')} | {sys.argv[3]} | {s['iteration_time_s']*1e3:.1f} ms | "
      f"{n['final_test_accuracy']:.4f} | {'%.2f s' % tta if tta is not None else 'not reached'} | "
      f"{'%.3g' % cd if cd is not None else '-'} |")
PY
  done
done
