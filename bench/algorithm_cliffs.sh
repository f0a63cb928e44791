#!/usr/bin/env bash
# Cost per rank per iteration of every training algorithm at scale, against the flat fast ring
# (issue "Scale: 65,536 GPUs in a minute, and no algorithm with a cliff"). Each row runs the quick
# start (ResNet-50 on V100, batch 64, 25 Gbps switch, 5 us, model exact, fidelity fast, trace and links.csv off)
# with the algorithm swapped in, and reports wall time and max RSS (/usr/bin/time -v), the simulated
# iteration, and the cost per rank per iteration: CPU time (user + system) / (ranks x iterations) in
# microseconds. CPU time, not wall time, because the wall time of a shared machine says more about
# its other users than about dtsim (the program is single-threaded: on an idle machine they agree).
#
#   bench/algorithm_cliffs.sh DTSIM [RANKS...] [-- ROW...]
#   bench/algorithm_cliffs.sh build/dtsim 1024 4096               # every row at 1024 and 4096 ranks
#   bench/algorithm_cliffs.sh build/dtsim 4096 -- ring ps8        # two rows
# Environment: ITERATIONS (default 100), VALIDATE=1 to time `dtsim validate` instead of `run`.
set -euo pipefail
dtsim=$(realpath "$1"); shift
sizes=(); rows=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do sizes+=("$1"); shift; done
[ $# -gt 0 ] && shift
rows=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1024 4096)
[ ${#rows[@]} -gt 0 ] || rows=(ring hier8 ps1 ps8 async_ps dsgd_ring dsgd_exp local_sgd)
iterations=${ITERATIONS:-100}
root=$(cd "$(dirname "$0")/.." && pwd)
scenario="$root/scenarios/quickstart.json"
work=$(mktemp -d "${TMPDIR:-/tmp}/algorithm_cliffs.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The --set overrides of one row at `ranks` GPU ranks.
overrides() {
  local row=$1 ranks=$2
  local nodes=$ranks
  case $row in
    ring)      echo '/algorithm={"name":"allreduce","collective":"ring"}' ;;
    hier8)     nodes=$((ranks / 8))
               echo '/cluster/gpus_per_node=8'
               echo '/network/intra_node={"bandwidth":"300GBps","latency":"1us"}'
               echo '/algorithm={"name":"allreduce","collective":"hierarchical"}' ;;
    ps1)       echo '/algorithm={"name":"parameter_server","servers":1}' ;;
    ps8)       echo '/algorithm={"name":"parameter_server","servers":8}' ;;
    async_ps)  echo '/algorithm={"name":"async_parameter_server","servers":8}' ;;
    dsgd_ring) echo '/algorithm={"name":"dsgd","graph":{"name":"ring"}}' ;;
    dsgd_exp)  echo '/algorithm={"name":"dsgd","graph":{"name":"one_peer_exponential"}}' ;;
    local_sgd) echo "/algorithm={\"name\":\"local_sgd\",\"local_steps\":$(( iterations < 8 ? iterations : 8 ))}" ;;
    *) echo "unknown row $row" >&2; return 2 ;;
  esac
  echo "/cluster/nodes=$nodes"
  echo "/network/fidelity=fast"
  echo "/output/trace=false"
  echo "/output/links=false"
  echo "/run/iterations=$iterations"
  echo "/run/warmup_iterations=1"
}

printf '| row | ranks | iterations | simulated iteration s | wall s | CPU s | max RSS MiB | CPU us/rank/iter |\n'
printf '|---|---:|---:|---:|---:|---:|---:|---:|\n'
for ranks in "${sizes[@]}"; do
  for row in "${rows[@]}"; do
    args=()
    while IFS= read -r o; do args+=(--set "$o"); done < <(overrides "$row" "$ranks")
    out="$work/$row-$ranks"
    if [ "${VALIDATE:-0}" = 1 ]; then cmd=("$dtsim" validate "$scenario" "${args[@]}")
    else cmd=("$dtsim" run "$scenario" --out "$out" -q "${args[@]}"); fi
    if ! /usr/bin/time -v -o "$work/time" "${cmd[@]}" > "$work/log" 2>&1; then
      echo "| $row | $ranks | FAILED: $(tail -1 "$work/log") |"; continue
    fi
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0; for (i = 1; i <= n; ++i) s = s * 60 + t[i]; print s}' "$work/time")
    cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.2f", s}' "$work/time")
    rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$work/time")
    sim="-"
    [ -f "$out/summary.json" ] && sim=$(/usr/bin/python3 -c 'import json,sys; print("%.9g" % json.load(open(sys.argv[1]))["iteration_time_s"])' "$out/summary.json")
    per=$(awk -v w="$cpu" -v r="$ranks" -v i="$iterations" 'BEGIN {printf "%.1f", w * 1e6 / (r * i)}')
    printf '| %s | %d | %d | %s | %s | %s | %s | %s |\n' "$row" "$ranks" "$iterations" "$sim" "$wall" "$cpu" "$rss" "$per"
  done
done
