#!/usr/bin/env python3
"""The bad-input catalog: hundreds of bad inputs fed to every dtsim subcommand.

Each case must end the way dtsim promises for bad input: exit status 2 (not a signal, not a hang:
60 s limit), a message on stderr that names the field (JSON path) or the option, and nothing written
(the case's output directory, CSV, DOT or profile file is never created, and no other file appears).
Adding a case is one line in a table below.

    tests/sim/app/bad_input_catalog.py DTSIM [--list] [--only SUBSTRING] [--jobs N]
"""
import argparse
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile

# A case that runs longer hangs. DTSIM_TIMEOUT_SCALE (CMake sets it in sanitizer builds, which run
# slower) multiplies the limit.
HANG_S = 60 * float(os.environ.get("DTSIM_TIMEOUT_SCALE", "1"))

# A valid scenario (two machines, timing only); its outputs go to <case dir>/out.
BASE = {
    "name": "catalog",
    "seed": 1,
    "cluster": {"nodes": 2},
    "network": {"topology": "switch", "bandwidth": "10Gbps", "latency": "2us", "model": "exact"},
    "workload": {"params": 1000000, "bytes_per_param": 4, "compute_time": "10ms"},
    "run": {"iterations": 3, "warmup_iterations": 1},
    "output": {"trace": False},
}

# Scenarios of other families, for fields that only they read (JSON merge patches on BASE).
DECENTRALIZED = {"algorithm": {"name": "dsgd", "graph": {"name": "ring"}}}
PS = {"algorithm": {"name": "parameter_server"}}
COMPRESSED = {"algorithm": {"name": "allreduce", "compression": {"kind": "topk"}}}
NUMERIC = {"workload": {"model": "linear_regression", "params": None, "bytes_per_param": None,
                        "compute_time": None, "batch_per_gpu": 8,
                        "dataset": {"name": "synthetic_least_squares", "dim": 4, "samples_per_rank": 16},
                        "optimizer": {"name": "sgd", "lr": 0.1}}}
# A catalog model without compute_time: its time comes from the compute model of the GPU.
CATALOG_MODEL = {"workload": {"model": "resnet50", "params": None, "bytes_per_param": None, "compute_time": None,
                              "batch_per_gpu": 8}}
MLP = {"workload": {"model": "mlp", "params": None, "bytes_per_param": None, "compute_time": None,
                    "batch_per_gpu": 8, "dataset": {"name": "fashion_mnist"}}}
# Failures with a recovery policy (a machine fails at 1 ms, inside the 3 iterations).
ELASTIC = {"failures": {"events": [{"at": "1ms", "machine": 1}]}, "run": {"recovery": {"policy": "elastic"}}}
CHECKPOINT = {"failures": {"events": [{"at": "1ms", "machine": 1}]},
              "run": {"recovery": {"policy": "checkpoint_restart", "interval": 1, "checkpoint_time": "1ms"}}}
ELASTIC_NUMERIC = {**NUMERIC, **ELASTIC}
ASYNC_PS_ELASTIC = {"algorithm": {"name": "async_parameter_server"}, "run": {"recovery": {"policy": "elastic"}},
                    "failures": {"events": [{"at": "1ms", "server": 0}]}}
SYNC_PS_ELASTIC = {"algorithm": {"name": "parameter_server", "backup_workers": 1},
                   "run": {"recovery": {"policy": "elastic"}}, "failures": {"events": [{"at": "1ms", "gpu": 1}]}}
FAT_TREE = {"network": {"topology": "fat_tree", "fat_tree": {"down": [2, 2], "up": [1, 2], "links": [1, 1]}},
            "cluster": {"nodes": 4}}
TORUS = {"network": {"topology": "torus", "torus": {"dims": [2, 2]}}, "cluster": {"nodes": 4}}
DRAGONFLY = {"network": {"topology": "dragonfly",
                         "dragonfly": {"groups": [2, 1], "chassis": [1, 1], "routers": [2, 1], "nodes": 1}},
             "cluster": {"nodes": 4}}

