#!/usr/bin/env bash
# README command 1: install what is missing, build only the simulator (tests are built by
# scripts/test.sh), and run the quick-start scenario.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh dtsim
./build/dtsim run scenarios/quickstart.json "$@"
