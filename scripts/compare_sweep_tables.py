#!/usr/bin/env python3
"""Compares two sweep results.csv tables point by point (rows matched by point_id), every column but the
wall-clock ones and each point's output directory, which differ between runs by nature.

    compare_sweep_tables.py A.csv B.csv     exit 0 when equal, 1 (with the first differences) when not
"""
import csv
import sys

IGNORED = {"wall_time_s", "point_wall_s", "dir"}


def load(path):
    with open(path, newline="") as f:
        return {row["point_id"]: {k: v for k, v in row.items() if k not in IGNORED} for row in csv.DictReader(f)}


def main(a_path, b_path):
    a, b = load(a_path), load(b_path)
    if set(a) != set(b):
        print(f"point ids differ: only in {a_path}: {sorted(set(a) - set(b))}; "
              f"only in {b_path}: {sorted(set(b) - set(a))}", file=sys.stderr)
        return 1
    differences = [(p, k, a[p].get(k), v) for p in b for k, v in b[p].items() if a[p].get(k) != v]
    for point, column, va, vb in differences[:10]:
        print(f"point {point} column {column}: {va!r} in {a_path}, {vb!r} in {b_path}", file=sys.stderr)
    if differences:
        return 1
    columns = len(next(iter(b.values()))) if b else 0
    print(f"tables equal: {len(b)} points, {columns} columns compared")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
