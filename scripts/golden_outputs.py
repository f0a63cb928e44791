#!/usr/bin/env python3
"""Golden-output test: every shipped scenario, shortened, must produce byte-identical outputs.

    golden_outputs.py --update DTSIM_BINARY            rewrite tests/golden/golden_hashes.json
    golden_outputs.py --check DTSIM_BINARY [SCENARIO]  compare against it (one scenario, or all)

For each scenarios/*.json (not catalog.json nor the *.schema.json files) it runs

    DTSIM run scenarios/X.json --out TMP/X --set ... (the shortening overrides)

and takes the sha256 of iterations.csv, trace.json and links.csv. The overrides make each run take well under a
second to a few seconds: scenarios that count iterations run 3 (1 warm-up); scenarios that count
epochs (real models on Fashion-MNIST) run 0.05 epoch: 12 iterations of 8 ranks x 32 (more than
local_sgd.json's averaging interval of 8; 6 for the 16 ranks of decentralized_fashion_mnist.json).
Their eval_every and target_accuracy stay as shipped: eval_every is larger than the run, so the
only evaluation is the one always done at the end of the run, and no run reaches its target
accuracy that early (so none stops early). Scheduled failures (failures.events) move to 1 ms, 2 ms, ... output.trace and output.links are forced on so that every scenario has a trace.json and a links.csv.
The overrides used are stored with the hashes; --check reruns exactly those.

What is hashed and why: the README promises that the same scenario and seed give byte-identical
iterations.csv, trace.json and links.csv, and --update checks it by running every scenario twice and refusing
to write hashes that differ between the two runs. summary.json is not hashed: it holds the host's
wall time (wall_time_s, numerics.numerics_wall_time_s).

When a change of output is intended, rerun --update with the new binary and commit the new
tests/golden/golden_hashes.json together with the change (the diff shows which scenarios moved).
On a mismatch --check keeps the run's outputs and prints where they are, to compare with a run of
the previous binary.
"""
import argparse
import hashlib
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

from atomic_write import write_text_atomically

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
REFERENCE = ROOT / "tests" / "golden" / "golden_hashes.json"
HASHED = ("iterations.csv", "trace.json", "links.csv")
NOT_SCENARIOS = ("catalog.json", "scenario.schema.json", "sweep.schema.json")
# Per-run limit; DTSIM_TIMEOUT_SCALE (CMake sets it in sanitizer builds, which run slower) multiplies it.
TIMEOUT_S = 300 * float(os.environ.get("DTSIM_TIMEOUT_SCALE", "1"))


def shipped_scenarios():
    return sorted(p.name for p in SCENARIOS.glob("*.json") if p.name not in NOT_SCENARIOS)


def shortening_overrides(name):
    """The --set overrides that make scenario `name` short (see the header)."""
    document = json.loads((SCENARIOS / name).read_text())
    run = document.get("run", {})
    if "epochs" in run:
        length = ["/run/epochs=0.05"]
    else:
        length = ["/run/iterations=3"]
    # Scheduled failures move to the first milliseconds, where a 3-iteration run meets them (one after
    # the run's end is an error): the restart path is hashed too.
    events = document.get("failures", {}).get("events", [])
    moved = [f"/failures/events/{i}/at={(i + 1) / 1000}" for i in range(len(events))]
    return length + ["/run/warmup_iterations=1", "/output/trace=true", "/output/links=true"] + moved


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def command_line(dtsim, name, overrides, out):
    cmd = [str(dtsim), "run", str(SCENARIOS / name), "--out", str(out)]
    for o in overrides:
        cmd += ["--set", o]
    return cmd


def run_once(dtsim, name, overrides, out):
    """Runs the scenario into `out`; returns {file: sha256}. Raises RuntimeError on failure."""
    cmd = command_line(dtsim, name, overrides, out)
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=TIMEOUT_S)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}\nexited with {r.returncode}\n{r.stdout}{r.stderr}")
    hashes = {}
    for f in HASHED:
        if not (out / f).is_file():
            raise RuntimeError(f"{' '.join(cmd)}\nwrote no {f}")
        hashes[f] = sha256(out / f)
    return hashes


