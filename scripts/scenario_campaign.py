#!/usr/bin/env python3
"""Random scenarios through `dtsim run`: a search for crashes, hangs and unclear errors.

The input fuzzers (scripts/fuzz.sh) stop at parsing and validation; this runs whole simulations. Each
seed picks a shipped scenario and changes a few of its keys with values of the right kind (cluster
shape, topology, fidelity, algorithm and its options, fusion, input pipeline, compression, numerics, stragglers,
failures and recovery), small enough to run in a second, and classifies the outcome:

  ok    exit 0; or exit 2 with `error: /json/path ...` (bad input, named); or exit 1 with `error: ...`
        (a run that failed for a reason it states, as a job stopped by its first failure)
  BAD   a signal, any other exit status, no `error:` line, a sanitizer or SimGrid critical report, an
        internal error, or no end within --timeout

A seed always makes the same scenario, so a finding is reproduced by its seed; BAD scenarios are
written to --found as case_SEED.json with their stderr. Exit status 1 if any seed was BAD.

    scripts/scenario_campaign.py build/dtsim --seeds 0:2000 --jobs 2
    scripts/scenario_campaign.py build-asan/dtsim --seeds 0:300    # what CI runs, sanitizers on
"""
import argparse
import concurrent.futures
import copy
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"

# Signs of a crash or an internal error in stderr, whatever the exit status.
CRASH_SIGNS = ("terminate called", "Assertion", "Segmentation", "Sanitizer", "runtime error:", "logic_error",
               "CRITICAL", "internal error")


def algorithm_options():
    """Per algorithm name, the schema of its options (`dtsim schema` writes the same file)."""
    schema = json.loads((SCENARIOS / "scenario.schema.json").read_text())
    options = {}
    for branch in schema["properties"]["algorithm"].get("allOf", []):
        name = branch["if"]["properties"]["name"]["const"]
        options[name] = branch["then"].get("properties", {})
    return options


def value_of_kind(spec, rng):
    """A value the option's schema allows (small numbers: the runs must stay short)."""
    if "enum" in spec:
        return rng.choice(spec["enum"])
    kind = spec.get("type")
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "integer":
        low = spec.get("minimum", 0)
        return rng.randint(low, min(spec.get("maximum", low + 16), low + 16))
    if kind == "number":
        low = spec.get("minimum", spec.get("exclusiveMinimum", 0))
        value = rng.uniform(low, min(spec.get("maximum", low + 4), low + 4))
        return value if value > spec.get("exclusiveMinimum", -1e300) else low + 1e-3
    return None


def random_algorithm(rng, options):
    name = rng.choice(sorted(options))
    algorithm = {"name": name}
    keys = [k for k in options[name] if k != "name"]
    for key in rng.sample(keys, min(len(keys), rng.randint(0, 5))):
        spec = options[name][key]
        if key == "graph":
            algorithm["graph"] = {"name": rng.choice(spec.get("properties", {}).get("name", {}).get("enum", ["ring"]))}
        elif key == "compression":
            algorithm["compression"] = {"kind": rng.choice(["topk", "randomk", "qsgd", "sign", "powersgd", "minmax"])}
        elif "properties" not in spec and (value := value_of_kind(spec, rng)) is not None:
            algorithm[key] = value
    return algorithm


def change_cluster_and_network(s, rng):
    s["cluster"]["nodes"] = rng.choice([1, 2, 3, 4, 5, 8])
    s["cluster"]["gpus_per_node"] = g = rng.choice([1, 1, 2, 3, 4, 8])
    net = s.setdefault("network", {})
    net.pop("overrides", None)  # the base's name machines the new shape may not have
    if g % net.get("nics_per_node", 1):
        net["nics_per_node"] = 1
    if rng.random() < 0.5:
        net["fidelity"] = rng.choice(["step", "fast", "analytic", "auto"])
    if rng.random() < 0.3:
        net["nics_per_node"] = rng.choice([d for d in (1, 2, 4, 8) if g % d == 0])
    if rng.random() < 0.25:
        shapes = {"switch": [None], "fat_tree": [{"down": [4, 4], "up": [1, 2], "links": [1, 1]}],
                  "torus": [{"dims": [2, 2, 2]}, {"dims": [4, 2]}, {"dims": [8]}],
                  "dragonfly": [{"groups": [2, 1], "chassis": [2, 1], "routers": [2, 1], "nodes": 2}]}
        for key in shapes:
            net.pop(key, None)
        net["topology"] = topology = rng.choice(sorted(shapes))
        if shapes[topology][0] is not None:
            net[topology] = rng.choice(shapes[topology])
    if rng.random() < 0.2:
        net["model"] = rng.choice(["exact", "tcp"])
    if rng.random() < 0.2:
        net.setdefault("intra_node", {})["kind"] = rng.choice(["nvlink", "pcie"])
    if rng.random() < 0.15:
        last = s["cluster"]["nodes"] - 1
        where = {"node": rng.randint(0, last)} if rng.random() < 0.5 else {"nodes": [0, rng.randint(0, last)]}
        net["overrides"] = [dict(where, bandwidth=rng.choice(["1Gbps", "100Gbps"]))]


