#!/usr/bin/env bash
# Example (local SGD / PR-SGD, Yu et al. 2019): 8 ranks train the Fashion-MNIST MLP
# (scenarios/fashion_mnist_mlp.json: iid shards, batch 32 per rank, momentum 0.9, lr 0.05) for a fixed
# number of epochs, charged as ResNet-50 (proxy: its compute time and 102 MB model on a 10 Gbps
# switch), with the models averaged every I local steps (Algorithm 1) for each I of INTERVALS, plus
# Algorithm 2 (growing epochs, I = 4) and allreduce PSGD. A second table puts one rank 2x slower and
# compares Algorithm 1 with Algorithm 3 (I_i by speed) at I = 8 for the same number of averages.
# Prints markdown tables; outputs under out/local_sgd/.
#   EPOCHS (default 4), SEEDS (default "3"), INTERVALS (default "1 2 4 8 16 32 64 128"),
#   HETEROGENEOUS (default 1: print the second table), DTSIM (binary, default ./build/dtsim).
set -euo pipefail
cd "$(dirname "$0")/.."
dtsim=${DTSIM:-./build/dtsim}
epochs=${EPOCHS:-4}
seeds=${SEEDS:-3}
intervals=${INTERVALS:-1 2 4 8 16 32 64 128}
base=scenarios/fashion_mnist_mlp.json
common=(--set /workload/proxy=resnet50 --set /run/target_accuracy=0.85 --set /run/stop_at_target=false)

# One table row from a summary.json: label columns, then accuracy, bytes, iteration, simulated time, time to 0.85.
row() {
  /usr/bin/python3 - "$@" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); n = s["numerics"]
tta = n["time_to_accuracy_s"]
print("| " + " | ".join(sys.argv[2:]) + f" | {n['final_test_accuracy']:.4f} | {n['epochs_processed']:.2f} | "
      f"{s['bytes_sent_per_rank_per_iteration'] / 1e6:.2f} MB | {s['iteration_time_s'] * 1e3:.1f} ms | "
      f"{s['sim_time_s']:.2f} s | {'%.2f s' % tta if tta is not None else 'not reached'} |")
PY
}

printf "| algorithm | I | seed | test accuracy | epochs | bytes / rank / iteration | iteration | simulated time | time to 0.85 |\n"
printf "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
for seed in $seeds; do
  runs="allreduce:1 growing:4"
  for i in $intervals; do runs="$runs constant:$i"; done
  for run in $runs; do
    kind=${run%%:*}; interval=${run#*:}
    algorithm="{\"name\":\"local_sgd\",\"local_steps\":$interval,\"local_schedule\":\"$kind\"}"
    label="local_sgd ($kind)"
    [ "$kind" = allreduce ] && algorithm="{\"name\":\"allreduce\"}" && label=allreduce
    out=out/local_sgd/$kind-$interval-seed$seed
    "$dtsim" run "$base" --out "$out" --set "/algorithm=$algorithm" --set /seed=$seed --set /run/epochs=$epochs \
      "${common[@]}" >/dev/null
    row "$out/summary.json" "$label" "$interval" "$seed"
  done
done

[ "${HETEROGENEOUS:-1}" = 1 ] || exit 0
# Rank 7 computes 2x slower. Algorithm 1 (I = 8) waits for it at every step; Algorithm 3 gives it
# I_7 = 4 steps per round and the others 8. Same number of averages R for both (the rounds of
# Algorithm 3 are its iterations; Algorithm 1 runs 8 R iterations).
per_iteration=$((8 * 32))
averages=$(( (epochs * 60000 + per_iteration - 1) / per_iteration / 8 ))
slow='{"rank_factors":[{"ranks":[7],"factor":2}]}'
printf "\nRank 7 2x slower, I = 8, %s averages:\n\n" "$averages"
printf "| schedule | seed | test accuracy | epochs | bytes / rank / iteration | iteration | simulated time | time to 0.85 |\n"
printf "|---|---:|---:|---:|---:|---:|---:|---:|\n"
for seed in $seeds; do
  for kind in constant by_speed; do
    iterations=$averages; every=12  # evaluate every 12 averages in both
    [ "$kind" = constant ] && iterations=$((8 * averages)) && every=96
    out=out/local_sgd/slow-$kind-seed$seed
    "$dtsim" run "$base" --out "$out" --set "/algorithm={\"name\":\"local_sgd\",\"local_steps\":8,\"local_schedule\":\"$kind\"}" \
      --set /seed=$seed --set "/run={\"iterations\":$iterations,\"eval_every\":$every}" --set "/stragglers=$slow" \
      "${common[@]}" >/dev/null
    row "$out/summary.json" "$kind" "$seed"
  done
done
