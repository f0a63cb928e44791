#!/usr/bin/env python3
"""Round trip: every result can be rerun from its own output.

    round_trip.py DTSIM [SCENARIO ...]     (default: every shipped scenario)

For each shipped scenario X, shortened with the golden test's overrides (scripts/golden_outputs.py:
3 iterations or 0.05 epoch, failures moved early, trace on), it

  1. runs `dtsim run X --set ...` (the original),
  2. prints the resolved scenario with `dtsim validate X --set ...` and reruns that file, with no --set,
  3. reruns the "scenario" that the original's summary.json records,
  4. validates the resolved scenario again and requires the same text (resolving is a fixed point),

and requires iterations.csv and trace.json of 2 and 3 to be byte-identical to the original's. The
shortening goes through --set in the original only: the resolved scenario carries it.
"""
import argparse
import filecmp
import json
import pathlib
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from golden_outputs import shortening_overrides, shipped_scenarios, SCENARIOS  # noqa: E402

COMPARED = ("iterations.csv", "trace.json")
TIMEOUT_S = 300


def dtsim(binary, *args):
    r = subprocess.run([str(binary), *map(str, args)], capture_output=True, text=True, timeout=TIMEOUT_S)
    if r.returncode != 0:
        raise RuntimeError(f"dtsim {' '.join(map(str, args))} exited with {r.returncode}:\n{r.stderr}")
    return r.stdout


def round_trip(binary, name, tmp):
    sets = [a for o in shortening_overrides(name) for a in ("--set", o)]
    original = tmp / "original"
    dtsim(binary, "run", SCENARIOS / name, "--out", original, "-q", *sets)
    resolved = tmp / "resolved.json"
    resolved_text = dtsim(binary, "validate", SCENARIOS / name, *sets)
    resolved.write_text(resolved_text)
    from_summary = tmp / "from_summary.json"
    from_summary.write_text(json.dumps(json.loads((original / "summary.json").read_text())["scenario"], indent=2))

    problems = []
    if dtsim(binary, "validate", resolved) != resolved_text:
        problems.append("validating the resolved scenario again changes it (resolving is not a fixed point)")
    for label, scenario in (("validate output", resolved), ("summary.json scenario", from_summary)):
        out = tmp / label.replace(" ", "_").replace(".", "_")
        try:
            dtsim(binary, "run", scenario, "--out", out, "-q")
        except RuntimeError as e:
            problems.append(f"{label} does not rerun: {e}")
            continue
        for f in COMPARED:
            if (original / f).is_file() != (out / f).is_file():
                problems.append(f"{label}: {f} written by only one of the two runs")
            elif (original / f).is_file() and not filecmp.cmp(original / f, out / f, shallow=False):
                problems.append(f"{label}: {f} differs from the original run's")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dtsim", type=pathlib.Path)
    parser.add_argument("scenarios", nargs="*", help="e.g. quickstart.json (default: every shipped scenario)")
    args = parser.parse_args()
    failures = 0
    for name in args.scenarios or shipped_scenarios():
        with tempfile.TemporaryDirectory(prefix="dtsim-round-trip-") as tmp:
            try:
                problems = round_trip(args.dtsim.resolve(), name, pathlib.Path(tmp))
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                problems = [str(e)]
        for p in problems:
            print(f"FAIL {name}: {p}")
        if not problems:
            print(f"ok   {name}: validate output and summary.json's scenario rerun to identical "
                  f"{' and '.join(COMPARED)}")
        failures += bool(problems)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