# (pointer, bad value, what the message must hold, family patch or None): each is written into the
# scenario file (dtsim validate and dtsim run) and given as --set (dtsim run).
FIELDS = [
    ("/run/recovery/policy", "resume", "/run/recovery/policy", ELASTIC),
    ("/run/recovery/rendezvous_time", "-1s", "/run/recovery/rendezvous_time", ELASTIC),
    ("/run/recovery/scaling", "quadratic", "/run/recovery/scaling", ELASTIC),
    ("/run/recovery/scaling", "constant", "/run/recovery/scaling", ELASTIC_NUMERIC),
    ("/run/recovery/join", "sometimes", "/run/recovery/join", ELASTIC),
    ("/run/recovery/min_ranks", 0, "/run/recovery/min_ranks", ELASTIC),
    ("/run/recovery/min_ranks", 3, "/run/recovery/min_ranks", ELASTIC),
    ("/run/recovery/interval", 5, "/run/recovery/interval", ELASTIC),
    ("/run/recovery/rendezvous_time", "1s", "/run/recovery/rendezvous_time", CHECKPOINT),
    ("/algorithm/name", "exact_diffusion", "/algorithm/name", {**DECENTRALIZED, **ELASTIC}),
    ("/failures/events", [{"at": "1ms", "server": 1}], "/failures/events/0/server", ASYNC_PS_ELASTIC),
    ("/failures/events", [{"at": "1ms", "server": -1}], "/failures/events/0/server", ASYNC_PS_ELASTIC),
    ("/failures/events", [{"at": "1ms", "server": 0}], "/failures/events/0/server", ELASTIC),
    ("/run/recovery/server_restore_time", "-2s", "/run/recovery/server_restore_time", ASYNC_PS_ELASTIC),
    ("/run/recovery/server_checkpoint_interval", -1, "/run/recovery/server_checkpoint_interval", ASYNC_PS_ELASTIC),
    ("/run/recovery/policy", "checkpoint_restart", "/run/recovery", ASYNC_PS_ELASTIC),
    ("/algorithm/backup_workers", 0, "/algorithm/backup_workers", SYNC_PS_ELASTIC),
    ("/name", 5, "/name", None),
    ("/name", "", "/name", None),
    ("/seed", -1, "/seed", None),
    ("/seed", 1.5, "/seed", None),
    ("/seed", "one", "/seed", None),
    ("/cluster/nodes", 0, "/cluster/nodes", None),
    ("/cluster/nodes", -3, "/cluster/nodes", None),
    ("/cluster/nodes", 2.5, "/cluster/nodes", None),
    ("/cluster/nodes", "8", "/cluster/nodes", None),
    ("/cluster/nodes", 4294967298, "/cluster/nodes", None),
    ("/cluster/gpus_per_node", 0, "/cluster/gpus_per_node", None),
    ("/cluster/gpus_per_node", 5000, "/cluster/gpus_per_node", None),
    ("/cluster/gpu", "GTX480", "/cluster/gpu", None),
    # An unknown GPU must not reach the compute model (found by fuzz_scenario: a catalog look-up of the
    # missing name was undefined behaviour, reported as a JSON type error without a path).
    ("/cluster/gpu", "V099", "/cluster/gpu", CATALOG_MODEL),
    ("/cluster/gpu", "V099", "/cluster/gpu", MLP),
    ("/cluster/gpu", {"name": "x", "peak_flops": -1}, "/cluster/gpu", None),
    ("/cluster/gpu", {"name": "x", "peak_flops": 1e12, "efficiency": 2}, "/cluster/gpu", None),
    ("/cluster/colour", "red", "/cluster/colour", None),
    ("/network/topology", "hypercube", "/network/topology", None),
    ("/network/topology", 3, "/network/topology", None),
    ("/network/bandwidth", "fast", "/network/bandwidth", None),
    ("/network/bandwidth", "10Gbit", "/network/bandwidth", None),
    ("/network/bandwidth", -5, "/network/bandwidth", None),
    ("/network/bandwidth", 0, "/network/bandwidth", None),
    ("/network/bandwidth", "1e-300Bps", "/network/bandwidth", None),
    ("/network/bandwidth", "4.9e-324Bps", "/network/bandwidth", None),
    ("/network/bandwidth", "10 Gbps Gbps", "/network/bandwidth", None),
    ("/network/latency", "-1us", "/network/latency", None),
    ("/network/latency", "5 parsecs", "/network/latency", None),
    ("/network/latency", True, "/network/latency", None),
    ("/network/model", "LV08", "/network/model", None),
    ("/network/fidelity", "perfect", "/network/fidelity", None),
    ("/network/link_layer", "token_ring", "/network/link_layer", None),
    ("/network/nics_per_node", 0, "/network/nics_per_node", None),
    ("/network/profile", "no_such_profile", "/network/profile", None),
    ("/network/intra_node", {"kind": "nvlink", "bandwidth": "-1GBps"}, "/network/intra_node/bandwidth", None),
    ("/network/intra_node", {"kind": "infinity_fabric"}, "/network/intra_node/kind", None),
    ("/network/overrides", "all", "/network/overrides", None),
    ("/network/overrides", [{"link": 99, "bandwidth": "1Gbps"}], "/network/overrides/0", None),
    ("/network/fat_tree", {"down": [2, 2], "up": [1, 2], "links": [1, 1]}, "/network/fat_tree", None),
    ("/network/fat_tree/down", [100000, 100000], "/network/fat_tree", FAT_TREE),
    ("/network/fat_tree/down", [2], "/network/fat_tree", FAT_TREE),
    ("/network/fat_tree/links", [0, 1], "/network/fat_tree/links", FAT_TREE),
    ("/network/torus/dims", [100000, 100000], "/network/torus/dims", TORUS),
    ("/network/torus/dims", [4294967298, 4], "/network/torus/dims", TORUS),
    ("/network/torus/dims", [], "/network/torus/dims", TORUS),
    ("/network/torus/dims", [0, 2], "/network/torus/dims", TORUS),
    ("/network/dragonfly/groups", [4, 1], "/network/dragonfly", DRAGONFLY),
    ("/network/dragonfly/nodes", 0, "/network/dragonfly/nodes", DRAGONFLY),
    ("/workload/params", 0, "/workload/params", None),
    ("/workload/params", -10, "/workload/params", None),
    ("/workload/params", "many", "/workload/params", None),
    ("/workload/bytes_per_param", 0, "/workload/bytes_per_param", None),
    ("/workload/compute_time", "-10ms", "/workload/compute_time", None),
    ("/workload/compute_time", "ten ms", "/workload/compute_time", None),
    ("/workload/compute_time", [1], "/workload/compute_time", None),
    ("/workload/model", "alexnet9000", "/workload/model", None),
    ("/workload/precision", "fp8", "/workload/precision", None),
    ("/workload/backend", "tpu", "/workload/backend", None),
    ("/workload/batch_per_gpu", 0, "/workload/batch_per_gpu", None),
    ("/workload/accumulation_steps", 0, "/workload/accumulation_steps", None),
    ("/workload/overlap_slowdown", -0.5, "/workload/overlap_slowdown", None),
    ("/workload/fusion", "nccl", "/workload/fusion", None),
    ("/workload/fusion", {"policy": "ddp", "bucket_cap": "-1MB"}, "/workload/fusion/bucket_cap", None),
    ("/workload/fusion", {"policy": "horovod", "cycle_time": "soon"}, "/workload/fusion/cycle_time", None),
    ("/workload/fusion", {"policy": "none", "threshold": "64MB"}, "/workload/fusion/threshold", None),
    ("/workload/bucket_size", "25MB", "/workload/bucket_size", None),
    ("/workload/import", "layers.csv", "/workload/import", None),
    ("/workload/import", {"format": "layer_csv"}, "/workload/import/path", None),
    ("/workload/import", {"path": "/nonexistent/layers.csv"}, "/workload/import/path", None),
    ("/workload/import", {"path": "/etc/hostname"}, "/workload/import/path", None),
    ("/workload/import", {"path": "/etc/hostname", "format": "onnx"}, "/workload/import/format", None),
    ("/workload/import", {"path": "/etc/hostname", "format": "layer_csv"}, "/workload/import/path", None),
    ("/workload/import", {"path": "/etc/hostname", "format": "torch_profiler"}, "/workload/import/path", None),
    ("/workload/import", {"path": "/tmp", "format": "torch_profiler"}, "/workload/import/path", None),
    ("/workload/dataset/dim", 0, "/workload/dataset/dim", NUMERIC),
    ("/workload/dataset/samples_per_rank", -1, "/workload/dataset/samples_per_rank", NUMERIC),
    ("/workload/dataset/heterogeneity", -2, "/workload/dataset/heterogeneity", NUMERIC),
    ("/workload/dataset/name", "imagenet", "/workload/dataset/name", NUMERIC),
    ("/workload/optimizer/lr", 0, "/workload/optimizer/lr", NUMERIC),
    ("/workload/optimizer/lr", -0.1, "/workload/optimizer/lr", NUMERIC),
    ("/workload/optimizer/name", "adamw9", "/workload/optimizer/name", NUMERIC),
    ("/workload/optimizer/momentum", 1.5, "/workload/optimizer/momentum", NUMERIC),
    ("/workload/optimizer/schedule", "exponential", "/workload/optimizer/schedule", NUMERIC),
    ("/workload/optimizer/weight_decay", -1, "/workload/optimizer/weight_decay", NUMERIC),
    ("/workload/partition/kind", "random", "/workload/partition/kind", NUMERIC),
    ("/workload/partition/alpha", 0, "/workload/partition/alpha", NUMERIC),
    ("/workload/partition/kind", "dirichlet", "/workload/partition/kind", NUMERIC),  # least squares: no labels
    ("/workload/partition/kind", "shards", "/workload/partition/kind", NUMERIC),
    ("/workload/hidden", [0], "/workload/hidden", MLP),
    ("/workload/hidden", [4611686018427387904, 4611686018427387904], "/workload/hidden", MLP),
    ("/workload/dataset/path", "/nonexistent/fashion", "/workload/dataset/path", MLP),
    ("/workload/dataset/train_limit", 70000, "/workload/dataset/train_limit", MLP),
    ("/algorithm/name", "allreduce_magic", "/algorithm/name", None),
    ("/algorithm/collective", "butterfly", "/algorithm/collective", None),
    ("/algorithm/servers", 0, "/algorithm/servers", PS),
    ("/algorithm/servers", 4, "/algorithm/servers", None),
    ("/algorithm/backup_workers", -1, "/algorithm/backup_workers", PS),
    ("/algorithm/backup_workers", 2, "/algorithm/backup_workers", PS),
    ("/algorithm/staleness_bound", -5, "/algorithm/staleness_bound", None),
    ("/algorithm/local_steps", 0, "/algorithm/local_steps", None),
    ("/algorithm/local_schedule", "random", "/algorithm/local_schedule", None),
    ("/algorithm/graph", {"name": "ring"}, "/algorithm/graph", None),
    ("/algorithm/graph/name", "moebius", "/algorithm/graph/name", DECENTRALIZED),
    ("/algorithm/graph/weights", "magic", "/algorithm/graph/weights", DECENTRALIZED),
    ("/algorithm/graph/p", 1.5, "/algorithm/graph/p", DECENTRALIZED),
    ("/algorithm/exchange", "broadcast", "/algorithm/exchange", DECENTRALIZED),
    ("/algorithm/compression/kind", "zip", "/algorithm/compression/kind", COMPRESSED),
    ("/algorithm/compression/ratio", 0, "/algorithm/compression/ratio", COMPRESSED),
    ("/algorithm/compression/ratio", 1.5, "/algorithm/compression/ratio", COMPRESSED),
    ("/algorithm/compression/levels", 0, "/algorithm/compression/levels", COMPRESSED),
    ("/algorithm/compression/compute_time", "-1ms", "/algorithm/compression/compute_time", COMPRESSED),
    ("/run/iterations", 0, "/run/iterations", None),
    ("/run/iterations", -1, "/run/iterations", None),
    ("/run/iterations", 1e12, "/run/iterations", None),
    ("/run/warmup_iterations", 5, "/run/warmup_iterations", None),
    ("/run/epochs", -1, "/run/epochs", None),
    ("/run/epochs", 1e9, "/run/epochs", NUMERIC),
    ("/run/target_accuracy", 1.5, "/run/target_accuracy", None),
    ("/run/eval_time", "-1s", "/run/eval_time", None),
    ("/output/trace", "yes", "/output/trace", None),
    ("/output/dir", 7, "/output/dir", None),
    ("/stragglers/noise", {"distribution": "cauchy"}, "/stragglers/noise/distribution", None),
    ("/stragglers/noise", {"distribution": "lognormal", "sigma": -1}, "/stragglers/noise/sigma", None),
    ("/stragglers/noise", {"distribution": "pareto", "shape": 0.5}, "/stragglers/noise/shape", None),
    ("/stragglers/network_jitter", {"sigma": 10, "period": "1e-300s"}, "/stragglers/network_jitter/period", None),
    ("/stragglers/network_jitter", {"sigma": 50, "period": "1ms"}, "/stragglers/network_jitter/sigma", None),
    ("/stragglers/rank_factors", {"9": 2.0}, "/stragglers/rank_factors", None),
    ("/stragglers/rank_factors", "slow", "/stragglers/rank_factors", None),
    ("/stragglers/slowdowns", [{"rank": 0}], "/stragglers/slowdowns/0", None),
    ("/stragglers/markov", {"p_slow": 2, "p_recover": 0.5, "factor": 2}, "/stragglers/markov/p_slow", None),
    ("/stragglers/jitter", 5, "/stragglers/jitter", None),
    ("/unknown_section", {}, "/unknown_section", None),
]