def change_workload(s, rng):
    w = s.setdefault("workload", {})
    if rng.random() < 0.2:  # real numerics on a small model
        for key in ("model", "params", "proxy", "bytes_per_param", "precision"):
            w.pop(key, None)
        if rng.random() < 0.5:
            w["dataset"] = {"name": "synthetic_least_squares", "dim": rng.choice([3, 8]), "samples_per_rank": 16}
            w["model"] = "linear_regression"
        else:
            w["dataset"] = {"name": "fashion_mnist", "train_limit": 512, "test_limit": 100}
            w["model"] = rng.choice(["softmax_regression", "mlp"])
        w["compute_time"] = "5ms"
        w["batch_per_gpu"] = rng.choice([4, 16])
    elif w.get("dataset", {}).get("name") == "fashion_mnist":
        w["dataset"].update(train_limit=512, test_limit=100)
    if rng.random() < 0.3:
        policy = rng.choice(["none", "ddp", "horovod"])
        fusion = {"policy": policy}
        if policy == "ddp" and rng.random() < 0.5:
            fusion.update(bucket_cap=rng.choice([1e3, 1e5, 25e6]), first_bucket=rng.choice([1e3, 1e6]))
        if policy == "horovod" and rng.random() < 0.5:
            fusion.update(threshold=rng.choice([1e3, 64e6]), cycle_time=rng.choice([1e-5, 5e-3]))
        w["fusion"] = fusion
    if w.get("model") != "mlp":
        w.pop("hidden", None)
    if rng.random() < 0.15:
        w["overlap_slowdown"] = rng.choice([0, 0.1, 0.5])
    if rng.random() < 0.2:
        w["accumulation_steps"] = rng.randint(1, 3)
    if rng.random() < 0.15:  # a host data loader, from starving the GPUs to keeping well ahead
        w["input_pipeline"] = {"rate": rng.choice([10, 1000, 1e6]), "prefetch": rng.choice([1, 2, 4])}


def change_run(s, rng):
    s["run"] = {k: v for k, v in s.get("run", {}).items() if k not in ("epochs", "iterations")}
    s["run"]["iterations"] = rng.randint(2, 6)
    s["run"]["warmup_iterations"] = min(s["run"].get("warmup_iterations", 1), s["run"]["iterations"] - 1)
    s.pop("failures", None)  # the base's name machines and times of its own shape
    if "rank_factors" in s.get("stragglers", {}):
        s.pop("stragglers")
    if rng.random() < 0.1:
        s["run"]["eval_every"] = rng.randint(1, 3)
    s.setdefault("output", {})["trace"] = rng.random() < 0.3
    if rng.random() < 0.2:
        s["stragglers"] = rng.choice([{"jitter": 0.1}, {"noise": {"distribution": "exponential", "mean": 0.05}},
                                      {"markov": {"p_slow": 0.2, "p_recover": 0.5, "factor": 3}},
                                      {"rank_factors": [{"ranks": [0], "factor": 3}]},
                                      {"network_jitter": {"sigma": 0.2, "period": 0.01}}])
    if rng.random() < 0.15:
        recovery = {"policy": rng.choice(["checkpoint_restart", "elastic"])}
        if recovery["policy"] == "checkpoint_restart":
            recovery.update(interval=rng.choice([1, 2, "50ms"]), blocking=rng.random() < 0.5,
                            checkpoint_time=rng.choice(["1ms", "20ms"]))
        s["run"]["recovery"] = recovery
        component = rng.choice(["machine", "gpu", "link"])
        s["failures"] = {"events": [{"at": rng.choice(["0.05s", "0.3s", "1s"]), component: 0}]}
        s["network"]["fidelity"] = "step"


