#!/usr/bin/env bash
# Builds and tests the TypeScript client (clients/typescript) and the MCP
# gateway (mcp) with node's test runner against a real portcullisd:
# `npm ci` from the committed lockfiles, then `npm test` in each.
# usage: tests/node/run.sh [PORTCULLISD]   (default: build/ci/daemon/portcullisd)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)

PORTCULLISD=${1:-${PORTCULLISD:-$ROOT/build/ci/daemon/portcullisd}}
PORTCULLISD=$(realpath "$PORTCULLISD")
export PORTCULLISD
if [[ ! -x $PORTCULLISD ]]; then
  echo "tests/node: no portcullisd at $PORTCULLISD (build it first)" >&2
  exit 1
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "tests/node: node and npm (Node 20 or newer) are required" >&2
  exit 1
fi
if (( $(node -p 'process.versions.node.split(".")[0]') < 20 )); then
  echo "tests/node: Node $(node --version) is too old; 20 or newer is required" >&2
  exit 1
fi

for package in clients/typescript mcp; do
  echo "tests/node: $package"
  (cd "$package" && npm ci --no-audit --no-fund && npm test)
done
echo "tests/node: all passed"
