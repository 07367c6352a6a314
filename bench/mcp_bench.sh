#!/usr/bin/env bash
# MCP gateway benchmark: builds clients/typescript and mcp (`npm ci` from the
# committed lockfiles, then their builds, as tests/node/run.sh does) and runs
# bench/mcp_bench.mjs against a real portcullisd.
# usage: bench/mcp_bench.sh [PORTCULLISD] [-- mcp_bench.mjs options]
#   e.g. bench/mcp_bench.sh build/ci/daemon/portcullisd -- --calls 2000
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

PORTCULLISD=${PORTCULLISD:-$ROOT/build/ci/daemon/portcullisd}
if [[ $# -gt 0 && $1 != -- ]]; then PORTCULLISD=$1; shift; fi
[[ ${1:-} == -- ]] && shift
PORTCULLISD=$(realpath "$PORTCULLISD")
export PORTCULLISD
if [[ ! -x $PORTCULLISD ]]; then
  echo "mcp_bench: no portcullisd at $PORTCULLISD (build it first)" >&2
  exit 1
fi
if (( $(node -p 'process.versions.node.split(".")[0]') < 20 )); then
  echo "mcp_bench: Node 20 or newer is required" >&2
  exit 1
fi
for package in clients/typescript mcp; do
  (cd "$package" && npm ci --no-audit --no-fund --loglevel=error >/dev/null && npm run --silent build >/dev/null)
done
exec node bench/mcp_bench.mjs "$@"
