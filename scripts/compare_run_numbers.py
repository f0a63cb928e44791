#!/usr/bin/env python3
"""Compares the numbers of two runs' outputs cell by cell, to show that a change of number formatting
changed no value beyond a tolerance.

    compare_run_numbers.py OLD_DIR NEW_DIR [--rel 1e-15] [--abs 1e-18] [--csv-rel 5e-12]

OLD_DIR and NEW_DIR hold run directories of the same names (each with iterations.csv and
summary.json). Every numeric cell of iterations.csv and every number in summary.json must agree:
|a - b| <= rel * max(|a|, |b|) + abs. An older iterations.csv written with 12 significant digits
(%.12g; %.9g for losses and accuracies) is compared with --csv-rel (5e-9: half a unit of the 9th
digit). Host times (wall_time_s, numerics_wall_time_s) and output.dir are skipped; keys present on one side only are listed, not failed.
"""
import argparse
import csv
import json
import math
import pathlib
import sys

HOST_TIMES = {"wall_time_s", "numerics_wall_time_s", "dir"}  # and the output directory, which differs by design


def close(a, b, rel, abs_):
    return abs(a - b) <= rel * max(abs(a), abs(b)) + abs_


def number(text):
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def compare_csv(old, new, rel, abs_, problems, stats):
    with open(old) as f:
        a = list(csv.reader(f))
    with open(new) as f:
        b = list(csv.reader(f))
    if a[0] != b[0]:
        problems.append(f"{new}: header differs")
        return
    if len(a) != len(b):
        problems.append(f"{new}: {len(a)} rows before, {len(b)} now")
        return
    for r, (ra, rb) in enumerate(zip(a[1:], b[1:]), start=1):
        for c, (x, y) in enumerate(zip(ra, rb)):
            nx, ny = number(x), number(y)
            if nx is None or ny is None:
                if x != y:
                    problems.append(f"{new}: row {r} {a[0][c]}: {x!r} became {y!r}")
                continue
            stats["cells"] += 1
            stats["changed_text"] += x != y
            if not close(nx, ny, rel, abs_):
                problems.append(f"{new}: row {r} {a[0][c]}: {x} became {y}")


def compare_json(a, b, where, rel, abs_, problems, stats, only):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k in HOST_TIMES:
                continue
            if k not in a or k not in b:
                only.append(f"{where}/{k} ({'new' if k in b else 'old'} only)")
                continue
            compare_json(a[k], b[k], f"{where}/{k}", rel, abs_, problems, stats, only)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            compare_json(x, y, f"{where}/{i}", rel, abs_, problems, stats, only)
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        stats["numbers"] += 1
        if not close(float(a), float(b), rel, abs_):
            problems.append(f"{where}: {a!r} became {b!r}")
    elif a != b:
        problems.append(f"{where}: {a!r} became {b!r}")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("old", type=pathlib.Path)
    p.add_argument("new", type=pathlib.Path)
    p.add_argument("--rel", type=float, default=1e-15)
    p.add_argument("--abs", type=float, default=1e-18)
    p.add_argument("--csv-rel", type=float, default=None, help="tolerance for iterations.csv (default: --rel)")
    args = p.parse_args()
    failures = 0
    for old_run in sorted(d for d in args.old.iterdir() if d.is_dir()):
        new_run = args.new / old_run.name
        problems, only = [], []
        stats = {"cells": 0, "changed_text": 0, "numbers": 0}
        if (old_run / "iterations.csv").is_file():
            compare_csv(old_run / "iterations.csv", new_run / "iterations.csv",
                        args.csv_rel if args.csv_rel is not None else args.rel, args.abs, problems, stats)
        if (old_run / "summary.json").is_file():
            compare_json(json.loads((old_run / "summary.json").read_text()),
                         json.loads((new_run / "summary.json").read_text()), "", args.rel, args.abs, problems,
                         stats, only)
        for line in problems:
            print(f"FAIL {old_run.name}: {line}")
        print(f"{'FAIL' if problems else 'ok  '} {old_run.name}: {stats['cells']} CSV cells "
              f"({stats['changed_text']} written differently), {stats['numbers']} summary numbers"
              + (f"; keys on one side only: {', '.join(only)}" if only else ""))
        failures += bool(problems)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