def update(dtsim, tmp):
    reference = {}
    for name in shipped_scenarios():
        overrides = shortening_overrides(name)
        start = time.monotonic()
        first = run_once(dtsim, name, overrides, tmp / name / "run1")
        seconds = time.monotonic() - start
        second = run_once(dtsim, name, overrides, tmp / name / "run2")
        differing = [f for f in HASHED if first[f] != second[f]]
        if differing:
            kept = pathlib.Path(tempfile.mkdtemp(prefix=f"dtsim-golden-{name}-"))
            shutil.copytree(tmp / name, kept, dirs_exist_ok=True)
            print(f"FAIL {name}: {', '.join(differing)} differ between two identical runs "
                  f"(outputs kept in {kept}); not writing hashes")
            return 1
        reference[name] = {"overrides": overrides, "sha256": first}
        print(f"ok   {name}: deterministic over two runs ({seconds:.2f} s per run)")
    REFERENCE.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomically(REFERENCE, json.dumps(reference, indent=2, sort_keys=True) + "\n")
    print(f"wrote {REFERENCE.relative_to(ROOT)} ({len(reference)} scenarios)")
    return 0


def check(dtsim, tmp, only):
    if not REFERENCE.is_file():
        print(f"FAIL no {REFERENCE.relative_to(ROOT)}; create it with: python3 scripts/golden_outputs.py --update DTSIM")
        return 1
    reference = json.loads(REFERENCE.read_text())
    names = [only] if only else shipped_scenarios()
    failures = 0
    if not only:
        for stale in sorted(set(reference) - set(names)):
            print(f"FAIL {stale}: in {REFERENCE.name} but not shipped any more (rerun --update)")
            failures += 1
    for name in names:
        if not (SCENARIOS / name).is_file():
            print(f"FAIL {name}: no such scenario in scenarios/")
            failures += 1
            continue
        if name not in reference:
            print(f"FAIL {name}: no reference hashes in {REFERENCE.name}; if the scenario is new, rerun "
                  f"python3 scripts/golden_outputs.py --update DTSIM and commit the file")
            failures += 1
            continue
        overrides = reference[name]["overrides"]
        out = tmp / name
        start = time.monotonic()
        try:
            got = run_once(dtsim, name, overrides, out)
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            print(f"FAIL {name}: {e}")
            failures += 1
            continue
        seconds = time.monotonic() - start
        differing = [f for f in HASHED if got[f] != reference[name]["sha256"][f]]
        if differing:
            kept = pathlib.Path(tempfile.mkdtemp(prefix=f"dtsim-golden-{name}-"))
            for f in HASHED:
                shutil.copy(out / f, kept / f)
            print(f"FAIL {name}: {', '.join(differing)} changed")
            for f in differing:
                print(f"     {f}: expected {reference[name]['sha256'][f]}, got {got[f]}")
            print(f"     command: {' '.join(command_line(dtsim, name, overrides, out))}")
            print(f"     outputs kept in {kept}")
            print(f"     if the change is intended: python3 scripts/golden_outputs.py --update DTSIM, "
                  f"then commit {REFERENCE.relative_to(ROOT)}")
            failures += 1
        else:
            print(f"ok   {name}: {' and '.join(HASHED)} unchanged ({seconds:.2f} s)")
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--update", metavar="DTSIM_BINARY", type=pathlib.Path,
                      help="run every scenario twice, check determinism, rewrite the reference hashes")
    mode.add_argument("--check", metavar="DTSIM_BINARY", type=pathlib.Path,
                      help="compare the outputs with the reference hashes")
    parser.add_argument("scenario", nargs="?", help="with --check: only this scenario (e.g. quickstart.json)")
    args = parser.parse_args()
    if args.update and args.scenario:
        parser.error("--update always covers every shipped scenario")
    dtsim = (args.update or args.check).resolve()
    if not dtsim.is_file():
        parser.error(f"{dtsim}: no such binary")
    with tempfile.TemporaryDirectory(prefix="dtsim-golden-") as tmp:
        tmp = pathlib.Path(tmp)
        if args.update:
            return update(dtsim, tmp)
        return check(dtsim, tmp, args.scenario)


if __name__ == "__main__":
    sys.exit(main())
