#!/usr/bin/env python3
"""Regenerate (or check) the figures in the docs that are dtsim results.

A figure block in a markdown file sits between two HTML comments:

    <!-- figures: NAME (python3 scripts/doc_figures.py --update NAME) -->
    ...text this script writes...
    <!-- end figures -->

docs/figures.json defines every block once:

    "NAME": {"doc": "docs/X.md", "slow": false,             # slow: skipped by --quick (the CTest test)
             "defaults": {"scenario": "scenarios/Y.json", "set": {"/json/pointer": value, ...}},
             "runs": {"ID": {"label": "...", "scenario": ..., "set": {...}}, ...},  # merged over defaults
             "lines": ["| literal or {expression:format} |", {"each": ["ID", ...], "line": "..."}]}

Each run is `dtsim run SCENARIO --set POINTER=JSON ... -q` in a temporary directory. In a line's
{expression:format} fields, r["ID"] is a run's summary.json (attribute access: r['ID'].iteration_time_s),
csv["ID"] its iterations.csv rows; an "each" line is written once per run, with s, rows and label
bound to that run. Helpers: ms(seconds, digits), seconds_or(value, digits) ("not reached" for null),
fmt(value, spec) ("-" for null), cells(values, spec, "max"|"min") (table cells, the best in bold).
So no number in a block is typed by hand. Runs are deterministic (same scenario + seed + build = same
bits): --check compares the text exactly. Long real-numerics runs may differ between compilers or
optimisation flags (vectorisation and float contraction can change the rounding), so check the slow
blocks with the build that wrote them.

    scripts/doc_figures.py --list
    scripts/doc_figures.py --update [NAME ...]      # rewrite the blocks in place
    scripts/doc_figures.py --check [--quick] [NAME ...]   # exit 1 with a diff when a block is stale
"""
import argparse
import csv
import difflib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

from atomic_write import write_text_atomically

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFINITIONS = os.path.join(ROOT, "docs", "figures.json")
BEGIN = re.compile(r"^<!-- figures: ([a-z0-9-]+) \(.*\) -->$")
END = "<!-- end figures -->"
FIELD = re.compile(r"\{([^{}]+)\}")


class Summary(dict):
    """summary.json with attribute access (s.numerics.final_test_accuracy) for the templates."""

    def __getattr__(self, key):
        if key not in self:
            raise KeyError(f"summary.json has no key {key!r}")
        return wrap(self[key])


def wrap(value):
    return Summary(value) if isinstance(value, dict) else value


# Helpers a template may call.
def ms(seconds, digits=1):
    return f"{seconds * 1e3:.{digits}f} ms"


def seconds_or(value, digits=2, missing="not reached"):
    return missing if value is None else f"{value:.{digits}f} s"


def fmt(value, spec, missing="-"):
    return missing if value is None else format(value, spec)


def cells(values, spec, bold="none"):
    """Table cells of values; bold="max" or "min" marks the best one, as a sweep's optimum."""
    best = {"max": max, "min": min}.get(bold, lambda v: None)(values)
    return " | ".join(f"**{format(v, spec)}**" if v == best else format(v, spec) for v in values)


HELPERS = {"ms": ms, "seconds_or": seconds_or, "fmt": fmt, "cells": cells, "float": float, "min": min, "max": max, "abs": abs, "len": len,
           "sum": sum, "round": round}


def run_key(run):
    return json.dumps([run["scenario"], run.get("set", {})], sort_keys=True)


def run_dtsim(dtsim, run, workdir, index):
    """One `dtsim run` into its own directory; returns (summary, iterations rows)."""
    out = os.path.join(workdir, f"run{index}")
    command = [dtsim, "run", os.path.join(ROOT, run["scenario"]), "--out", out, "-q"]
    for pointer, value in run.get("set", {}).items():
        command += ["--set", f"{pointer}={json.dumps(value)}"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"error: {' '.join(command)} exited {result.returncode}:\n{result.stderr}")
    with open(os.path.join(out, "summary.json")) as f:
        summary = json.load(f)
    rows = []
    iterations = os.path.join(out, "iterations.csv")
    if os.path.exists(iterations):
        with open(iterations) as f:
            rows = list(csv.DictReader(f))
    return Summary(summary), rows


def resolve_runs(block):
    """The block's runs with its defaults applied: {id: {"scenario", "set", "label"}}."""
    defaults = block.get("defaults", {})
    runs = {}
    for run_id, run in block["runs"].items():
        merged = {"scenario": run.get("scenario", defaults.get("scenario")),
                  "set": {**defaults.get("set", {}), **run.get("set", {})},
                  "label": run.get("label", run_id)}
        if merged["scenario"] is None:
            raise SystemExit(f"error: docs/figures.json: block run {run_id!r} has no scenario")
        runs[run_id] = merged
    return runs


def fill(template, env, where):
    def field(match):
        expression, _, spec = match.group(1).partition(":")
        try:
            value = eval(expression, {"__builtins__": {}}, env)  # templates come from docs/figures.json
            return format(value, spec)
        except Exception as error:  # name the template, not a bare traceback
            raise SystemExit(f"error: {where}: {{{match.group(1)}}}: {error}")
    return FIELD.sub(field, template)