# The --set cases: every third of FIELDS given on the command line to dtsim run instead of in the file
# (all of them would add run time for little: --set reaches the same readers). Not output.dir: these
# runs give --out, which replaces it.
SET_FIELDS = [f for i, f in enumerate(FIELDS) if i % 3 == 0 and not f[0].startswith("/output/dir")]

# Whole files that are not a scenario (validate and run).
BAD_FILES = [
    ("empty", b"", "JSON"),
    ("unterminated", b'{"name": "x"', "JSON"),
    ("array", b"[]", "object"),
    ("null", b"null", "object"),
    ("number", b"42", "object"),
    ("trailing", b'{"name": "x"} x', "JSON"),
    ("nul byte", b'{"name": "x"}\x00{"seed": 1}', "JSON"),
    ("invalid utf-8", b'{"name": "\xff\xfe"}', "UTF-8"),
    ("a string where an object belongs", b'{"name": "x", "cluster": "big"}', "/cluster"),
    ("deep nesting", b"[" * 100000 + b"]" * 100000, "nest"),
    ("huge number", b'{"name": "x", "cluster": {"nodes": 1e400}}', "range of a double"),
]

# --set items that are malformed as such (dtsim run and dtsim validate).
BAD_SETS = [
    ("/cluster/nodes", "--set"),
    ("cluster/nodes=4", "--set"),
    ("=4", "--set"),
    ("/cluster/nodes={", "/cluster/nodes"),
    ("/a=[]", None),  # completed by the huge index below
    ("/name/x=1", "--set"),
    ("/cluster/nodes/~2=1", "--set"),
    ("/name=\udcff", "UTF-8"),
]


