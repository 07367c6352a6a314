#!/usr/bin/env bash
# Validates deploy/kubernetes offline (docs/kubernetes.md): `npm ci` from the
# committed lockfile, then node:test. No cluster, no network beyond npm.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
npm test
