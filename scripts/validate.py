#!/usr/bin/env python3
"""Validation suite: predict published multi-node data-parallel training runs with dtsim.

    validate.py [--dtsim build/dtsim] [-j N] [--case ID ...] [--match TEXT ...] [--json OUT] [--plot PNG]
    validate.py --check analysis/validation/bounds.json        what CTest runs: exit 1 if a bound is exceeded
    validate.py --write-bounds analysis/validation/bounds.json rewrite the bounds from this run's errors

Each analysis/validation/cases/<id>.json transcribes one published scaling table (several node counts)
with the benchmark inputs the rules allow. For every case and scale, scenario_for() builds one dtsim
scenario (the modelling rules, all in that one function), `dtsim run --json` simulates it, and the
predicted throughput and scaling efficiency are compared with the published ones:

    published efficiency = published throughput / (GPUs x published single-GPU throughput)
    predicted efficiency = predicted throughput / (GPUs x the same published single-GPU throughput)
    error                = predicted / published - 1

Python 3 standard library only (matplotlib only for --plot). analysis/validation/README.md states the rules.
"""
import argparse
import concurrent.futures
import datetime
import json
import math
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile

from atomic_write import write_text_atomically

ROOT = pathlib.Path(__file__).resolve().parent.parent
CASES = ROOT / "analysis" / "validation" / "cases"
# Per-run limit; DTSIM_TIMEOUT_SCALE (CMake sets it in sanitizer builds, which run slower) multiplies it.
TIMEOUT_S = 120 * float(os.environ.get("DTSIM_TIMEOUT_SCALE", "1"))
METRICS = ("throughput", "efficiency")


class CaseError(Exception):
    """A case file that lacks a field or has a bad value: reported with its file and JSON path."""


def field(case, path):
    """case[...] by a '/'-separated path; a missing key is a CaseError naming the path."""
    value = case
    for key in path.split("/"):
        if isinstance(value, list):
            key = int(key)
            if key >= len(value):
                raise CaseError(f"/{path}: missing")
        elif not isinstance(value, dict) or key not in value:
            raise CaseError(f"/{path}: missing")
        value = value[key]
    return value


def positive(case, path):
    value = field(case, path)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise CaseError(f"/{path}: {json.dumps(value)} is not a positive number")
    return value


# Gradient-exchange schedules the cases may record (software.gradient_exchange.policy), as dtsim's
# workload.fusion takes them; the other keys of gradient_exchange are the policy's parameters.
FUSION_POLICIES = ("none", "ddp", "horovod")

# Compute slowed while communication is in flight: the mean slowdown Lee et al. measured with collectives
# overlapped on A100/H100/MI250/MI210 (Characterizing Compute-Communication Overlap in GPU-Accelerated
# Distributed Deep Learning, arXiv 2507.03114, 2025: 18.9 % mean, 40.0 % worst). One value for every case.
OVERLAP_SLOWDOWN = 0.19


# Bytes of GPU memory one optimizer step moves per parameter, from the optimizer's code; the step is
# memory-bound, so it takes params x this / the GPU's memory bandwidth (data sheet). LAMB (You et al.,
# Large Batch Optimization for Deep Learning: Training BERT in 76 Minutes, ICLR 2020) as NVIDIA's fused
# kernels run it (DeepLearningExamples 729963dd PyTorch/LanguageModeling/BERT/lamb_amp_opt: fused_lamb.py
# step() and csrc/multi_tensor_lamb.cu), fp32 state: global gradient norm (read g, 4 B), per-tensor
# parameter norms (read p, 4), stage 1 (read g, p, m, v, 16; write update, m, v, 12), update norms (read
# the update, 4), stage 2 (read p and the update, 8; write p, 4) = 52 B, the least any LAMB moves.
# TensorFlow's LAMB is elementwise ops (about 190 B unfused) but the TF1/TF2 BERT runs compile with XLA,
# which fuses them (DeepLearningExamples run.sub: --use_xla, --enable_xla).
OPTIMIZER_BYTES_PER_PARAM = {"lamb": 52}


