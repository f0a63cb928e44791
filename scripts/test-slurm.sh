#!/usr/bin/env bash
# A sweep run as a Slurm job array on real Slurm daemons, checked against the same sweep run locally.
#
#   scripts/test-slurm.sh [DTSIM]        (default build/dtsim; .ci/run calls it after the test suite)
#
# Installs Debian's slurm-wlm and munge if missing, then starts munged, slurmctld and slurmd on this
# machine with a one-node configuration written into a private temporary directory (own key, socket,
# ports, spool and state: nothing under /etc is used or changed), submits
# scripts/sbatch_sweep.sh as an array of 4 shards, waits for it, merges the shards with
# `dtsim sweep --merge` and compares the merged results.csv with a local run of the same sweep, every
# column but the wall-clock ones. The daemons are stopped and the directory removed whatever happens.
# Exit 0 on success; non-zero with a message naming the step that failed.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
dtsim=$(realpath "${1:-build/dtsim}")
sweep=scenarios/studies/comm_to_compute.json
shards=4

scripts/install-deps.sh slurm-wlm munge >/dev/null
for tool in munged slurmctld slurmd sbatch scontrol; do
  command -v "$tool" >/dev/null || { echo "test-slurm: $tool not found after installing slurm-wlm and munge" >&2; exit 1; }
done

work=$(mktemp -d /tmp/dtsim-slurm.XXXXXX)
chmod 700 "$work"
daemon_pids=()
cleanup() {
  local pid
  for pid in "${daemon_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${daemon_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "${KEEP_SLURM_DIR:-0}" = 1 ]; then echo "test-slurm: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
fail() {
  echo "test-slurm: FAILED: $*" >&2
  for log in "$work"/*.log "$work"/slurm-*.out; do
    [ -f "$log" ] && { echo "--- $log (last 20 lines)" >&2; tail -n 20 "$log" >&2; }
  done
  exit 1
}

# munge: its own key and socket, so a site's munge (if any) is left alone.
mkdir -m 711 "$work/munge"
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge/munge.key"
socket="$work/munge/socket"
munged --foreground --force --key-file="$work/munge/munge.key" --socket="$socket" \
  --pid-file="$work/munge/munged.pid" --log-file="$work/munged.log" --seed-file="$work/munge/seed" >"$work/munged.stdout.log" 2>&1 &
daemon_pids+=($!)
for _ in $(seq 50); do [ -S "$socket" ] && break; sleep 0.1; done
[ -S "$socket" ] || fail "munged did not create its socket"

# One node (this machine) with every CPU, in one partition. Ports are picked at random in a high range
# so that two runs on one machine (or a site's Slurm) do not collide.
node=$(hostname -s)
cpus=$(nproc)
memory_mb=$(awk '/MemTotal/ {print int($2 / 1024 * 0.8)}' /proc/meminfo)
port=$((20000 + RANDOM % 20000))
mkdir -p "$work/state" "$work/spool"
cat >"$work/slurm.conf" <<EOF
ClusterName=dtsimtest
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=$(id -un)
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory_mb State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$work/slurm.conf"
slurmctld -D -i -f "$SLURM_CONF" >"$work/slurmctld.stdout.log" 2>&1 &
daemon_pids+=($!)
slurmd -D -f "$SLURM_CONF" -N "$node" >"$work/slurmd.stdout.log" 2>&1 &
daemon_pids+=($!)
ready=0
for _ in $(seq 100); do
  if sinfo -h -N -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then ready=1; break; fi
  sleep 0.2
done
[ "$ready" = 1 ] || fail "node $node did not become idle in 20 s (sinfo: $(sinfo -h -N -o '%T' 2>&1))"

# The sweep as a job array. The command line overrides the template's #SBATCH resources, which are
# sized for a real cluster node; --wait returns when every array task has ended.
echo "test-slurm: submitting $sweep as an array of $shards shards to slurmctld on port $port"
if ! timeout 600 sbatch --wait --array=1-$shards --cpus-per-task=1 --mem=512M --time=00:10:00 \
    --chdir="$repo" --output="$work/slurm-%A_%a.out" --export="ALL,SHARDS=$shards,DTSIM=$dtsim" \
    scripts/sbatch_sweep.sh "$sweep" "$work/array" >"$work/sbatch.log" 2>&1; then
  fail "the job array did not complete successfully ($(cat "$work/sbatch.log"))"
fi
tasks=$(ls -d "$work"/array/shard-*-of-$shards 2>/dev/null | wc -l)
[ "$tasks" = "$shards" ] || fail "expected $shards shard directories, found $tasks"
logs=$(ls "$work"/slurm-*_*.out 2>/dev/null | wc -l)
[ "$logs" = "$shards" ] || fail "expected $shards array-task logs from Slurm, found $logs"

"$dtsim" sweep --merge "$work/merged" "$work"/array/shard-*-of-$shards >/dev/null || fail "dtsim sweep --merge"
"$dtsim" sweep "$sweep" --out "$work/local" -j "$cpus" --progress none >/dev/null || fail "the local sweep"

/usr/bin/python3 scripts/compare_sweep_tables.py "$work/merged/results.csv" "$work/local/results.csv" ||
  fail "the merged table differs from the local run"
echo "test-slurm: passed"
