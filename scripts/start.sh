#!/usr/bin/env bash
# Quick start: installs the dependencies (Debian 12, as root), builds the
# release binaries and starts the gate on the example policy, with its
# embedded RocksDB ledger under ./data, listening on 127.0.0.1:7575 and on
# the Unix socket ./data/portcullis.sock.
#
#   scripts/start.sh                  build, then serve in the foreground
#                                     (Ctrl-C stops it cleanly)
#   scripts/start.sh --background     ... return once the gate serves; its
#                                     log is data/portcullisd.log, and
#                                     kill "$(cat data/portcullisd.pid)"
#                                     stops it
#   scripts/start.sh --no-build ...   use binaries already built in
#                                     $PORTCULLIS_BUILD_DIR (default
#                                     build/release); nothing is installed
#   scripts/start.sh ... -- ARGS      pass ARGS on to portcullisd
#                                     (e.g. -- --listen 127.0.0.1:0)
#
# The README's tour runs against exactly this (tests/tour/run.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

background=0
build=1
while (($#)); do
  case "$1" in
    --background) background=1 ;;
    --no-build) build=0 ;;
    --) shift; break ;;
    *) echo "usage: scripts/start.sh [--background] [--no-build] [-- PORTCULLISD_ARGS]" >&2
       exit 2 ;;
  esac
  shift
done
BUILD=${PORTCULLIS_BUILD_DIR:-build/release}
cli=$BUILD/cli/portcullis
daemon=$BUILD/daemon/portcullisd

if ((build)); then
  bash scripts/install-deps.sh
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DPORTCULLIS_BUILD_TESTS=OFF -DPORTCULLIS_BUILD_BENCH=OFF \
    -DPORTCULLIS_BUILD_CONSOLE="$(command -v npm >/dev/null && echo ON || echo OFF)" >/dev/null
  cmake --build "$BUILD" -j2 --target portcullisd portcullis
  # `portcullis` on PATH, for the README's commands: a link in
  # /usr/local/bin when we may write there and nothing else is there.
  link=/usr/local/bin/portcullis
  if [[ -w /usr/local/bin && ( ! -e $link || -L $link ) ]]; then
    ln -sfn "$PWD/$cli" "$link"
    echo "== portcullis is on PATH: $link -> $PWD/$cli"
  fi
fi
if ! command -v portcullis >/dev/null; then
  echo "== put portcullis on PATH: export PATH=\"$PWD/$BUILD/cli:\$PATH\""
fi

mkdir -p data
chmod 0700 data
# First start: two principals. The agent calls with a bearer token; you
# (this uid) approve and operate over the Unix socket, where your uid
# identifies you. Only token hashes are stored.
if [[ ! -f data/principals.json ]]; then
  echo "== the agent's bearer token (shown once; the agent sends it, see the README's tour):"
  "$cli" tokens create --principal quickstart-agent --role agent \
    --tenant '*' --agent_ids support-bot \
    --principals_file data/principals.json | sed -n 2p
  "$cli" tokens create --principal local-operator \
    --role approver,operator,auditor --tenant '*' --unix_uid "$(id -u)" \
    --principals_file data/principals.json >/dev/null
  echo "== uid $(id -u) is local-operator on unix:data/portcullis.sock"
fi

run=("$daemon" --config examples/gate.yaml --data_dir ./data "$@")
echo "starting: ${run[*]}"
if ((!background)); then
  exec "${run[@]}"
fi
touch data/portcullisd.log
from=$(($(stat -c %s data/portcullisd.log) + 1))
"${run[@]}" >>data/portcullisd.log 2>&1 &
pid=$!
echo "$pid" >data/portcullisd.pid
# Serving once this start logs "serving"; give up after a minute, or at once
# if the gate stopped (a bad configuration, a ledger another gate holds).
serving() { tail -c "+$from" data/portcullisd.log | grep -q ' INFO serving'; }
for _ in $(seq 600); do
  serving && break
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "the gate did not start; data/portcullisd.log says:" >&2
    tail -c "+$from" data/portcullisd.log | tail -n 20 >&2
    exit 1
  fi
  sleep 0.1
done
if ! serving; then
  echo "the gate did not start serving within a minute; see data/portcullisd.log" >&2
  exit 1
fi
echo "== the gate is running (pid $pid), log data/portcullisd.log; stop it with: kill \"\$(cat data/portcullisd.pid)\""