# Persistent speed differences between GPUs of one model (manufacturing variability and power
# management): a synchronous step waits for the slowest GPU. Sinha et al. (Not All GPUs Are Created
# Equal: Characterizing Variability in Large-Scale, Accelerator-Rich Systems, SC 2022; arXiv 2208.11035v3)
# measured 8 % average performance variation between GPUs of one SKU (SGEMM, ResNet-50, BERT, LAMMPS and
# PageRank on five V100/MI60 clusters), the variation being the box plot's whisker span over the median,
# ((Q3 + 1.5 IQR) - (Q1 - 1.5 IQR)) / median = 4 IQR / median (the authors' artifact,
# hal-uw/gpu_variability_sc22_artifact at bc84e72, plot_script/plot_aggregated.py). A normal spread has
# IQR = 1.349 sigma, so sigma = 8 % / 5.396 = 1.48 % of the median GPU's time.
GPU_SPEED_SIGMA = 0.08 / (4 * 2 * statistics.NormalDist().inv_cdf(0.75))


def gpu_speed_factors(ranks):
    """Each rank's compute-time factor: the expected order statistics of `ranks` GPUs drawn from that
    normal spread around the median GPU, which the single-GPU input is taken to be (Blom's approximation,
    z_i = Phi^-1((i - 0.375) / (ranks + 0.25))); one GPU gets 1. Expected values, not draws: the same
    scenario for every run."""
    normal = statistics.NormalDist()
    return [1.0 + GPU_SPEED_SIGMA * normal.inv_cdf((i + 1 - 0.375) / (ranks + 0.25)) for i in range(ranks)]


def update_time_shift(case, row):
    """Seconds to add to an optimizer step's compute: the single-GPU input amortizes one optimizer update
    over its own accumulation steps a1 (its table's row), a step of the predicted row over a; the
    update (memory-bound, OPTIMIZER_BYTES_PER_PARAM) weighs u (1 - a / a1) more per step there. Zero
    when both accumulate alike (every CNN case: a = a1 = 1), so no optimizer need be recorded then."""
    single = field(case, "inputs/single_gpu_throughput")
    a1 = single.get("accumulation_steps", 1)
    if isinstance(a1, bool) or not isinstance(a1, int) or a1 < 1:
        raise CaseError(f"/inputs/single_gpu_throughput/accumulation_steps: {json.dumps(a1)} is not a positive integer")
    a = int(field(row, "accumulation_steps"))
    if a == a1:
        return 0.0
    optimizer = field(case, "software/optimizer")
    if optimizer not in OPTIMIZER_BYTES_PER_PARAM:
        raise CaseError(f"/software/optimizer: {json.dumps(optimizer)} is not one of {', '.join(OPTIMIZER_BYTES_PER_PARAM)}")
    update = (positive(case, "model/params") * OPTIMIZER_BYTES_PER_PARAM[optimizer]
              / (positive(case, "hardware/gpu_memory_GBps") * 1e9))
    return update * (1.0 - a / a1)


ROW_SYSTEMS = ("predicted_system", "input_system")


def input_speed_ratio(case, row=None):
    """How much faster the predicted system's GPUs compute than those the single-GPU input was measured
    on: the ratio of the two systems' published peak FLOPS (`inputs/single_gpu_throughput/system_peak_ratio`,
    recorded with its source where a table measured its single GPU on another variant of the same GPU,
    e.g. a DGX-2 at 2.0 PFLOPS for runs on DGX-2H at 2.1: the same V100s at a higher power limit and
    clock); 1 where the input comes from the same system. Compute scales with it (clock-bound GEMMs; an
    upper bound for the memory-bound rest, whose HBM is the same). A published row that the source
    measured on the input's system (`measured_on: "input_system"`, with its evidence in
    `measured_on_source`: e.g. a multi-node table's 1-node row that repeats the single-node table's figure
    to the last digit) is predicted at the input's speed."""
    measured_on = (row or {}).get("measured_on", "predicted_system")
    if measured_on not in ROW_SYSTEMS:
        index = next((i for i, r in enumerate(case.get("published", [])) if r is row), "?")
        raise CaseError(f"/published/{index}/measured_on: {json.dumps(measured_on)} is not one of "
                        f"{', '.join(ROW_SYSTEMS)}")
    ratio = field(case, "inputs/single_gpu_throughput").get("system_peak_ratio")
    if ratio is None or measured_on == "input_system":
        return 1.0
    return positive(case, "inputs/single_gpu_throughput/system_peak_ratio/value")