def render(name, block, results):
    """The block's text from the results of its runs."""
    runs = resolve_runs(block)
    r = {run_id: results[run_key(run)][0] for run_id, run in runs.items()}
    csvs = {run_id: results[run_key(run)][1] for run_id, run in runs.items()}
    lines = []
    for entry in block["lines"]:
        if isinstance(entry, str):
            lines.append(fill(entry, {**HELPERS, "r": r, "csv": csvs}, f"block {name}"))
            continue
        for run_id in entry["each"]:
            env = {**HELPERS, "r": r, "csv": csvs, "s": r[run_id], "rows": csvs[run_id],
                   "label": runs[run_id]["label"]}
            lines.append(fill(entry["line"], env, f"block {name}, run {run_id}"))
    return "\n".join(lines) + "\n"


def find_block(text, name, doc):
    """(start, end) character offsets of the text between a block's two markers."""
    lines = text.splitlines(keepends=True)
    offset, start = 0, None
    for line in lines:
        stripped = line.rstrip("\n")
        match = BEGIN.match(stripped)
        if match and match.group(1) == name:
            if start is not None:
                raise SystemExit(f"error: {doc}: block {name} opens twice")
            start = offset + len(line)
        elif stripped == END and start is not None:
            return start, offset
        offset += len(line)
    raise SystemExit(f"error: {doc}: no block '<!-- figures: {name} (...) -->' ... '{END}'")


def markers_in_docs():
    """Every block name that a doc under the repository opens: {name: doc}."""
    found = {}
    for doc in ["README.md"] + sorted("docs/" + f for f in os.listdir(os.path.join(ROOT, "docs"))
                                      if f.endswith(".md")):
        with open(os.path.join(ROOT, doc)) as f:
            for line in f:
                match = BEGIN.match(line.rstrip("\n"))
                if match:
                    found[match.group(1)] = doc
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--list", action="store_true", help="list the blocks, their doc and command count")
    mode.add_argument("--update", action="store_true", help="rewrite the named blocks (all by default)")
    mode.add_argument("--check", action="store_true", help="rerun and fail with a diff when a block differs")
    parser.add_argument("--quick", action="store_true", help="skip the blocks marked \"slow\"")
    parser.add_argument("--dtsim", default=os.path.join(ROOT, "build", "dtsim"), help="the dtsim binary")
    parser.add_argument("-j", "--jobs", type=int, default=1, help="dtsim runs at a time (default 1)")
    parser.add_argument("names", nargs="*", help="blocks (default: all)")
    args = parser.parse_args()

    with open(DEFINITIONS) as f:
        blocks = json.load(f)["blocks"]
    in_docs = markers_in_docs()
    for name, doc in in_docs.items():
        if name not in blocks:
            raise SystemExit(f"error: {doc} opens block {name}, which docs/figures.json does not define")
    unknown = [n for n in args.names if n not in blocks]
    if unknown:
        raise SystemExit(f"error: unknown block(s) {', '.join(unknown)}; defined: {', '.join(blocks)}")

    if args.list:
        for name, block in blocks.items():
            slow = "  (slow)" if block.get("slow") else ""
            print(f"{name:28} {block['doc']:30} {len(block['runs'])} runs{slow}")
        return 0

    names = args.names or list(blocks)
    if args.quick:
        names = [n for n in names if not blocks[n].get("slow")]
    dtsim = os.path.abspath(args.dtsim)
    if not os.access(dtsim, os.X_OK):
        raise SystemExit(f"error: {dtsim} is not an executable dtsim (build it, or pass --dtsim)")

    stale = 0
    results = {}  # run key -> (summary, iterations): a run shared by several blocks runs once
    with tempfile.TemporaryDirectory(prefix="doc_figures.") as workdir:
        for name in names:
            block = blocks[name]
            began = time.monotonic()
            unique = {}
            for run in resolve_runs(block).values():
                unique.setdefault(run_key(run), run)
            keys = [key for key in unique if key not in results]
            with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
                outputs = pool.map(lambda i: run_dtsim(dtsim, unique[keys[i]], workdir, f"_{name}_{i}"),
                                   range(len(keys)))
                results.update(zip(keys, outputs))
            text = render(name, block, results)
            path = os.path.join(ROOT, block["doc"])
            with open(path) as f:
                doc = f.read()
            start, end = find_block(doc, name, block["doc"])
            elapsed = time.monotonic() - began
            if doc[start:end] == text:
                print(f"{name}: up to date ({len(keys)} runs, {elapsed:.1f} s)")
            elif args.update:
                write_text_atomically(path, doc[:start] + text + doc[end:])
                print(f"{name}: rewritten in {block['doc']} ({len(keys)} runs, {elapsed:.1f} s)")
            else:
                stale += 1
                print(f"{name}: {block['doc']} differs from what the runs give ({elapsed:.1f} s):")
                sys.stdout.writelines(difflib.unified_diff(
                    doc[start:end].splitlines(keepends=True), text.splitlines(keepends=True),
                    f"{block['doc']} (block {name})", "regenerated"))
    if stale:
        print(f"{stale} block(s) stale; regenerate with: python3 scripts/doc_figures.py --update NAME")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
