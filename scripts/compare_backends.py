#!/usr/bin/env python3
"""Compare a training run on the CPU backend with the same run on the CUDA backend.

Usage: compare_backends.py CPU_OUT CUDA_OUT [CUDA_AGAIN_OUT]

The clock is simulated, so every timing column of iterations.csv must be identical between the
backends; only the numerics (losses, accuracies, consensus distance) may differ, by float rounding
that training then amplifies. Tolerances, stated here and printed with the measured values:
  - first iteration's training loss: relative difference <= 1e-4 (same parameters, same batch: only
    the order of float sums differs; the GPU test case holds gradients to 1e-4 too);
  - final test accuracy: absolute difference <= 0.01 (1 % of the test set);
  - mean training loss over the last 10 % of iterations: relative difference <= 2 %.
A third directory, a second CUDA run of the same scenario, must give a byte-identical iterations.csv
(same scenario + same seed = same results, on the GPU too). Exit status 1 when a check fails.
"""
import csv
import json
import os
import sys

NUMERIC_RESULTS = {"train_loss", "test_loss", "test_accuracy", "consensus_distance", "rank_accuracy_min",
                   "rank_accuracy_max"}


def rows(out_dir):
    with open(os.path.join(out_dir, "iterations.csv"), newline="") as f:
        return list(csv.DictReader(f))


def numerics(out_dir):
    with open(os.path.join(out_dir, "summary.json")) as f:
        return json.load(f)["numerics"]


def main(argv):
    if len(argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    cpu_dir, gpu_dir = argv[1], argv[2]
    cpu, gpu = rows(cpu_dir), rows(gpu_dir)
    failures = []

    def check(name, ok, detail):
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}")
        if not ok:
            failures.append(name)

    check("backends", numerics(cpu_dir)["backend"] == "cpu" and numerics(gpu_dir)["backend"] == "cuda",
          f"{numerics(cpu_dir)['backend']} against {numerics(gpu_dir)['backend']}")
    check("iteration count", len(cpu) == len(gpu), f"{len(cpu)} and {len(gpu)}")
    timing = [c for c in cpu[0] if c not in NUMERIC_RESULTS]
    differing = sorted({c for a, b in zip(cpu, gpu) for c in timing if a[c] != b[c]})
    check("simulated clock identical", not differing, f"{len(timing)} timing columns, differing: {differing or 'none'}")

    first = abs(float(gpu[0]["train_loss"]) - float(cpu[0]["train_loss"])) / abs(float(cpu[0]["train_loss"]))
    check("first loss", first <= 1e-4, f"relative difference {first:.2e} (<= 1e-4)")
    worst = max(abs(float(a["train_loss"]) - float(b["train_loss"])) / abs(float(a["train_loss"])) for a, b in zip(cpu, gpu))
    print(f"     largest per-iteration training-loss difference: {worst:.2e} relative")

    tail = max(1, len(cpu) // 10)
    mean = lambda rs: sum(float(r["train_loss"]) for r in rs[-tail:]) / tail
    late = abs(mean(gpu) - mean(cpu)) / mean(cpu)
    check("late training loss", late <= 0.02,
          f"mean of the last {tail} iterations {mean(cpu):.5f} (cpu) against {mean(gpu):.5f} (cuda), {late:.2e} relative (<= 2e-2)")
    acc_cpu, acc_gpu = numerics(cpu_dir)["final_test_accuracy"], numerics(gpu_dir)["final_test_accuracy"]
    check("final test accuracy", abs(acc_cpu - acc_gpu) <= 0.01, f"{acc_cpu:.4f} (cpu) against {acc_gpu:.4f} (cuda) (<= 0.01)")
    print(f"     numerics wall time: {numerics(cpu_dir)['numerics_wall_time_s']:.2f} s (cpu), "
          f"{numerics(gpu_dir)['numerics_wall_time_s']:.2f} s (cuda)")

    if len(argv) == 4:
        with open(os.path.join(gpu_dir, "iterations.csv"), "rb") as a, open(os.path.join(argv[3], "iterations.csv"), "rb") as b:
            same = a.read() == b.read()
        check("CUDA run repeated", same, "iterations.csv byte-identical" if same else "iterations.csv differs")
    print(f"{len(failures)} check(s) failed" if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