def fusion_for(case):
    """workload.fusion from the case's recorded gradient-exchange schedule (the framework's code at
    the version used); "none" (one allreduce after the backward pass) where the case records none."""
    exchange = case["software"].get("gradient_exchange")
    if exchange is None:
        return {"policy": "none"}
    policy = field(case, "software/gradient_exchange/policy")
    if policy not in FUSION_POLICIES:
        raise CaseError(f"/software/gradient_exchange/policy: {json.dumps(policy)} is not one of "
                        f"{', '.join(FUSION_POLICIES)}")
    keys = {"ddp": ("bucket_cap", "first_bucket"), "horovod": ("threshold", "cycle_time")}.get(policy, ())
    return {"policy": policy, **{k: exchange[k] for k in keys if k in exchange}}


def collective_for(case):
    """The allreduce a case's communication library runs. NCCL (every case whose software.communication
    names it): its rings, one per NIC, each over every GPU and leaving each machine through its own NIC
    ("nccl_ring"), so a machine's NICs move 2(p-1)/p of the gradients together; that is what nccl-tests'
    busbw across machines measures (91 GB/s between two HGX A100 with 4 HDR NICs: the NICs' summed rate,
    not the 1.9x a two-level allreduce would reach), and the collective benchmarks recorded per NIC are
    that busbw over the NIC count. Parameter servers sharded one per machine and colocated with the
    workers (tf_cnn_benchmarks' distributed_replicated) move 2(N-1)/N of the gradients per machine
    (N machines), as the two-level allreduce does ("hierarchical")."""
    return "nccl_ring" if "NCCL" in field(case, "software/communication").upper() else "hierarchical"


