#!/usr/bin/python3
"""An nccl-tests log reader written from nccl-tests' own documentation, independent of dtsim's C++ one,
and the test that `dtsim collective` output reads with it exactly as real all_reduce_perf logs do.

The layout (NVIDIA nccl-tests, README.md and doc/PERFORMANCE.md; src/util.cu prints it):
  '#' lines: settings ("# nThread 1 nGpus 8 minBytes 64 maxBytes ... step: 2(factor) ..."), one per rank
  ("#  Rank  0 Group  0 Pid 944 on HOST device  0 [0x0f] NAME"; older versions without Group), then a
  header naming the columns: size count type redop [root] then time algbw busbw #wrong (older: error)
  for out-of-place and again for in-place; one row per size (time in us, bandwidths in GB/s; #wrong a
  count, or N/A without validation); then "# Out of bounds values : N OK" and "# Avg bus bandwidth : X",
  the mean busbw over every out-of-place and in-place row. busbw = algbw x 2(n-1)/n for all_reduce,
  (n-1)/n for all_gather / reduce_scatter, 1 for broadcast / reduce / sendrecv; algbw = size / time.

Usage: nccl_tests_parser.py LOG...            print each table as JSON
       nccl_tests_parser.py --test DTSIM LOGDIR  the CTest check (exit 1 on a failed check)
"""
import json
import os
import re
import subprocess
import sys
import tempfile

BUS_FACTOR = {
    "all_reduce": lambda n: 2.0 * (n - 1) / n,
    "all_gather": lambda n: (n - 1) / n,
    "reduce_scatter": lambda n: (n - 1) / n,
}


def parse(text):
    """Tables of a log: [{collective, ranks, hosts, columns, rows: [{column: value}], avg_busbw}]."""
    tables, ranks, collective, columns = [], {}, None, None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#"):
            body = line.lstrip("#").strip()
            m = re.match(r"Collective test starting:\s*(\S+?)(_perf)?$", body)
            if m:
                collective = m.group(1)
                continue
            m = re.match(r"Rank\s+(\d+)\b.*\bon\s+(\S+)\s+device\s+(\d+)", body)
            if m:
                ranks[int(m.group(1))] = m.group(2)
                continue
            words = body.split()
            if words[:3] == ["size", "count", "type"]:
                columns = words
                tables.append({"collective": collective, "ranks": len(ranks), "hosts": len(set(ranks.values())),
                               "columns": columns, "rows": [], "avg_busbw": None, "out_of_bounds": None})
                continue
            m = re.match(r"Avg bus bandwidth\s*:\s*(\S+)", body)
            if m and tables:
                tables[-1]["avg_busbw"] = float(m.group(1))
            m = re.match(r"Out of bounds values\s*:\s*(\d+)\s*(\S*)", body)
            if m and tables:
                tables[-1]["out_of_bounds"] = int(m.group(1))
            continue
        words = line.split()
        if not words or not words[0].isdigit():
            continue  # NCCL INFO lines, mpirun output
        if columns is None or len(words) != len(columns):
            raise ValueError(f"row {line!r}: {len(words)} fields for the header's {columns}")
        row, seen = {}, set()
        for name, value in zip(columns, words):
            key = name if name not in seen else "in_place_" + name  # the second time/algbw/busbw/#wrong
            seen.add(name)
            if key in ("type", "redop"):
                row[key] = value
            elif key in ("#wrong", "in_place_#wrong", "error", "in_place_error"):
                row[key.replace("error", "#wrong")] = None if value == "N/A" else float(value)
            else:
                row[key] = float(value)
        tables[-1]["rows"].append(row)
    return tables


def check(table, source, ranks=None):
    """The documented relations between the columns; a list of problems ("" when none)."""
    problems = []
    n = ranks or table["ranks"]
    busbw_values = []
    for r in table["rows"]:
        for prefix in ("", "in_place_"):
            t, algbw, busbw = r[prefix + "time"], r[prefix + "algbw"], r[prefix + "busbw"]
            busbw_values.append(busbw)
            # printed to 2 decimals (time to fewer when it is large): 0.006 GB/s plus 1% for the time's rounding
            expected = r["size"] / t / 1e3
            if abs(algbw - expected) > 0.006 + 0.01 * expected:
                problems.append(f"{source}: size {r['size']:g}: algbw {algbw} != size/time {expected:.4f}")
            factor = BUS_FACTOR.get(table["collective"], lambda n: 1.0)(n) if n else None
            if factor is not None and abs(busbw - algbw * factor) > 0.006 + 0.006 * factor + 0.01 * busbw:
                problems.append(f"{source}: size {r['size']:g}: busbw {busbw} != algbw x {factor:.4f}")
    if table["avg_busbw"] is not None and busbw_values:
        mean = sum(busbw_values) / len(busbw_values)
        if abs(table["avg_busbw"] - mean) > 0.01 + 0.002 * mean:
            problems.append(f"{source}: Avg bus bandwidth {table['avg_busbw']} != mean busbw {mean:.4f}")
    return problems


