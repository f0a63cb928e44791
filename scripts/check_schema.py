#!/usr/bin/env python3
"""Checks scenarios/scenario.schema.json against dtsim's own parser: every shipped scenario must
validate against the schema, and each bad document below must be rejected by the schema too.

With --generated DTSIM: only checks that `DTSIM schema` (the schema generated from the declarations
the reader uses) equals the committed file byte for byte; regenerate it with
    build/dtsim schema > scenarios/scenario.schema.json"""
import json
import pathlib
import subprocess
import sys

root = pathlib.Path(__file__).resolve().parent.parent

if len(sys.argv) == 3 and sys.argv[1] == "--generated":
    generated = subprocess.run([sys.argv[2], "schema"], capture_output=True, check=True).stdout
    committed = (root / "scenarios" / "scenario.schema.json").read_bytes()
    if generated != committed:
        print("FAIL scenarios/scenario.schema.json differs from `dtsim schema`; regenerate it with "
              "`dtsim schema > scenarios/scenario.schema.json`")
        sys.exit(1)
    print("scenarios/scenario.schema.json equals `dtsim schema`")
    sys.exit(0)

import jsonschema  # noqa: E402  (not needed for --generated)

schema = json.loads((root / "scenarios" / "scenario.schema.json").read_text())
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)

failures = 0
shipped = [p for p in sorted((root / "scenarios").glob("*.json"))
           if p.name != "catalog.json" and not p.name.endswith(".schema.json")]
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

# With the dtsim binary: the schema's name lists must equal the registries' (which dtsim prints in its
# "allowed:" error lines), so adding an algorithm without updating the schema fails here.
checked_lists = 0
if len(sys.argv) > 1:
    def registry_names(pointer, extra=()):
        args = [sys.argv[1], "validate", str(root / "scenarios" / "quickstart.json")]
        for e in list(extra) + [pointer + "=no-such-name"]:
            args += ["--set", e]
        err = subprocess.run(args, capture_output=True, text=True).stderr
        line = next(l for l in err.splitlines() if l.startswith("error: " + pointer + ":"))
        return sorted(x.strip().strip('"') for x in line.split("allowed: ")[1].split(","))

    props = schema["properties"]
    lists = {
        "/algorithm/name": (props["algorithm"]["properties"]["name"]["enum"], ()),
        "/algorithm/collective": (props["algorithm"]["properties"]["collective"]["enum"], ()),
        "/network/topology": (props["network"]["properties"]["topology"]["enum"], ()),
        "/algorithm/graph/name": (props["algorithm"]["properties"]["graph"]["properties"]["name"]["enum"],
                                  ("/algorithm/name=dsgd",)),
    }
    for pointer, (enum, extra) in lists.items():
        checked_lists += 1
        names = registry_names(pointer, extra)
        if sorted(enum) != names:
            print(f"FAIL schema enum at {pointer} is {sorted(enum)} but dtsim registers {names}")
            failures += 1

    # The resolved scenarios (`dtsim validate` output, derived keys and "$schema" included) validate too:
    # a result's own scenario can be edited against the schema and rerun.
    for path in shipped:
        resolved = json.loads(subprocess.run([sys.argv[1], "validate", str(path)], capture_output=True,
                                             text=True, check=True).stdout)
        resolved["$schema"] = "scenario.schema.json"
        for e in validator.iter_errors(resolved):
            print(f"FAIL resolved {path.name}: {e.json_path}: {e.message}")
            failures += 1
        checked_lists += 1

print(f"{len(shipped) + len(bad) + checked_lists - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