def scenario_for(case, row):
    """THE modelling rules: one dtsim scenario for one published row of one case.

    Inputs allowed: hardware parameters (GPU count per node, NIC count and nominal bandwidth,
    intra-node link bandwidth) and benchmark-fitted parameters (single-GPU throughput, collective
    benchmarks of that system or a named similar one). Never the training results being predicted.
    """
    hw = case["hardware"]
    sw = case["software"]
    nodes = int(field(row, "nodes"))
    accumulation = int(field(row, "accumulation_steps"))
    batch = int(positive(case, "software/batch_per_gpu"))
    single_gpu = positive(case, "inputs/single_gpu_throughput/value")
    bench = hw.get("collective_benchmark")

    # Network: per-NIC bandwidth from a collective benchmark (busbw per NIC) when one is recorded for
    # the system, else the NIC's nominal rate; likewise the intra-node per-GPU bandwidth (a ring's
    # busbw is its per-GPU link bandwidth). One non-blocking switch: the InfiniBand clusters are
    # full-bisection fat-trees, and the Ethernet (TCP) cases are at most 8 machines. 1 us per link
    # (alpha = 2 us between machines): nominal, InfiniBand switch hop plus NIC, kept for TCP too: the
    # gradients here are 50 MB to 1.3 GB: 50 us per link would move the CNN predictions by at most
    # 0.3 % (the 32-node BERT ones by up to 1.6 %).
    # A shipped network profile (dtsim calibrate on a published nccl-tests log of the same board and
    # link layout, hardware.network_profile) replaces the benchmark figures of the tiers it fits: those
    # tiers then take the nominal rates, to which the profile's efficiency applies.
    profile = hw.get("network_profile")
    profile_tiers = set(field(case, "hardware/network_profile_tiers")) if profile else set()
    if bench:
        nic_bandwidth = f"{positive(case, 'hardware/collective_benchmark/inter_node_per_nic_GBps')}GBps"
        intra_bandwidth = f"{positive(case, 'hardware/collective_benchmark/intra_node_busbw_GBps')}GBps"
    else:
        nic_bandwidth = f"{positive(case, 'hardware/nominal_nic_Gbps')}Gbps"
        intra_bandwidth = f"{positive(case, 'hardware/intra_node/nominal_per_gpu_GBps')}GBps"
    if "inter_node" in profile_tiers:
        nic_bandwidth = f"{positive(case, 'hardware/nominal_nic_Gbps')}Gbps"
    if "intra_node" in profile_tiers:
        intra_bandwidth = f"{positive(case, 'hardware/intra_node/nominal_per_gpu_GBps')}GBps"
    # TCP over Ethernet: SimGrid's TCP factors on inter-node messages (network.model "tcp"); RDMA
    # (InfiniBand, RoCE) is alpha-beta.
    ethernet_tcp = hw.get("network_kind") == "ethernet" and "TCP" in hw.get("transport", "TCP")

    # Compute: one optimizer step = `accumulation` micro-batches at the single-GPU throughput. The
    # gradients are exchanged once per step on the framework's schedule (software.gradient_exchange:
    # after the backward pass, DDP buckets or Horovod fusion), overlapping at most the last
    # micro-batch's backward pass, whose gradient-ready times follow the catalog model's per-layer
    # FLOPs (model.catalog; without one the model is a single layer).
    # A single-GPU input measured on another variant of the GPU (input_speed_ratio) is scaled by the
    # ratio of the two systems' published peaks, except in a row the source measured on the input's
    # system (row.measured_on).
    # The optimizer update weighs more per step than in the single-GPU input when the row accumulates
    # fewer micro-batches than that input did (update_time_shift). It is added to the step's compute, in
    # time before the exchange where it really follows it: the same iteration time with policy "none"
    # (every case where the shift is not zero); checked below.
    step_samples = batch * accumulation
    shift = update_time_shift(case, row)
    if shift and fusion_for(case)["policy"] != "none":
        raise CaseError("/software/gradient_exchange/policy: an overlapped exchange with accumulation steps "
                        "other than the single-GPU input's is not modelled (the update would overlap it)")
    compute_time = step_samples / (single_gpu * input_speed_ratio(case, row)) + shift

    scenario = {
        "name": f"validate_{case['id']}_{nodes}n",
        "cluster": {"nodes": nodes, "gpus_per_node": int(positive(case, "hardware/gpus_per_node")),
                    "gpu": field(case, "hardware/gpu")},
        "network": {
            "topology": "switch",
            "model": "tcp" if ethernet_tcp else "exact",
            "link_layer": "ethernet" if ethernet_tcp else "infiniband",
            "bandwidth": nic_bandwidth,
            "latency": "1us",
            "nics_per_node": int(positive(case, "hardware/nics_per_node")),
            "intra_node": {"kind": field(case, "hardware/intra_node/kind"), "bandwidth": intra_bandwidth,
                           "latency": "1us"},
            "fidelity": "fast",  # same time as "step" for ring/hierarchical (docs/collectives.md), 100x faster
        },
        "workload": {
            "params": int(positive(case, "model/params")),
            "bytes_per_param": int(positive(case, "software/gradient_bytes_per_param")),
            "compute_time": compute_time,
            "batch_per_gpu": step_samples,
            "accumulation_steps": accumulation,
            "fusion": fusion_for(case),
            "overlap_slowdown": OVERLAP_SLOWDOWN,
        },
        "algorithm": {"name": "allreduce", "collective": collective_for(case)},
        "run": {"iterations": 3, "warmup_iterations": 1},
        "output": {"trace": False},
    }
    # The GPUs' persistent speed spread (GPU_SPEED_SIGMA): rank r computes gpu_speed_factors()[r] times the
    # median GPU's time, the slowest last.
    ranks = nodes * int(positive(case, "hardware/gpus_per_node"))
    if ranks > 1:
        scenario["stragglers"] = {"rank_factors": [{"ranks": [r], "factor": f}
                                                   for r, f in enumerate(gpu_speed_factors(ranks))]}
    if case["model"].get("catalog"):
        scenario["workload"]["model"] = case["model"]["catalog"]
    if profile:
        scenario["network"]["profile"] = profile
    return scenario


def bad_input(message):
    """Bad case files or arguments: one line on stderr, exit 2 (as dtsim does), nothing run."""
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)


