#!/usr/bin/env bash
# The gate against the no-op gRPC floor, from outside the process: builds
# the release binaries, starts portcullisd on examples/commerce.policy (a
# fresh ledger in a temporary directory) and portcullis_noop_server, then
# runs portcullis_loadgen for each call over TCP and the Unix socket:
#
#   saturation   closed loop, $CONCURRENCY calls in flight: throughput
#   one caller   closed loop, 1 call in flight: latency without queueing
#   open loop    $RATE calls/s on schedule: latency counted from each call's
#                scheduled time, so a stall cannot hide (coordinated omission)
#
# and prints one table with the gate/floor ratios. Both servers are stopped
# and the directory removed on exit. Needs jq.
#
#   bench/run.sh                       # about 4 minutes after the build
#   DURATION=3s WARMUP=1s bench/run.sh # a quick look
#   PORTCULLISD=/tmp/old/portcullisd bench/run.sh  # another build of the gate
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
CONCURRENCY=${CONCURRENCY:-16}
RATE=${RATE:-200}

source bench/lib.sh
build_release portcullisd portcullis portcullis_loadgen portcullis_noop_server
scratch_dir

# The agent calls over TCP with a bearer token, and over the Unix socket as
# this uid.
agent_principals
# The cycle's approver: a principal that may call Approve, and alice's key,
# registered as an owner of al-noor, that signs each approval.
approver_token=$("$bin/cli/portcullis" tokens create \
  --principal bench-approver --role approver --tenant al-noor \
  --principals_file "$tmp/principals.json" | sed -n 2p)
"$bin/cli/portcullis" keys generate --out "$tmp/alice" >/dev/null

gate_config gate --extra "approvers:
  - id: alice
    publicKey: $(cat "$tmp/alice.pub")
    roles: [owner]
    tenants: [al-noor]"

start_gate gate "${PORTCULLISD:-$bin/daemon/portcullisd}"
start_noop
gate_tcp=$gate_address
noop_tcp=$noop_address

# load <target> <call> <loadgen flags...>: one run's LoadReport (JSON).
# Stops the script when a call fails or decides otherwise than expected.
load() {
  local target=$1 call=$2 report
  shift 2
  local args=(--target "$target" --call "$call" --duration "$DURATION"
    --warmup "$WARMUP" --json "$@")
  if [[ $call == cycle ]]; then
    args+=(--approver_id alice --approver_key "$tmp/alice.key")
  fi
  # Over the Unix socket the uid identifies the caller: no token.
  report=$(
    [[ $target == unix:* ]] || export PORTCULLIS_TOKEN=$token
    export PORTCULLIS_APPROVER_TOKEN=$approver_token
    exec "$bin/bench/portcullis_loadgen" "${args[@]}"
  ) || {
    echo "failed: portcullis_loadgen ${args[*]}: $report" >&2
    return 1
  }
  echo "$report"
}

us() { jq -r "$1 | rtrimstr(\"s\") | tonumber * 1e6 | floor"; }

echo "portcullisd $gate_tcp, unix:$tmp/gate.sock; no-op floor $noop_tcp," \
  "unix:$tmp/noop.sock"
echo "each run: $WARMUP warm-up, then $DURATION; $(nproc) cores," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '\n%-9s %-15s %12s %6s | %9s %9s %6s | %9s %9s %9s\n' \
  transport call "c=$CONCURRENCY/s" ratio "c=1 p50" "c=1 p99" ratio \
  "${RATE}/s p50" p99 p99.9
for transport in tcp unix; do
  if [[ $transport == tcp ]]; then
    gate=$gate_tcp floor=$noop_tcp
  else
    gate=unix:$tmp/gate.sock floor=unix:$tmp/noop.sock
  fi
  floor_saturation=$(load "$floor" noop --concurrency "$CONCURRENCY")
  floor_single=$(load "$floor" noop --concurrency 1)
  for call in noop evaluate-allow evaluate-deny cycle; do
    if [[ $call == noop ]]; then
      saturation=$floor_saturation single=$floor_single
      open=$(load "$floor" noop --rate "$RATE")
    else
      saturation=$(load "$gate" "$call" --concurrency "$CONCURRENCY")
      single=$(load "$gate" "$call" --concurrency 1)
      open=$(load "$gate" "$call" --rate "$RATE")
    fi
    throughput=$(jq -r '.throughput | floor' <<<"$saturation")
    floor_throughput=$(jq -r '.throughput' <<<"$floor_saturation")
    p50=$(us .latency.p50 <<<"$single")
    floor_p50=$(us .latency.p50 <<<"$floor_single")
    printf '%-9s %-15s %12s %6.2f | %7sus %7sus %6.2f | %7sus %7sus %7sus\n' \
      "$transport" "$call" "$throughput" \
      "$(jq -n "$throughput / $floor_throughput")" \
      "$p50" "$(us .latency.p99 <<<"$single")" \
      "$(jq -n "$p50 / $floor_p50")" \
      "$(us .latency.p50 <<<"$open")" "$(us .latency.p99 <<<"$open")" \
      "$(us .latency.p999 <<<"$open")"
  done
done
echo
echo "ratio: gate/floor; throughput (higher is better), then c=1 p50"
echo "latency (lower is better). Every call's outcome was checked. A cycle"
echo "is three calls (Evaluate, Approve, Execute) against one of the floor's."
