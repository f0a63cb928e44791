#!/usr/bin/env python3
"""Checks scripts/validate.py's rules (optimizer update, input speed ratio, GPU speed spread, collective)
against hand-computed values and its errors on bad case files. Python standard library only; run by CTest."""
import copy
import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "scripts"))
import validate  # noqa: E402

BERT = {
    "id": "synthetic",
    "hardware": {"gpu_memory_GBps": 2039},
    "software": {"optimizer": "lamb", "gradient_exchange": {"policy": "none"}},
    "model": {"params": 335141888},
    "inputs": {"single_gpu_throughput": {"value": 580, "batch": 256, "accumulation_steps": 32}},
}
failures = []


def check(name, ok):
    if not ok:
        failures.append(name)


def error_of(case, row):
    try:
        validate.update_time_shift(case, row)
    except validate.CaseError as e:
        return str(e)
    return ""


# Hand computation: 335,141,888 params x 52 B = 17,427,378,176 B; / 2.039e12 B/s = 8.54702 ms per update;
# a row with 1 micro-batch against an input with 32 pays 31/32 of it more: 8.27992 ms.
shift = validate.update_time_shift(BERT, {"accumulation_steps": 1})
check(f"shift at a=1, a1=32: {shift!r} != 8.27992e-3 s", abs(shift - 8.27992e-3) < 1e-8)
check("a = a1 gives no shift", validate.update_time_shift(BERT, {"accumulation_steps": 32}) == 0.0)
# Twice the input's micro-batches: the input's compute carries two updates per step, the row one (-1 update).
shift = validate.update_time_shift(BERT, {"accumulation_steps": 64})
check(f"shift at a=64: {shift!r} != -8.54702e-3 s", abs(shift + 8.54702e-3) < 1e-8)

cnn = copy.deepcopy(BERT)  # no optimizer recorded, no accumulation in the input: no shift, no error
del cnn["software"]["optimizer"], cnn["inputs"]["single_gpu_throughput"]["accumulation_steps"]
check("CNN (a = a1 = 1) needs no optimizer", validate.update_time_shift(cnn, {"accumulation_steps": 1}) == 0.0)
message = error_of(cnn, {"accumulation_steps": 2})
check(f"missing optimizer reported: {message!r}", message == "/software/optimizer: missing")
bad = copy.deepcopy(BERT)
bad["software"]["optimizer"] = "adagrad"
message = error_of(bad, {"accumulation_steps": 1})
check(f"unknown optimizer reported: {message!r}", message.startswith('/software/optimizer: "adagrad" is not one of lamb'))
bad = copy.deepcopy(BERT)
bad["inputs"]["single_gpu_throughput"]["accumulation_steps"] = 0
message = error_of(bad, {"accumulation_steps": 1})
check(f"bad input accumulation reported: {message!r}",
      message == "/inputs/single_gpu_throughput/accumulation_steps: 0 is not a positive integer")

# A shifted update would be placed before an overlapped exchange: refused (the scenario would be wrong).
real = json.loads((validate.CASES / "nvidia_pytorch_bert_large_seq128_amp_dgxa100_80g.json").read_text())
real["software"]["gradient_exchange"] = {"policy": "ddp"}
try:
    validate.scenario_for(real, {"nodes": 32, "accumulation_steps": 1, "throughput": 1})
    message = ""
except validate.CaseError as e:
    message = str(e)
check(f"overlapped exchange with a shift refused: {message!r}",
      message.startswith("/software/gradient_exchange/policy: an overlapped exchange"))
scenario = validate.scenario_for(json.loads((validate.CASES / "nvidia_pytorch_bert_large_seq128_amp_dgxa100_80g.json")
                                            .read_text()), {"nodes": 32, "accumulation_steps": 1, "throughput": 1})
# 256 samples at 580 samples/s plus 31/32 of one LAMB update on an A100 80GB (8.27992 ms).
check(f"compute time {scenario['workload']['compute_time']!r} != 256 / 580 + 8.27992e-3",
      abs(scenario["workload"]["compute_time"] - (256 / 580 + 8.27992e-3)) < 1e-8)

# A single-GPU input measured on another variant of the GPU: compute scales by the recorded ratio of the
# systems' peaks. TF2 DGX-2H seq 128 AMP at 32 nodes: 2 micro-batches of 60 at 206.5 x 1.05 samples/s
# (0.553469 s) plus (1 - 2/1024) of one LAMB update on a V100 (335,141,888 x 52 B / 900 GB/s = 19.36375 ms).
dgx2h = json.loads((validate.CASES / "nvidia_tf2_bert_large_seq128_amp_dgx2h.json").read_text())
check(f"DGX-2H over DGX-2 ratio {validate.input_speed_ratio(dgx2h)!r} != 1.05",
      validate.input_speed_ratio(dgx2h) == 1.05)
