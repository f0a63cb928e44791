#!/usr/bin/env python3
"""Checks scenarios/scenario.schema.json against dtsim's own parser: every shipped scenario must
validate against the schema, and each bad document below must be rejected by the schema too."""
import json
import pathlib
import sys

import jsonschema

root = pathlib.Path(__file__).resolve().parent.parent
schema = json.loads((root / "scenarios" / "scenario.schema.json").read_text())
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)

failures = 0
shipped = [p for p in sorted((root / "scenarios").glob("*.json"))
           if p.name not in ("catalog.json", "scenario.schema.json")]
for path in shipped:
    errors = list(validator.iter_errors(json.loads(path.read_text())))
    for e in errors:
        print(f"FAIL {path.name}: {e.json_path}: {e.message}")
    failures += bool(errors)

base = json.loads((root / "scenarios" / "quickstart.json").read_text())
bad = {
    "unknown key": ("/network", "bandwith", "10Gbps"),
    "bad unit": ("/network", "bandwidth", "25Gbs"),
    "zero nodes": ("/cluster", "nodes", 0),
    "negative bandwidth": ("/network", "bandwidth", -5),
    "unknown algorithm": ("/algorithm", "name", "gossip"),
    "wrong type": ("/output", "trace", "yes"),
}
for label, (where, key, value) in bad.items():
    doc = json.loads(json.dumps(base))
    node = doc
    for part in where.strip("/").split("/"):
        node = node[part]
    node[key] = value
    if validator.is_valid(doc):
        print(f"FAIL schema accepts a document with {label}")
        failures += 1

print(f"{len(shipped) + len(bad) - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