def load_cases(only, match=None):
    cases = []
    for path in sorted(CASES.glob("*.json")):
        try:
            case = json.loads(path.read_text())
        except json.JSONDecodeError as e:
            bad_input(f"{path}: not JSON: {e}")
        if case.get("id") != path.stem:
            bad_input(f"{path}: /id: {json.dumps(case.get('id'))} must equal the file name {path.stem!r}")
        if only and case["id"] not in only:
            continue
        if match and not any(m in case["id"] for m in match):
            continue
        try:
            rows = field(case, "published")
            if not isinstance(rows, list) or not rows:
                raise CaseError("/published: must be a non-empty list of {nodes, accumulation_steps, throughput}")
            for i, row in enumerate(rows):
                for key in ("nodes", "accumulation_steps", "throughput"):
                    positive(case, f"published/{i}/{key}")
                input_speed_ratio(case, row)  # checks the row's measured_on
            scenario_for(case, rows[0])  # checks every input the rules read
        except CaseError as e:
            bad_input(f"{path}: {e}")
        cases.append(case)
    unknown = set(only or ()) - {c["id"] for c in cases}
    if unknown:
        bad_input(f"--case: unknown {sorted(unknown)}; cases are the files of {CASES}")
    return cases


def run_point(dtsim, case, row):
    scenario = scenario_for(case, row)
    with tempfile.TemporaryDirectory(prefix="dtsim_validate_") as tmp:
        path = pathlib.Path(tmp) / "scenario.json"
        path.write_text(json.dumps(scenario, indent=1))
        done = subprocess.run([dtsim, "run", str(path), "--out", str(pathlib.Path(tmp) / "out"), "--json"],
                              capture_output=True, text=True, timeout=TIMEOUT_S)
    if done.returncode != 0:
        raise RuntimeError(f"{case['id']} at {row['nodes']} nodes: dtsim exited {done.returncode}: "
                           f"{done.stderr.strip()}")
    summary = json.loads(done.stdout)
    gpus = row["nodes"] * case["hardware"]["gpus_per_node"]
    single = case["inputs"]["single_gpu_throughput"]["value"]
    published = {"throughput": row["throughput"], "efficiency": row["throughput"] / (gpus * single)}
    # Both efficiencies against the same single-GPU figure (the input): dtsim's own scaling_efficiency
    # would count the optimizer update that update_time_shift adds to the compute as ideal work.
    predicted = {"throughput": summary["throughput_samples_per_s"],
                 "efficiency": summary["throughput_samples_per_s"] / (gpus * single)}
    return {
        "case": case["id"], "nodes": row["nodes"], "gpus": gpus,
        "published": published, "predicted": predicted,
        "error": {m: predicted[m] / published[m] - 1.0 for m in METRICS},
        "iteration_time_s": summary["iteration_time_s"], "comm_time_s": summary["comm_time_s"],
    }


def summarize(rows):
    out = {}
    for m in METRICS:
        errors = [abs(r["error"][m]) for r in rows]
        worst = max(rows, key=lambda r: abs(r["error"][m]))
        out[m] = {"mean_abs_error": sum(errors) / len(errors), "max_abs_error": abs(worst["error"][m]),
                  "worst": f"{worst['case']} at {worst['nodes']} nodes"}
    return out


def per_case_max(rows):
    out = {}
    for r in rows:
        slot = out.setdefault(r["case"], {m: 0.0 for m in METRICS})
        for m in METRICS:
            slot[m] = max(slot[m], abs(r["error"][m]))
    return out


def print_table(rows, summary):
    head = f"{'case':52} {'nodes':>5} {'GPUs':>5} {'published':>11} {'predicted':>11} {'err':>7}   {'eff pub':>7} {'eff pred':>8} {'err':>7}"
    print(head)
    print("-" * len(head))
    for r in rows:
        p, q, e = r["published"], r["predicted"], r["error"]
        print(f"{r['case']:52} {r['nodes']:>5} {r['gpus']:>5} {p['throughput']:>11.1f} {q['throughput']:>11.1f} "
              f"{100 * e['throughput']:>+6.1f}%   {p['efficiency']:>7.3f} {q['efficiency']:>8.3f} {100 * e['efficiency']:>+6.1f}%")
    print()
    for m in METRICS:
        s = summary[m]
        print(f"{m:10}: mean |error| {100 * s['mean_abs_error']:.2f}%, worst {100 * s['max_abs_error']:.2f}% ({s['worst']})")


