#!/usr/bin/env bash
# README command 1: install what is missing, build, and run the quick-start scenario.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
./build/dtsim run scenarios/quickstart.json "$@"
