#!/usr/bin/env bash
# The approval console's tests (console/test, node:test): the in-browser
# action digest against docs/action-digest-vectors.json, and the console in
# headless Chromium (Debian's `chromium`, driven by playwright-core from npm)
# against a real portcullisd built with -DPORTCULLIS_BUILD_CONSOLE=ON.
# Screenshots of the queue, a request and the monitor go to
# BUILD/console-screenshots.
# usage: tests/console/run.sh [BUILD]   (default: build/ci)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
BUILD=$(realpath "${1:-build/ci}")

export PORTCULLISD=$BUILD/daemon/portcullisd
export CONSOLE_SCREENSHOTS=$BUILD/console-screenshots
export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [[ ! -x $PORTCULLISD ]]; then
  echo "tests/console: no portcullisd at $PORTCULLISD (build it first)" >&2
  exit 1
fi
if ! grep -q "^PORTCULLIS_BUILD_CONSOLE:BOOL=ON" "$BUILD/CMakeCache.txt"; then
  echo "tests/console: $BUILD was configured without -DPORTCULLIS_BUILD_CONSOLE=ON" >&2
  exit 1
fi
if [[ ! -x $CHROMIUM ]]; then
  echo "tests/console: no Chromium at $CHROMIUM (scripts/install-deps.sh installs Debian's chromium)" >&2
  exit 1
fi
# The agent side of the tests is the TypeScript client (tests/node/run.sh
# builds it; build it here when it has not been).
if [[ ! -f clients/typescript/dist/src/index.js ]]; then
  (cd clients/typescript && npm ci --no-audit --no-fund && npm run build)
fi
cd "$ROOT/console"
npm ci --no-audit --no-fund
npm test
echo "tests/console: all passed (screenshots in $CONSOLE_SCREENSHOTS)"
