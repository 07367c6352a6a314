#!/usr/bin/env bash
# Builds the approval console's script for the gate to embed (http/CMakeLists.txt,
# PORTCULLIS_BUILD_CONSOLE=ON): `npm ci` from the committed lockfile when
# node_modules is missing or older than it, then esbuild.
# usage: console/build.sh OUT.js
set -euo pipefail
out=$(realpath -m "${1:?usage: console/build.sh OUT.js}")
cd "$(dirname "$0")"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "console/build.sh: node and npm (Node 20 or newer) are required; or configure with -DPORTCULLIS_BUILD_CONSOLE=OFF" >&2
  exit 1
fi
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
mkdir -p "$(dirname "$out")"
node build.mjs "$out"
