#!/usr/bin/env bash
# Quick start: installs the dependencies (Debian 12, as root), builds the
# release binaries and starts the gate on the example policy, with its
# embedded RocksDB ledger under ./data, listening on 127.0.0.1:7575 and on
# the Unix socket ./data/portcullis.sock. Ctrl-C stops it cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DPORTCULLIS_BUILD_TESTS=OFF -DPORTCULLIS_BUILD_BENCH=OFF >/dev/null
cmake --build build/release -j2 --target portcullisd portcullis

mkdir -p data
chmod 0700 data
echo "starting: build/release/server/portcullisd --config examples/gate.yaml --data_dir ./data"
exec build/release/server/portcullisd --config examples/gate.yaml --data_dir ./data