def merge(base, patch):
    """RFC 7386 JSON merge patch (None deletes)."""
    if not isinstance(patch, dict):
        return patch
    out = dict(base) if isinstance(base, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge(out.get(key), value)
    return out


def set_pointer(document, pointer, value):
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
    node = document
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    return document


def scenario_text(patch=None, pointer=None, value=None):
    document = json.loads(json.dumps(merge(BASE, patch or {})))
    if pointer is not None:
        set_pointer(document, pointer, value)
    return json.dumps(document)


def cases():
    """Yields (name, argv with {dir} placeholders, files {name: bytes}, needle, paths that must not exist)."""
    for pointer, value, needle, family in FIELDS:
        text = scenario_text(family, pointer, value).encode()
        value_text = json.dumps(value)
        yield (f"validate: {pointer} = {value_text[:40]}", ["validate", "{dir}/s.json"], {"s.json": text}, needle, [])
        # --out replaces output.dir: a bad output.dir is checked by a run without it.
        out = [] if pointer.startswith("/output/dir") else ["--out", "{dir}/out"]
        yield (f"run: {pointer} = {value_text[:40]}", ["run", "{dir}/s.json"] + out, {"s.json": text}, needle, ["out"])
    for pointer, value, needle, family in SET_FIELDS:
        text = scenario_text(family).encode()
        yield (f"run --set {pointer}={json.dumps(value)[:40]}",
               ["run", "{dir}/s.json", "--out", "{dir}/out", "--set", f"{pointer}={json.dumps(value)}"],
               {"s.json": text}, needle, ["out"])
    for label, content, needle in BAD_FILES:
        for command in ("validate", "run"):
            argv = [command, "{dir}/s.json"] + (["--out", "{dir}/out"] if command == "run" else [])
            yield (f"{command}: a file that is {label}", argv, {"s.json": content}, needle, ["out"])
    base = scenario_text().encode()
    for item, needle in BAD_SETS:
        argv = ["run", "{dir}/s.json", "--out", "{dir}/out", "--set", item]
        if needle is None:
            argv += ["--set", "/a/99999999999=1"]
            needle = "--set"
        yield (f"run --set {item!r}", argv, {"s.json": base}, needle, ["out"])
        yield (f"validate --set {item!r}", argv[:2] + argv[4:], {"s.json": base}, needle, [])
    yield ("run: a missing scenario file", ["run", "{dir}/missing.json", "--out", "{dir}/out"], {}, "missing.json", ["out"])
    yield ("run: the scenario is a directory", ["run", "{dir}", "--out", "{dir}/out"], {}, "directory", ["out"])
    yield ("run: no scenario", ["run"], {}, "SCENARIO", [])
    yield ("run: unknown option", ["run", "{dir}/s.json", "--colour", "red"], {"s.json": base}, "--colour", ["out"])
    yield ("run: --out empty", ["run", "{dir}/s.json", "--out", ""], {"s.json": base}, "--out", [])
    yield ("run: --out under a file", ["run", "{dir}/s.json", "--out", "{dir}/s.json/out"], {"s.json": base}, "s.json/out", [])
    yield ("run: --out under /proc", ["run", "{dir}/s.json", "--out", "/proc/dtsim-out"], {"s.json": base}, "/proc/dtsim-out", [])
    yield ("validate: unknown option", ["validate", "{dir}/s.json", "--out", "{dir}/out"], {"s.json": base}, "--out", ["out"])
    yield ("schema: unexpected argument", ["schema", "extra"], {}, "extra", [])
    yield ("unknown command", ["simulate", "{dir}/s.json"], {"s.json": base}, "simulate", [])

    # dtsim sweep: bad sweep files and options; nothing may appear under {dir}/out.
    good_sweep = {"base": "s.json", "axes": [{"pointer": "/seed", "values": [1, 2]}]}
    sweeps = [
        ("not JSON", b"{", "JSON"),
        ("an array", b"[]", "object"),
        ("no base", json.dumps({"axes": good_sweep["axes"]}).encode(), "/base"),
        ("a missing base file", json.dumps(dict(good_sweep, base="nope.json")).encode(), "nope.json"),
        ("a base that is not a scenario", json.dumps(dict(good_sweep, base=5)).encode(), "/base"),
        ("axes not an array", json.dumps(dict(good_sweep, axes={"pointer": "/seed"})).encode(), "/axes"),
        ("an axis without values", json.dumps(dict(good_sweep, axes=[{"pointer": "/seed"}])).encode(), "/axes/0"),
        ("empty values", json.dumps(dict(good_sweep, axes=[{"pointer": "/seed", "values": []}])).encode(), "/axes/0/values"),
        ("a pointer without /", json.dumps(dict(good_sweep, axes=[{"pointer": "seed", "values": [1]}])).encode(),
         "/axes/0/pointer"),
        ("a pointer into nothing", json.dumps(dict(good_sweep, axes=[{"pointer": "/name/x", "values": [1]}])).encode(),
         "/axes/0"),
        ("a bad value in a point", json.dumps(dict(good_sweep, axes=[{"pointer": "/cluster/nodes", "values": [2, 0]}])).encode(),
         "/cluster/nodes"),
        ("an unknown key", json.dumps(dict(good_sweep, colour="red")).encode(), "/colour"),
        ("a huge number", b'{"base":"s.json","axes":[{"pointer":"/seed","values":[1e400]}]}', "range of a double"),
        ("invalid utf-8", b'{"base":"s.json","axes":[{"pointer":"/name","values":["\xff"]}]}', "UTF-8"),
    ]
    for label, content, needle in sweeps:
        yield (f"sweep: a sweep file with {label}", ["sweep", "{dir}/w.json", "--out", "{dir}/out"],
               {"w.json": content, "s.json": base}, needle, ["out"])
    sweep_file = json.dumps(good_sweep).encode()
    for options, needle in [
        (["--jobs", "0"], "-j"), (["--jobs", "many"], "-j"), (["-j", "5000"], "-j"),
        (["--shard", "3/2"], "--shard"), (["--shard", "x"], "--shard"), (["--shard", "0/2"], "--shard"),
        (["--timeout", "-1"], "--timeout"), (["--progress", "rainbow"], "--progress"),
        (["--set", "/cluster/nodes=0"], "/cluster/nodes"), (["--set", "nodes"], "--set"),
        (["--frobnicate"], "--frobnicate"), (["--out", ""], "--out"),
    ]:
        yield (f"sweep: {' '.join(options)}", ["sweep", "{dir}/w.json", "--out", "{dir}/out"] + options,
               {"w.json": sweep_file, "s.json": base}, needle, ["out"])
    yield ("sweep: --merge without inputs", ["sweep", "--merge", "{dir}/out"], {}, "--merge", ["out"])
    yield ("sweep: --merge of a missing directory", ["sweep", "--merge", "{dir}/out", "{dir}/nope"], {}, "nope", ["out"])

    # dtsim collective: nothing may be written to {dir}/c.csv.
    for options, needle in [
        (["--nodes", "0"], "/cluster/nodes"), (["--nodes", "1e400"], "1e400"), (["--nodes", "two"], "/cluster/nodes"),
        (["--algorithms", "bogus"], "--algorithms"), (["--ops", "scatter_gather"], "--ops"),
        (["--factor", "1"], "--factor"), (["--factor", "1.0000000000000002"], "--factor"),
        (["--min-bytes", "-8"], "--min-bytes"), (["--max-bytes", "8e100"], "--max-bytes"),
        (["--min-bytes", "1MB", "--max-bytes", "1KB"], "--min-bytes"), (["--check-max", "lots"], "--check-max"),
        (["--fidelity", "exact"], "--fidelity"), (["--bandwidth", "0Gbps"], "/network/bandwidth"),
        (["--topology", "ring"], "/network/topology"), (["--model", "LV08"], "/network/model"),
        (["--latency", "-5us"], "/network/latency"), (["--gpus-per-node", "0"], "/cluster/gpus_per_node"),
        (["--frobnicate"], "--frobnicate"), (["--set", "/cluster/nodes=-1"], "/cluster/nodes"),
        (["--csv", "/proc/x.csv"], "/proc/x.csv"),
        (["-b", "lots"], "--min-bytes"), (["-e", "12Q"], "--max-bytes"), (["-f", "0.5"], "--factor"),
    ]:
        csv = [] if "--csv" in options else ["--csv", "{dir}/c.csv"]
        yield (f"collective: {' '.join(options)}", ["collective"] + csv + options, {}, needle, ["c.csv"])
    yield ("collective: a bad scenario file", ["collective", "{dir}/s.json", "--csv", "{dir}/c.csv"],
           {"s.json": scenario_text(None, "/network/bandwidth", "fast").encode()}, "/network/bandwidth", ["c.csv"])

    # dtsim topo: nothing may be written to {dir}/g.dot.
    for options, needle in [
        (["moebius", "--nodes", "8"], "moebius"), (["ring", "--nodes", "0"], "--nodes"),
        (["ring", "--nodes", "-4"], "--nodes"), (["ring", "--nodes", "eight"], "--nodes"), (["ring"], "--nodes"),
        (["erdos_renyi", "--nodes", "8", "--p", "2"], "--p"), (["ring", "--nodes", "8", "--weights", "magic"], "--weights"),
        (["ring", "--nodes", "8", "--bytes", "lots"], "--bytes"), (["ring", "--nodes", "8", "--seed", "-1"], "--seed"),
        (["grid", "--nodes", "8", "--rows", "0"], "--rows"), (["ring", "--nodes", "8", "--frobnicate"], "--frobnicate"),
        (["ring", "--nodes", "8", "--dot", "/proc/g.dot"], "/proc/g.dot"),
        (["ring", "--nodes", "4294967298"], "--nodes"),
    ]:
        yield (f"topo: {' '.join(options)}", ["topo"] + options + ["--dot", "{dir}/g.dot"] if "--dot" not in options
               else ["topo"] + options, {}, needle, ["g.dot"])

    # dtsim calibrate: nothing may be written to {dir}/p.json.
    # A published nccl-tests log (one machine), so that only the option is wrong.
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "../../../analysis/validation/collectives/oci_bm_gpu4_8_1x8_a100_all_reduce.log"), "rb") as f:
        log = f.read()
    for options, files, needle in [
        (["{dir}/missing.log"], {}, "missing.log"),
        (["{dir}/l.log"], {"l.log": b"hello\n"}, "l.log"),
        (["{dir}/l.log"], {"l.log": log[:200]}, "l.log"),
        (["{dir}/l.log", "--name", ""], {"l.log": log}, "--name"),
        (["{dir}/l.log", "--collective", "alltoall"], {"l.log": log}, "--collective"),
        (["{dir}/l.log", "--inter-bandwidth", "fast"], {"l.log": log}, "--inter-bandwidth"),
        (["{dir}/l.log", "--min-bytes", "-1"], {"l.log": log}, "--min-bytes"),
        (["{dir}/l.log", "--frobnicate"], {"l.log": log}, "--frobnicate"),
        (["{dir}/l.log", "--min-bytes", "1GiB", "--max-bytes", "1KiB"], {"l.log": log}, "--min-bytes"),
        (["{dir}/l.log", "--intra-latency", "-2us"], {"l.log": log}, "--intra-latency"),
        (["{dir}/l.log", "--intra-bandwidth", "0GBps"], {"l.log": log}, "--intra-bandwidth"),
        (["{dir}/l.log", "--ranks", "3"], {"l.log": log}, "--ranks"),
    ]:
        argv = ["calibrate"] + options
        if "--collective" not in options:
            argv += ["--collective", "all_reduce"]  # the log above does not name its test
        if "--name" not in options:
            argv += ["--name", "p"]
        argv += ["--out", "{dir}/p.json", "--system", "test"]
        yield (f"calibrate: {' '.join(options)[:50]}", argv, files, needle, ["p.json"])
    yield ("calibrate: no --out", ["calibrate", "{dir}/l.log", "--name", "p", "--system", "s"], {"l.log": log}, "--out", [])

    # dtsim plot: nothing may be written to {dir}/f.png.
    for options, needle in [
        (["pie", "{dir}/r.csv", "-o", "{dir}/f.png"], "pie"),
        (["speedup", "{dir}/missing.csv", "-o", "{dir}/f.png"], "missing.csv"),
        (["speedup", "{dir}/r.csv", "-o", "{dir}/f.png", "--frobnicate"], "--frobnicate"),
        (["compare", "{dir}/nope", "-o", "{dir}/f.png"], "nope: no summary.json"),
        (["compare", "{dir}/r.csv", "-o", "{dir}/f.png"], "r.csv: no summary.json"),
    ]:
        yield (f"plot: {' '.join(options)[:50]}", ["plot"] + options, {"r.csv": b"a,b\n1,2\n"}, needle, ["f.png"])


