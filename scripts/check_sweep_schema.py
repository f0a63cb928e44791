#!/usr/bin/env python3
"""Checks scenarios/sweep.schema.json against dtsim's own sweep reader.

    check_sweep_schema.py --generated DTSIM   `DTSIM schema --sweep` equals the committed file byte for byte
                                              (regenerate: build/dtsim schema --sweep > scenarios/sweep.schema.json)
    check_sweep_schema.py DTSIM               every shipped study validates against the schema, and each bad
                                              sweep below is rejected by the schema and by `DTSIM sweep --list`"""
import copy
import json
import pathlib
import subprocess
import sys
import tempfile

root = pathlib.Path(__file__).resolve().parent.parent
committed_path = root / "scenarios" / "sweep.schema.json"

if len(sys.argv) == 3 and sys.argv[1] == "--generated":
    generated = subprocess.run([sys.argv[2], "schema", "--sweep"], capture_output=True, check=True).stdout
    if generated != committed_path.read_bytes():
        print("FAIL scenarios/sweep.schema.json differs from `dtsim schema --sweep`; regenerate it with "
              "`dtsim schema --sweep > scenarios/sweep.schema.json`")
        sys.exit(1)
    print("scenarios/sweep.schema.json equals `dtsim schema --sweep`")
    sys.exit(0)
if len(sys.argv) != 2:
    sys.exit(__doc__)

import jsonschema  # noqa: E402  (not needed for --generated)

dtsim = sys.argv[1]
schema = json.loads(committed_path.read_text())
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)

failures = 0
studies = sorted((root / "scenarios" / "studies").glob("*.json"))
for path in studies:
    for e in validator.iter_errors(json.loads(path.read_text())):
        print(f"FAIL {path.name}: {e.json_path}: {e.message}")
        failures += 1

quickstart = str(root / "scenarios" / "quickstart.json")
good = {"name": "check", "base": quickstart, "set": {"/run/iterations": 2},
        "axes": [{"pointer": "/cluster/nodes", "values": {"from": 2, "to": 8, "factor": 2}},
                 {"name": "scheme", "labels": ["a", "b"],
                  "zip": [{"pointer": "/network/bandwidth", "values": ["10Gbps", "25Gbps"]},
                          {"pointer": "/network/latency", "values": ["1us", "5us"], "name": "lat"}]}]}


def edited(change):
    doc = copy.deepcopy(good)
    change(doc)
    return doc


bad = {
    "unknown top-level key": edited(lambda d: d.update(axez=[])),
    "no base": edited(lambda d: d.pop("base")),
    "point_outputs not a boolean": edited(lambda d: d.update(point_outputs="yes")),
    "empty name": edited(lambda d: d.update(name="")),
    "set key not a pointer": edited(lambda d: d.update(set={"run/iterations": 2})),
    "axis with pointer and zip": edited(lambda d: d["axes"][0].update(zip=[])),
    "axis without values": edited(lambda d: d["axes"][0].pop("values")),
    "labels without name": edited(lambda d: d["axes"][1].pop("name")),
    "unknown axis key": edited(lambda d: d["axes"][0].update(valuez=[1])),
    "empty values": edited(lambda d: d["axes"][0].update(values=[])),
    "range with step and factor": edited(lambda d: d["axes"][0]["values"].update(step=1)),
    "range without to": edited(lambda d: d["axes"][0]["values"].pop("to")),
    "range factor <= 1": edited(lambda d: d["axes"][0]["values"].update(factor=1)),
    "unknown zip member key": edited(lambda d: d["axes"][1]["zip"][0].update(labels=[])),
}


def dtsim_accepts(doc):
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "sweep.json"
        doc = dict(doc, output_dir=str(pathlib.Path(tmp) / "out")) if isinstance(doc, dict) else doc
        path.write_text(json.dumps(doc))
        run = subprocess.run([dtsim, "sweep", str(path), "--list"], capture_output=True, text=True)
        if run.returncode not in (0, 2):
            print(f"FAIL dtsim sweep --list exited {run.returncode}: {run.stderr}")
        return run.returncode == 0


if not validator.is_valid(good) or not dtsim_accepts(good):
    print("FAIL the good sweep is rejected (schema valid: %s)" % validator.is_valid(good))
    failures += 1
for label, doc in bad.items():
    if validator.is_valid(doc):
        print(f"FAIL the schema accepts a sweep with {label}")
        failures += 1
    if dtsim_accepts(doc):
        print(f"FAIL dtsim accepts a sweep with {label}")
        failures += 1

print(f"{len(studies)} studies validate; {len(bad)} bad sweeps rejected by the schema and by dtsim"
      if not failures else f"{failures} failure(s)")
sys.exit(1 if failures else 0)
