#!/usr/bin/env python3
"""Writes a small, real PyTorch profiler trace of a few training steps of a small CNN on the CPU: the test
data of dtsim's PyTorch trace importer (sim/scenario/torch_trace_import.cpp).

    /usr/bin/python3 scripts/make_torch_trace.py OUT.json     (Debian's python3-torch 1.13, CPU)

It profiles 3 steps after one skipped and one warm-up step (torch.profiler.schedule(wait=1, warmup=1,
active=3)) with record_shapes=True, and writes every recorded event in the Chrome trace format that
torch.profiler's Kineto exporter writes (`{"schemaVersion": 1, "traceEvents": [{"ph": "X", "cat":
"cpu_op", "name", "pid", "tid", "ts", "dur", "args": {"Input Dims": ...}}]}`). It writes them from the
profiler's own events (name, start, end, thread, input shapes) because Debian's PyTorch is built without
Kineto, and the legacy exporter it falls back to drops the input shapes the importer needs. It prints
the model's parameter shapes, which the importer's test checks against the gradients it reads.
"""
import json
import sys

import torch
import torch.nn as nn


class SmallCnn(nn.Module):
    """LeNet-like: 2 convolutions and 2 linear layers (with biases), 28x28 inputs, 10 classes."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 5)
        self.conv2 = nn.Conv2d(8, 16, 5)
        self.fc1 = nn.Linear(16 * 4 * 4, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
        x = torch.relu(self.fc1(x.flatten(1)))
        return self.fc2(x)


def chrome_event(e):
    event = {"ph": "X", "cat": "user_annotation" if e.name.startswith("ProfilerStep#") else "cpu_op",
             "name": e.name, "pid": 0, "tid": e.thread, "ts": e.time_range.start,
             "dur": e.time_range.end - e.time_range.start, "args": {}}
    if e.input_shapes:
        event["args"]["Input Dims"] = e.input_shapes
    return event


def main(out):
    torch.manual_seed(0)
    torch.set_num_threads(1)
    model = SmallCnn()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    data, labels = torch.randn(32, 1, 28, 28), torch.randint(0, 10, (32,))
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU], record_shapes=True,
                                schedule=torch.profiler.schedule(wait=1, warmup=1, active=3)) as profiler:
        for _ in range(5):
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(data), labels)
            loss.backward()
            optimizer.step()
            profiler.step()
    events = sorted((chrome_event(e) for e in profiler.events()), key=lambda e: (e["ts"], -e["dur"]))
    trace = {"schemaVersion": 1, "traceEvents": events,
             "dtsim_note": f"scripts/make_torch_trace.py: PyTorch {torch.__version__}, CPU, 1 thread, "
                           "SmallCnn, batch 32, SGD momentum 0.9, 3 profiled steps"}
    with open(out, "w") as f:
        json.dump(trace, f, separators=(",", ":"))
        f.write("\n")
    for name, p in model.named_parameters():
        print(name, list(p.shape), p.numel())


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