compute = validate.scenario_for(dgx2h, dgx2h["published"][-1])["workload"]["compute_time"]
expected = 120 / (206.5 * 1.05) + 335141888 * 52 / 900e9 * (1 - 2 / 1024)
check(f"DGX-2H compute time {compute!r} != {expected!r}", abs(compute - expected) < 1e-12)
check("no ratio recorded: the input's own speed", validate.input_speed_ratio(BERT) == 1.0)
bad = copy.deepcopy(dgx2h)
bad["inputs"]["single_gpu_throughput"]["system_peak_ratio"]["value"] = -1
try:
    validate.input_speed_ratio(bad)
    message = ""
except validate.CaseError as e:
    message = str(e)
check(f"bad ratio reported: {message!r}",
      message == "/inputs/single_gpu_throughput/system_peak_ratio/value: -1 is not a positive number")

# A published row the source measured on the input's system (TF1 DGX-2H seq 128: its 1-node row repeats
# the single-node DGX-2 table's 16-GPU row) is predicted at the input's speed; the other rows at 1.05.
tf1 = json.loads((validate.CASES / "nvidia_tf_bert_large_seq128_amp_dgx2h.json").read_text())
check("row measured on the input's system: ratio 1",
      validate.input_speed_ratio(tf1, tf1["published"][0]) == 1.0)
check("TF1 DGX-2H rows from 4 nodes: ratio 1.05",
      [validate.input_speed_ratio(tf1, r) for r in tf1["published"][1:]] == [1.05, 1.05, 1.05])
compute = validate.scenario_for(tf1, tf1["published"][0])["workload"]["compute_time"]
# 64 micro-batches of 64 at 188.04 samples/s, no ratio, plus (1 - 64/1024) of one LAMB update on a V100.
expected = 64 * 64 / 188.04 + 335141888 * 52 / 900e9 * (1 - 64 / 1024)
check(f"TF1 DGX-2H 1-node compute {compute!r} != {expected!r}", abs(compute - expected) < 1e-12)
bad = copy.deepcopy(tf1)
bad["published"][2]["measured_on"] = "dgx2"
try:
    validate.input_speed_ratio(bad, bad["published"][2])
    message = ""
except validate.CaseError as e:
    message = str(e)
check(f"bad measured_on reported: {message!r}",
      message == '/published/2/measured_on: "dgx2" is not one of predicted_system, input_system')

# GPU speed spread: sigma = 8 % / (4 IQR of a unit normal = 5.3959) = 0.0148260; one GPU is the median
# GPU; 8 GPUs: the slowest at Blom's z = Phi^-1(7.625 / 8.25) = 1.43420, i.e. 1.0212635, the fastest
# mirrored, mean 1 (the spread moves no GPU's expected speed, only who waits).
check(f"sigma {validate.GPU_SPEED_SIGMA!r} != 0.0148260", abs(validate.GPU_SPEED_SIGMA - 0.0148260) < 1e-7)
check("one GPU runs at the input's speed", validate.gpu_speed_factors(1) == [1.0])
factors = validate.gpu_speed_factors(8)
check(f"slowest of 8 {factors[-1]!r} != 1.0212635", abs(factors[-1] - 1.0212635) < 1e-7)
check(f"fastest of 8 {factors[0]!r} != 0.9787365", abs(factors[0] - 0.9787365) < 1e-7)
check("factors sorted, mean 1", factors == sorted(factors) and abs(sum(factors) / 8 - 1) < 1e-12)
check("the slowest of 256 is slower than the slowest of 8",
      validate.gpu_speed_factors(256)[-1] > factors[-1] + 0.02)
ranks = scenario["stragglers"]["rank_factors"]
check("a 32-node case's scenario gives each of its 256 ranks its factor",
      [e["ranks"] for e in ranks] == [[r] for r in range(256)]
      and [e["factor"] for e in ranks] == validate.gpu_speed_factors(256))

# The allreduce each library runs: NCCL's rings for NCCL cases, the two-level allreduce for the
# TensorFlow parameter servers (gRPC), which move 2(N-1)/N of the gradients per machine.
check(f"an NCCL case runs nccl_ring, not {scenario['algorithm']['collective']!r}",
      scenario["algorithm"]["collective"] == "nccl_ring")
ps_case = json.loads((validate.CASES / "tf_benchmarks_resnet50_bs32_k80_aws_10gbe.json").read_text())
ps_scenario = validate.scenario_for(ps_case, ps_case["published"][-1])
check(f"a parameter-server case runs hierarchical, not {ps_scenario['algorithm']['collective']!r}",
      ps_scenario["algorithm"]["collective"] == "hierarchical")

for failure in failures:
    print(f"FAIL: {failure}", file=sys.stderr)
print("validate.py rules: " + ("ok" if not failures else f"{len(failures)} failure(s)"))
sys.exit(1 if failures else 0)