def run_case(dtsim, case):
    name, argv, files, needle, forbidden = case
    with tempfile.TemporaryDirectory(prefix="dtsim-catalog-") as tmp:
        for file_name, content in files.items():
            with open(os.path.join(tmp, file_name), "wb") as f:
                f.write(content)
        before = sorted(os.listdir(tmp))
        args = [a.replace("{dir}", tmp) for a in argv]
        # Surrogate escapes stand for raw bytes (invalid UTF-8 on the command line).
        args = [os.fsencode(a) for a in args]
        try:
            done = subprocess.run([os.fsencode(dtsim)] + args, cwd=tmp, capture_output=True, timeout=HANG_S)
        except subprocess.TimeoutExpired:
            return f"{name}: hung (> {HANG_S:g} s)"
        err = done.stderr.decode("utf-8", "replace")
        problems = []
        if done.returncode != 2:
            problems.append(f"exit {done.returncode}, want 2" + (" (killed by a signal)" if done.returncode < 0 else ""))
        if needle not in err:
            problems.append(f"stderr lacks {needle!r}")
        for path in forbidden:
            if os.path.exists(os.path.join(tmp, path)):
                problems.append(f"wrote {path}")
        after = sorted(os.listdir(tmp))
        if after != before:
            problems.append(f"files appeared: {sorted(set(after) - set(before))}")
        if problems:
            return f"{name}: " + "; ".join(problems) + f"\n    stderr: {err.strip()[:300]}"
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dtsim")
    parser.add_argument("--list", action="store_true", help="print the cases and run none")
    parser.add_argument("--only", default="", help="run the cases whose name holds this text")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    options = parser.parse_args()
    selected = [c for c in cases() if options.only in c[0]]
    if options.list:
        for c in selected:
            print(c[0])
        print(f"{len(selected)} cases")
        return 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=options.jobs) as pool:
        failures = [f for f in pool.map(lambda c: run_case(options.dtsim, c), selected) if f]
    for failure in failures:
        print("FAIL " + failure)
    print(f"bad-input catalog: {len(selected) - len(failures)} of {len(selected)} cases handled as promised")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
