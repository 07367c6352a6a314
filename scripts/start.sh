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
# First start: two principals. The agent calls over TCP with a bearer token;
# you (this uid) approve and operate over the Unix socket, where your uid
# identifies you. Only token hashes are stored.
if [[ ! -f data/principals.json ]]; then
  cli=build/release/cli/portcullis
  echo "== the agent's bearer token (shown once; export it as PORTCULLIS_TOKEN):"
  "$cli" tokens create --principal quickstart-agent --role agent \
    --tenant '*' --principals_file data/principals.json | sed -n 2p
  "$cli" tokens create --principal local-operator \
    --role approver,operator,auditor --tenant '*' --unix_uid "$(id -u)" \
    --principals_file data/principals.json >/dev/null
  echo "== uid $(id -u) is local-operator on unix:data/portcullis.sock"
fi
echo "starting: build/release/server/portcullisd --config examples/gate.yaml --data_dir ./data"
exec build/release/server/portcullisd --config examples/gate.yaml --data_dir ./data
