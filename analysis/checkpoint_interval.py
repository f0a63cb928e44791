#!/usr/bin/python3
"""Goodput against checkpoint interval and scale (scenarios/studies/checkpoint_interval.json).

  checkpoint_interval.py RESULTS [-o checkpoint_interval.png]

RESULTS is the study's results.csv (or its directory). Prints, per scale, the useful fraction of the
simulated time (1 - failures.waste_fraction) at each interval, the best interval measured, and
Young/Daly's optimum sqrt(2 delta M) (Young, CACM 1974; Daly, FGCS 2006) from the run's own checkpoint
time delta and job MTBF M. With -o (needs python3-matplotlib) it also draws the curves, the optimum
marked on each.
"""
import argparse
import csv
import math
import os
import sys


def load(path):
    if os.path.isdir(path):
        path = os.path.join(path, "results.csv")
    with open(path, newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["status"] == "ok"]
    if not rows:
        sys.exit(f"checkpoint_interval.py: no completed points in {path}")
    return rows


def curves(rows):
    """{gpus: [(interval_s, useful_fraction, goodput_it_per_s)]}, {gpus: young_daly_s}, {gpus: mtbf_s}."""
    out, young, mtbf = {}, {}, {}
    for r in rows:
        gpus = int(r["gpus"])
        iteration_s = float(r["compute_time_s"])
        interval_s = int(r["interval_iterations"]) * iteration_s
        useful = 1 - float(r["failures.waste_fraction"])
        out.setdefault(gpus, []).append((interval_s, useful, float(r["failures.goodput_iterations_per_s"])))
        young[gpus] = float(r["failures.young_daly_interval_s"])
        mtbf[gpus] = float(r["failures.job_mtbf_s"])
    for points in out.values():
        points.sort()
    return out, young, mtbf


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results")
    parser.add_argument("-o", "--output", help="PNG to draw (needs matplotlib)")
    a = parser.parse_args(argv)
    data, young, mtbf = curves(load(a.results))
    for gpus in sorted(data):
        points = data[gpus]
        best = max(points, key=lambda p: p[1])
        print(f"{gpus} GPUs (job MTBF {mtbf[gpus] / 3600:.2f} h): Young/Daly "
              f"{young[gpus]:.0f} s, best measured {best[0]:.0f} s")
        for interval, useful, goodput in points:
            print(f"  interval {interval:7.0f} s: useful {100 * useful:5.1f} %, goodput {goodput:.4f} iterations/s")
    if a.output:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6, 4))
        for gpus in sorted(data):
            xs = [p[0] for p in data[gpus]]
            line, = ax.plot(xs, [100 * p[1] for p in data[gpus]], "o-", label=f"{gpus} GPUs")
            ax.axvline(young[gpus], color=line.get_color(), linestyle="--", linewidth=1)
        ax.set_xscale("log")
        ax.set_xlabel("checkpoint interval (s of work); dashed: Young/Daly sqrt(2 delta M)")
        ax.set_ylabel("useful time (% of simulated time)")
        ax.grid(True, alpha=0.3)
        ax.legend(frameon=False)
        fig.tight_layout()
        fig.savefig(a.output, dpi=150)
        print(f"wrote {a.output}")


if __name__ == "__main__":
    main()