def scenario_for(seed, bases, options):
    rng = random.Random(seed)
    base = rng.choice(bases)
    s = copy.deepcopy(json.loads(base.read_text()))
    s.setdefault("cluster", {})
    change_cluster_and_network(s, rng)
    if rng.random() < 0.5:
        s["algorithm"] = random_algorithm(rng, options)
    change_workload(s, rng)
    change_run(s, rng)
    return base.stem, s


# AddressSanitizer's note when SimGrid switches an actor's stack (harmless, three lines): not dtsim's output.
ASAN_STACK_NOTE = ("WARNING: ASan is ignoring requested __asan_handle_no_return", "False positive error reports may follow",
                   "For details see https://github.com/google/sanitizers/issues/189")


def without_asan_notes(stderr):
    return "\n".join(line for line in stderr.splitlines() if not any(note in line for note in ASAN_STACK_NOTE))


def classify(status, stderr):
    """'' if the outcome is one dtsim promises, else why not."""
    stderr = without_asan_notes(stderr)
    if status == "timeout":
        return "no end within the timeout"
    signs = [sign for sign in CRASH_SIGNS if sign in stderr]
    if signs:
        return "stderr shows " + ", ".join(signs)
    if status < 0:
        return f"killed by signal {-status}"
    first = stderr.strip().splitlines()[0] if stderr.strip() else ""
    if status == 2 and not first.startswith("error: /"):
        return "bad input without a JSON path"
    if status == 1 and not first.startswith("error:"):
        return "failed run without an error line"
    if status not in (0, 1, 2):
        return f"exit status {status}"
    return ""


def run_seed(dtsim, seed, bases, options, timeout):
    base, scenario = scenario_for(seed, bases, options)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scenario.json"
        path.write_text(json.dumps(scenario))
        try:
            done = subprocess.run([dtsim, "run", str(path), "--out", str(Path(tmp) / "out"), "-q"],
                                  capture_output=True, text=True, timeout=timeout, cwd=ROOT)
            status, stderr = done.returncode, done.stderr
        except subprocess.TimeoutExpired:
            status, stderr = "timeout", ""
    return seed, base, scenario, status, stderr, classify(status, stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dtsim")
    parser.add_argument("--seeds", default="0:500", help="FIRST:COUNT (default 0:500)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=120, help="seconds per scenario (default 120)")
    parser.add_argument("--found", default="out/scenario_campaign", help="where BAD scenarios are written")
    parser.add_argument("-v", "--verbose", action="store_true", help="a line per seed")
    args = parser.parse_args()
    first, count = (int(x) for x in args.seeds.split(":"))
    bases = sorted(p for p in SCENARIOS.glob("*.json") if p.name not in ("scenario.schema.json", "sweep.schema.json",
                                                                          "catalog.json"))
    options = algorithm_options()
    dtsim = str(Path(args.dtsim).resolve())
    tally, bad = {}, []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        runs = [pool.submit(run_seed, dtsim, seed, bases, options, args.timeout) for seed in range(first, first + count)]
        for future in runs:
            seed, base, scenario, status, stderr, why = future.result()
            tally[status] = tally.get(status, 0) + 1
            if args.verbose or why:
                shown = without_asan_notes(stderr).strip()
                line = shown.splitlines()[0][:150] if shown else ""
                print(f"seed {seed} ({base}): exit {status}{' BAD: ' + why if why else ''} {line}", flush=True)
            if why:
                bad.append(seed)
                found = Path(args.found)
                found.mkdir(parents=True, exist_ok=True)
                (found / f"case_{seed}.json").write_text(json.dumps(scenario, indent=1) + "\n")
                (found / f"case_{seed}.stderr").write_text(f"exit {status}: {why}\n{stderr[-8000:]}")
    outcomes = ", ".join(f"exit {k}: {v}" for k, v in sorted(tally.items(), key=str))
    print(f"scenario campaign: {count} seeds from {first} ({outcomes}); BAD: {len(bad)}"
          + (f" (seeds {', '.join(map(str, bad))}; scenarios in {args.found})" if bad else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
