#!/usr/bin/env bash
# Restart time against ledger size (issue 15, item 4): builds a ledger of
# $ENTRIES entries (bench/startup_bench.cc says what is in it) in a scratch
# directory, then times start-up on it, each time in a fresh process:
#
#   with snapshots       what portcullisd does: open, check, load each
#                        tenant's state snapshot, replay the tail after it
#                        (none, then 999 entries per tenant appended)
#   snapshots dropped    the state snapshots deleted first: a full replay of
#                        every entry within the recovery windows
#
# Each line splits wall and CPU time into store open (RocksDB alone, the
# no-op floor), ledger open and gate recovery. Then the cost of one
# snapshot write per tenant. The directory is removed
# on exit unless KEEP=1. CHECK=1 also requires the state a full replay
# rebuilds after the tail (slow: a full replay).
#
#   bench/startup.sh                              # 1,000,000 entries
#   ENTRIES=10000000 bench/startup.sh
#   BIN=build/ci ENTRIES=200000 bench/startup.sh  # an existing build
set -euo pipefail
cd "$(dirname "$0")/.."

ENTRIES=${ENTRIES:-1000000}
TENANTS=${TENANTS:-4}
DAYS=${DAYS:-90}

source bench/lib.sh
if [[ -n ${BIN:-} ]]; then
  bin=$PWD/$BIN
  cmake --build "$bin" -j2 --target startup_bench >/dev/null
else
  build_release startup_bench
fi
scratch_dir
if [[ ${KEEP:-} == 1 ]]; then trap - EXIT; echo "ledger kept in $tmp/data"; fi
bench=$bin/bench/startup_bench
dir=$tmp/data

"$bench" --dir="$dir" --build --entries="$ENTRIES" --tenants="$TENANTS" \
  --days="$DAYS"
du -sh "$dir"
"$bench" --dir="$dir" --measure
# The longest tail a start-up replays with the default checkpoint interval.
"$bench" --dir="$dir" --append_tail=999
"$bench" --dir="$dir" --measure ${CHECK:+--check}
"$bench" --dir="$dir" --measure
"$bench" --dir="$dir" --snapshot_cost
"$bench" --dir="$dir" --measure --drop_snapshots
