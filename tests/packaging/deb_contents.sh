#!/usr/bin/env bash
# CTest: build the .deb package(s) with CPack from the (already built) build tree and inspect them with
# dpkg-deb: the files, the Depends computed from the binary, no CUDA library needed by dtsim itself.
# Installing a .deb needs root: done (then removed) only when this runs as root, else skipped and said.
# Usage: deb_contents.sh BUILD_DIR      Exit 77 (skipped) without dpkg-deb or dpkg-shlibdeps.
set -euo pipefail
build=$(cd "$1" && pwd)
for tool in cpack dpkg-deb dpkg-shlibdeps; do
  command -v "$tool" >/dev/null || { echo "skipped: $tool not found"; exit 77; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work" >"$work/cpack.log" 2>&1 || { cat "$work/cpack.log"; fail cpack; }
deb=$(ls "$work"/dtsim_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || { cat "$work/cpack.log"; fail "no dtsim_*.deb written"; }
echo "$(basename "$deb"): $(du -h "$deb" | cut -f1)"
dpkg-deb -c "$deb" | awk '{print $6}' >"$work/contents.txt"
for f in ./usr/bin/dtsim ./usr/share/dtsim/scenarios/quickstart.json ./usr/share/dtsim/scenarios/catalog.json \
         ./usr/share/dtsim/scenarios/scenario.schema.json ./usr/share/dtsim/scenarios/studies/linear_speedup.json \
         ./usr/share/dtsim/analysis/plot.py ./usr/share/doc/dtsim/copyright ./usr/share/doc/dtsim/CITATION.cff; do
  grep -qx "$f" "$work/contents.txt" || { cat "$work/contents.txt"; fail "$f missing from the .deb"; }
done
if grep -q "cuda" "$work/contents.txt"; then fail "the dtsim .deb carries CUDA files (they belong in dtsim-cuda)"; fi
echo "files: $(grep -cv '/$' "$work/contents.txt") ($(grep -c '^./usr/share/dtsim/scenarios/.*\.json$' "$work/contents.txt") scenario/catalog/schema JSON files)"

depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
echo "Recommends: $(dpkg-deb -f "$deb" Recommends)"
[ "$(dpkg-deb -f "$deb" Package)" = dtsim ] || fail "package name"
for p in libsimgrid3.32 libc6 libstdc++6; do
  grep -q "\b$p\b" <<<"$depends" || fail "Depends lacks $p"
done
if grep -qi "cuda\|cublas" <<<"$depends"; then fail "Depends names a CUDA package: $depends"; fi

# The CUDA module, when built, is its own package that depends on this one.
if [ -e "$build/libdtsim_cuda.so" ]; then
  cuda_deb=$(ls "$work"/dtsim-cuda_*.deb 2>/dev/null | head -1)
  [ -n "$cuda_deb" ] || fail "no dtsim-cuda_*.deb although the module was built"
  dpkg-deb -c "$cuda_deb" | awk '{print $6}' | grep -qx ./usr/lib/dtsim/libdtsim_cuda.so || fail "module missing from dtsim-cuda"
  dpkg-deb -f "$cuda_deb" Depends | grep -q "^dtsim (= " || fail "dtsim-cuda does not depend on dtsim"
  echo "$(basename "$cuda_deb"): $(du -h "$cuda_deb" | cut -f1), Depends: $(dpkg-deb -f "$cuda_deb" Depends)"
fi

if [ "$(id -u)" -eq 0 ] && [ ! -e /usr/bin/dtsim ]; then
  if dpkg -i "$deb" >"$work/dpkg.log" 2>&1; then
    (cd "$work" && /usr/bin/dtsim run /usr/share/dtsim/scenarios/quickstart.json -q) || { dpkg -r dtsim; fail "installed package's quick start"; }
    dpkg -r dtsim >/dev/null
    echo "dpkg -i, quick start from /usr/bin/dtsim, dpkg -r: ok"
  else
    cat "$work/dpkg.log"; fail "dpkg -i"
  fi
else
  echo "install step skipped: needs root and no dtsim already in /usr/bin (uid $(id -u))"
fi
echo "PASS"