def check_bounds(rows, summary, bounds_path, subset):
    """Failures against BOUNDS; with a subset of cases (--case, --match) only their per-case bounds apply."""
    bounds = json.loads(pathlib.Path(bounds_path).read_text())
    failures = []
    measured = per_case_max(rows)
    for case, errors in measured.items():
        if case not in bounds.get("max_abs_error_per_case", {}):
            failures.append(f"{case}: no bound recorded in {bounds_path}")
            continue
        for m in METRICS:
            bound = bounds["max_abs_error_per_case"][case][m]
            if errors[m] > bound:
                failures.append(f"{case}: max |{m} error| {100 * errors[m]:.2f}% exceeds its bound {100 * bound:.2f}%")
    if subset:
        return failures
    for case in bounds.get("max_abs_error_per_case", {}):
        if case not in measured:
            failures.append(f"{case}: bound recorded but no such case was run")
    for m in METRICS:
        if summary[m]["mean_abs_error"] > bounds["mean_abs_error"][m]:
            failures.append(f"mean |{m} error| {100 * summary[m]['mean_abs_error']:.2f}% exceeds its bound "
                            f"{100 * bounds['mean_abs_error'][m]:.2f}%")
    return failures


def round_up(error):
    """A bound a little above a measured error: at least half a percentage point, to the next percent."""
    return math.ceil(100 * error + 0.5) / 100


def write_bounds(rows, summary, path):
    bounds = {
        "_comment": "Errors (relative, |predicted/published - 1|) that scripts/validate.py --check allows. Set "
                    "from the errors measured with the simulator at simulator_commit (last commit touching its sources), rounded up a little. They must only go "
                    "down: lower them when the model improves; never raise them to make a change pass.",
        "simulator_commit": git_commit(),
        "mean_abs_error": {m: round_up(summary[m]["mean_abs_error"]) for m in METRICS},
        "max_abs_error_per_case": {case: {m: round_up(e[m]) for m in METRICS}
                                   for case, e in sorted(per_case_max(rows).items())},
    }
    write_text_atomically(path, json.dumps(bounds, indent=2) + "\n")


SIMULATOR_SOURCES = ("CMakeLists.txt", "sim", "algorithms", "topologies", "kernels", "scenarios/catalog.json")


def git_commit():
    """The last commit that changed the simulator's sources: what the measured errors depend on."""
    try:
        return subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%h", "--", *SIMULATOR_SOURCES],
                              capture_output=True, text=True, check=True).stdout.strip() or "unknown"
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def plot(rows, path):
    try:
        import matplotlib
    except ImportError:
        bad_input("--plot needs matplotlib (Debian: python3-matplotlib, run with /usr/bin/python3)")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 6))
    for case in sorted({r["case"] for r in rows}):
        mine = [r for r in rows if r["case"] == case]
        ax.plot([r["published"]["efficiency"] for r in mine], [r["predicted"]["efficiency"] for r in mine],
                "o-", label=case, markersize=4)
    effs = [r[k]["efficiency"] for r in rows for k in ("published", "predicted")]
    lo, hi = min(0.7, min(effs) - 0.02), max(1.15, max(effs) + 0.02)
    ax.plot([lo, hi], [lo, hi], "k-", lw=0.8)
    ax.fill_between([lo, hi], [lo * 0.95, hi * 0.95], [lo * 1.05, hi * 1.05], color="grey", alpha=0.2, label="+-5 %")
    ax.set_xlabel("published scaling efficiency")
    ax.set_ylabel("predicted scaling efficiency")
    ax.legend(fontsize=4, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=150)


FAMILIES = (("nvidia_", "BERT-Large, NVIDIA DeepLearningExamples (DGX-2H, DGX A100; InfiniBand)"),
            ("dlperf_", "ResNet-50, DLPerf (8 V100 per server, one EDR NIC)"),
            ("tf_benchmarks_", "CNNs, TensorFlow benchmarks (8 K80 per instance, 10 GbE TCP)"))


