#!/usr/bin/env bash
# Installs the Debian packages dtsim needs, only those missing (idempotent). Used by both README
# commands and by .ci/run. Extra packages may be named as arguments (scripts/test-clang.sh: clang).
set -euo pipefail

packages=(
  build-essential cmake pkg-config file
  libsimgrid-dev libeigen3-dev libboost-graph-dev nlohmann-json3-dev doctest-dev zlib1g-dev libcli11-dev
  libspectra-dev
  libjemalloc-dev
  dataset-fashion-mnist
  python3 python3-matplotlib python3-jsonschema
  parallel
  "$@"
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
