#!/usr/bin/env bash
# What the gate's own CPU pays for an Evaluate it refuses at admission
# (RESOURCE_EXHAUSTED, issue 15 item 5), against one it serves: the
# breakdown behind the overload goodput that bench/overload.sh measures.
#
# Where the gate's CPU is what limits it (this 2-core VM, with the load
# generator beside it), offered k times its capacity C it can serve only
#   S = C (a - k r) / (a - r)
# with a and r its CPU per served and per refused call; where it has cores
# to spare (its serial commit path is the limit, as on bigger machines) it
# serves C as long as C (a + (k - 1) r) fits in them. Starts two gates on
# fresh synced ledgers (examples/commerce.policy): one as configured, and
# one that admits a single decision at a time, and measures
#
#   a   served: CPU per call at $C in flight (closed loop, the capacity run)
#   a1  served alone: CPU per call at one in flight, on the second gate
#   r   refused: the second gate offered $RATE and then 2 x $RATE calls/s
#       open loop (both far past what it admits): the CPU the second run
#       took beyond the first, less what its extra served calls cost (a1
#       each), per extra refusal
#
# then prints the goodput the formula gives at 2x and 4x, and the cores the
# second form needs, for the gate alone and with the load generator's own
# CPU per call sent (g) beside it. CPU is user + system time of every gate thread, read
# from /proc by the load generator over each window. Needs jq.
#
#   bench/refusal_cost.sh
#   RATE=8000 DURATION=10s BIN=$PWD/build/ci bench/refusal_cost.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-5s}
RATE=${RATE:-4000}
C=${C:-64}

source bench/lib.sh
build_release portcullisd portcullis portcullis_loadgen
scratch_dir
agent_principals

gate_config served --no-unix
gate_config refused --no-unix --extra $'limits:\n  maxInFlightDecisions: 1'
declare -A pid address
for g in served refused; do
  start_gate "$g"
  pid[$g]=$gate_pid
  address[$g]=$gate_address
done
loadgen() {
  PORTCULLIS_TOKEN=$token "$bin/bench/portcullis_loadgen" --json "$@"
}
# A google.protobuf.Duration in JSON ("0.410s") in microseconds.
us() { jq -r "$1 | rtrimstr(\"s\") | tonumber * 1e6"; }

echo "load average $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
served=$(loadgen --target "${address[served]}" --call evaluate-allow \
  --concurrency "$C" --duration "$DURATION" --warmup 1s \
  --server_pid "${pid[served]}")
alone=$(loadgen --target "${address[refused]}" --call evaluate-allow \
  --concurrency 1 --duration "$DURATION" --warmup 1s \
  --server_pid "${pid[refused]}")
offer() {
  loadgen --target "${address[refused]}" --call evaluate-allow \
    --rate "$1" --duration "$DURATION" --warmup 1s --call_timeout 5s \
    --overload --server_pid "${pid[refused]}" || true
}
low=$(offer "$RATE")
high=$(offer $((RATE * 2)))

capacity=$(jq -r '.throughput' <<<"$served")
generator=$(us .clientCpu <<<"$high")
a=$(jq -r '.serverCpuPerCallUs' <<<"$served")
a1=$(jq -r '.serverCpuPerCallUs' <<<"$alone")
cpu=$(($(us .serverCpu <<<"$high" | cut -d. -f1) - $(us .serverCpu <<<"$low" | cut -d. -f1)))
calls=$(($(jq -r '.calls | tonumber' <<<"$high") - $(jq -r '.calls | tonumber' <<<"$low")))
refused=$(($(jq -r '.refused | tonumber' <<<"$high") - $(jq -r '.refused | tonumber' <<<"$low")))
sent=$(jq -r '(.calls | tonumber) + (.refused | tonumber) + (.late | tonumber) + (.errors | tonumber)' <<<"$high")
((refused > 0)) || { echo "no more refused at $((RATE * 2)) calls/s than at $RATE" >&2; exit 1; }
awk -v capacity="$capacity" -v a="$a" -v a1="$a1" -v cpu="$cpu" \
  -v calls="$calls" -v refused="$refused" -v c="$C" -v rate="$RATE" \
  -v generator="$generator" -v sent="$sent" '
  BEGIN {
    r = (cpu - calls * a1) / refused
    g = generator / sent  # the load generator, per call sent
    printf "served at %d in flight: %.0f calls/s, a = %.1f us of gate CPU per call\n", c, capacity, a
    printf "served alone: a1 = %.1f us per call\n", a1
    printf "offered %d/s, then %d/s, to a gate admitting one at a time: %+d served, %+d refused; r = %.1f us per refusal (%.0f%% of a); the load generator spent %.1f us per call it sent\n", rate, 2 * rate, calls, refused, r, 100 * r / a, g
    for (k = 2; k <= 4; k *= 2) {
      s = r < a ? (a - k * r) / (a - r) : 0
      printf "%dx, CPU-bound: goodput %.0f%% of capacity; with cores to spare the gate needs %.2f cores to serve capacity (%.2f at 1x), %.2f with the load generator beside it\n", k, (s > 0 ? s : 0) * 100, capacity * (a + (k - 1) * r) / 1e6, capacity * a / 1e6, capacity * (a + (k - 1) * r + k * g) / 1e6
    }
  }'