def write_markdown(rows, summary, path):
    """The results page: summary, mean error by family and by scale, every point."""
    def mean(sel):
        return sum(abs(r["error"]["throughput"]) for r in sel) / len(sel) if sel else float("nan")
    lines = [f"Generated by `python3 scripts/validate.py --markdown {path}` (dtsim {git_commit()}, "
             f"{datetime.date.today().isoformat()}). error = predicted / published - 1; throughput and "
             "efficiency errors are equal (both efficiencies use the published single-GPU throughput).", "",
             f"- {len(rows)} points: mean |error| {100 * summary['throughput']['mean_abs_error']:.2f} %, "
             f"worst {100 * summary['throughput']['max_abs_error']:.1f} % ({summary['throughput']['worst']}); "
             f"{sum(abs(r['error']['throughput']) > 0.05 for r in rows)} points over 5 %, "
             f"{sum(abs(r['error']['throughput']) > 0.10 for r in rows)} over 10 %, "
             f"{sum(r['error']['throughput'] > 0 for r in rows)} over-predictions.", "",
             "| slice | points | mean abs error |", "|---|---:|---:|"]
    for prefix, title in FAMILIES:
        sel = [r for r in rows if r["case"].startswith(prefix)]
        lines.append(f"| {title} | {len(sel)} | {100 * mean(sel):.2f} % |")
    for label, lo, hi in (("one machine", 1, 1), ("2-8 machines", 2, 8), ("16-32 machines", 16, 1 << 30)):
        sel = [r for r in rows if lo <= r["nodes"] <= hi]
        lines.append(f"| {label} | {len(sel)} | {100 * mean(sel):.2f} % |")
    lines += ["", "| case | nodes | GPUs | published | predicted | error | eff. published | eff. predicted |",
              "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        p, q, e = r["published"], r["predicted"], r["error"]
        lines.append(f"| {r['case']} | {r['nodes']} | {r['gpus']} | {p['throughput']:.1f} | {q['throughput']:.1f} | "
                     f"{100 * e['throughput']:+.1f} % | {p['efficiency']:.3f} | {q['efficiency']:.3f} |")
    write_text_atomically(path, "\n".join(lines) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dtsim", default=str(ROOT / "build" / "dtsim"))
    parser.add_argument("-j", type=int, default=os.cpu_count() or 1, help="points run in parallel")
    parser.add_argument("--case", action="append", help="run only this case id (repeatable)")
    parser.add_argument("--match", action="append", metavar="TEXT",
                        help="run only the cases whose id contains TEXT (repeatable; e.g. dlperf_, nvidia_tf2_)")
    parser.add_argument("--json", help="write the table and summary to this file")
    parser.add_argument("--check", metavar="BOUNDS", help="exit 1 if an error exceeds its bound in BOUNDS")
    parser.add_argument("--write-bounds", metavar="BOUNDS", help="write BOUNDS from this run's errors")
    parser.add_argument("--markdown", metavar="MD", help="write the results page (summary, slices, every point)")
    parser.add_argument("--plot", metavar="PNG", help="predicted vs published efficiency (matplotlib)")
    args = parser.parse_args()
    if args.j < 1:
        parser.error(f"-j: {args.j} is out of range; allowed: 1 or more")
    if not os.access(args.dtsim, os.X_OK):
        parser.error(f"--dtsim: {args.dtsim} is not an executable (build it: cmake --build build --target dtsim)")

    cases = load_cases(args.case, args.match)
    if not cases:
        bad_input(f"--match: no case id contains any of {args.match}")
    points = [(case, row) for case in cases for row in case["published"]]
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.j) as pool:
        try:
            rows = list(pool.map(lambda p: run_point(args.dtsim, p[0], p[1]), points))
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
    summary = summarize(rows)
    print_table(rows, summary)

    if args.json:
        write_text_atomically(args.json, json.dumps(
            {"simulator_commit": git_commit(), "date": datetime.date.today().isoformat(),
             "rows": rows, "summary": summary}, indent=2) + "\n")
    if args.markdown:
        write_markdown(rows, summary, args.markdown)
    if args.plot:
        plot(rows, args.plot)
    if args.write_bounds:
        if args.case or args.match:
            bad_input("--write-bounds needs every case (no --case or --match)")
        write_bounds(rows, summary, args.write_bounds)
        print(f"wrote {args.write_bounds}")
    if args.check:
        failures = check_bounds(rows, summary, args.check, bool(args.case or args.match))
        for f in failures:
            print(f"FAIL: {f}", file=sys.stderr)
        if failures:
            return 1
        print(f"every error is within {args.check}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
