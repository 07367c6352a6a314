#!/usr/bin/env bash
# Two builds of the gate side by side against the no-op floor: starts both
# portcullisd binaries (each on a fresh ledger in one temporary directory,
# examples/commerce.policy) and portcullis_noop_server, then runs
# portcullis_loadgen against floor, A and B in turn, round after round, so
# that all three see the same moment of a noisy machine. Needs jq.
#
#   A=/tmp/old/portcullisd B=build/release/daemon/portcullisd bench/ab.sh
#   C=128 ROUNDS=2 TRANSPORTS=tcp A=... B=... bench/ab.sh
#
# C calls in flight (16), ROUNDS (3), TRANSPORTS ("unix tcp"), CALL
# (evaluate-allow or evaluate-deny), DURATION (4s) after a 1 s warm-up,
# DURABILITY (DURABILITY_SYNC or DURABILITY_PROCESS). Each run prints the
# CPU per call of the server (s) and of the load generator (c) over the
# measured window.
#
# A_YAML_EXTRA and B_YAML_EXTRA are appended to each side's configuration,
# so one binary can be compared with itself under two settings; e.g. the
# cost of metrics (issue 18), metrics on in B only:
#
#   B_YAML_EXTRA=$'observability:\n  httpAddress: 127.0.0.1:0' C=64 \
#     A=build/release/daemon/portcullisd B=build/release/daemon/portcullisd \
#     bench/ab.sh
set -euo pipefail
cd "$(dirname "$0")/.."
: "${A:?set A to a portcullisd binary}" "${B:?set B to a portcullisd binary}"
C=${C:-16}
ROUNDS=${ROUNDS:-3}
TRANSPORTS=${TRANSPORTS:-unix tcp}
CALL=${CALL:-evaluate-allow}
DURATION=${DURATION:-4s}
DURABILITY=${DURABILITY:-DURABILITY_SYNC}

source bench/lib.sh
build_release portcullis portcullis_loadgen portcullis_noop_server
scratch_dir

agent_principals

declare -A tcp pid
for gate in a b; do
  extra=${A_YAML_EXTRA:-}
  [[ $gate == b ]] && extra=${B_YAML_EXTRA:-}
  gate_config "$gate" --durability "$DURABILITY" --extra "$extra"
  binary=$A
  [[ $gate == b ]] && binary=$B
  start_gate "$gate" "$binary"
  pid[$gate]=$gate_pid
  tcp[$gate]=$gate_address
done
start_noop
pid[noop]=$noop_pid
tcp[noop]=$noop_address

# run <target> <call> <server pid>: "throughput p50 p99 cpu/call" of one
# closed-loop run; CPU per call in microseconds, the server's (s) and the
# load generator's (c), over the measured window.
run() {
  PORTCULLIS_TOKEN=$token "$bin/bench/portcullis_loadgen" --target "$1" \
    --call "$2" --concurrency "$C" --duration "$DURATION" --warmup 1s \
    --server_pid "$3" --json |
    jq -r '"\(.throughput | floor)/s p50 \(.latency.p50) p99 \(.latency.p99)" +
      " cpu/call s \(.serverCpuPerCallUs | floor)us c \(.clientCpuPerCallUs | floor)us"'
}

echo "A=$A${A_YAML_EXTRA:+ (+config)} B=$B${B_YAML_EXTRA:+ (+config)};" \
  "$C in flight, $CALL, $DURABILITY; load average" \
  "$(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$ROUNDS"); do
  for transport in $TRANSPORTS; do
    if [[ $transport == unix ]]; then
      floor=unix:$tmp/noop.sock a=unix:$tmp/a.sock b=unix:$tmp/b.sock
    else
      floor=${tcp[noop]} a=${tcp[a]} b=${tcp[b]}
    fi
    echo "round $round $transport: floor $(run "$floor" noop "${pid[noop]}")" \
      "| A $(run "$a" "$CALL" "${pid[a]}") | B $(run "$b" "$CALL" "${pid[b]}")"
  done
done