def run_test(dtsim, log_dir):
    problems, summary = [], []
      # Real logs: every committed one reads; busbw follows from algbw for the ranks of its rank lines (or,
    # pasted without them, one rank count for every row), and "Avg bus bandwidth" is the mean of its busbw.
    for name in sorted(os.listdir(log_dir)):
        if not name.endswith(".log"):
            continue
        with open(os.path.join(log_dir, name)) as f:
            tables = parse(f.read())
        if len(tables) != 1 or not tables[0]["rows"] or tables[0]["collective"] not in (None, "all_reduce"):
            problems.append(f"{name}: expected one all_reduce table with rows, got {len(tables)} tables")
            continue
        t = tables[0]
        t["collective"] = "all_reduce"  # every committed log is all_reduce_perf (file names say so)
        ranks = t["ranks"]
        if not ranks:  # pasted without rank lines: the ranks busbw = algbw x 2(n-1)/n implies at the largest size
            last = t["rows"][-1]
            ranks = round(2 / (2 - last["busbw"] / last["algbw"]))
        problems += check(t, name, ranks)
        summary.append(f"{name}: {len(t['rows'])} rows, {ranks} ranks{'' if t['ranks'] else ' (implied by busbw)'}, "
                       f"avg busbw {t['avg_busbw']}")
    # dtsim's output: the same reader, plus what dtsim states about its own columns.
    out_dir = tempfile.mkdtemp(prefix="nccl-parser-")
    for nodes, gpus in ((4, 1), (3, 2)):
        args = [dtsim, "collective", "--nodes", str(nodes), "--gpus-per-node", str(gpus), "-b", "8", "-e", "4M",
                "-f", "8", "--check-max", "64K", "--algorithms", "ring", "--ops", "all"]
        done = subprocess.run(args, capture_output=True, text=True, env=dict(os.environ, TMPDIR=out_dir))
        source = f"dtsim collective {nodes}x{gpus}"
        if done.returncode != 0:
            problems.append(f"{source}: exit {done.returncode}: {done.stderr}")
            continue
        tables = parse(done.stdout)
        p = nodes * gpus
        names = [t["collective"] for t in tables]
        if names != ["all_reduce", "reduce_scatter", "all_gather", "broadcast", "reduce", "neighbor_exchange"]:
            problems.append(f"{source}: tables {names}")
        for t in tables:
            where = f"{source} {t['collective']}"
            problems += check(t, where)
            if t["ranks"] != p or t["hosts"] != nodes:
                problems.append(f"{where}: {t['ranks']} ranks on {t['hosts']} hosts listed, expected {p} on {nodes}")
            sizes = [r["size"] for r in t["rows"]]
            if sizes != [8 * 8 ** k for k in range(7)]:  # -b 8 -e 4M -f 8: 8 B .. 2 MiB
                problems.append(f"{where}: sizes {sizes}")
            if t["out_of_bounds"] != 0:
                problems.append(f"{where}: Out of bounds values {t['out_of_bounds']}")
            for r in t["rows"]:
                sharded = t["collective"] in ("all_gather", "reduce_scatter")
                if r["count"] != r["size"] // 4 // (p if sharded else 1):
                    problems.append(f"{where}: size {r['size']:g}: count {r['count']:g}")
                if r["time"] != r["in_place_time"] or not r["time"] > 0:
                    problems.append(f"{where}: size {r['size']:g}: times {r['time']} / {r['in_place_time']}")
                wrong = r["#wrong"]
                if (wrong is None) != (r["size"] > 65536 or r["size"] < 4) or wrong not in (None, 0):
                    problems.append(f"{where}: size {r['size']:g}: #wrong {wrong}")
        summary.append(f"{source}: {len(tables)} tables, avg busbw {[t['avg_busbw'] for t in tables]}")
    print("\n".join(summary))
    for p in problems:
        print("FAIL " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--test":
        sys.exit(run_test(sys.argv[2], sys.argv[3]))
    if len(sys.argv) < 2 or sys.argv[1].startswith("-"):
        sys.exit(__doc__)
    for path in sys.argv[1:]:
        with open(path) as f:
            print(json.dumps(parse(f.read()), indent=1))
