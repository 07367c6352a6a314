#!/usr/bin/env bash
# Overload (issue 15, item 5): how the gate behaves past its capacity.
# Builds the release binaries, starts portcullisd on a fresh synced ledger
# in a temporary directory (examples/commerce.policy, metrics on), then
#
#   1. measures the no-op floor and the gate's capacity: closed loop,
#      $C calls in flight, evaluate-allow, $CAPACITY_DURATION;
#   2. for each factor in $FACTORS, offers factor x capacity open loop
#      (calls on a fixed schedule, each with a $DEADLINE deadline) for
#      $DURATION and reports goodput (answered OK, as % of capacity),
#      refusals (RESOURCE_EXHAUSTED) and their latency from sending, late
#      calls (DEADLINE_EXCEEDED), and the gate's peak RSS over the phase
#      (VmHWM, reset before each phase through /proc/PID/clear_refs);
#   3. checks that no decision was recorded for a caller that had given
#      up: the decisions the gate recorded in the phase (its
#      portcullis_decisions_total, which counts only recorded ones) against
#      the calls the load generator saw answered OK, warm-up included.
#   4. prints the server's own figures after each phase, from /metrics:
#      refusals answered within 10 ms of their arrival
#      (portcullis_admission_refusal_seconds) and decisions recorded after
#      the caller's deadline (portcullis_decisions_after_deadline_total),
#      free of the load generator falling behind on the same cores.
#
# The gate is stopped and the directory removed on exit. Needs jq and
# curl. Not part of CI.
#
#   bench/overload.sh                         # 60 s at 2x and 4x capacity
#   DURATION=20s nice bench/overload.sh       # shorter
#   FACTORS="2" DURATION=10s bench/overload.sh
#   PIN=1 chrt -f 50 bench/overload.sh        # see below
#
# PIN=1 gives the gate (and the no-op server) every core but the last and
# the load generator the last one (taskset), so that on a small machine
# the generator's own work does not take the gate's CPU: capacity is then
# the gate's on the cores it has. GATE_CPU=F (with PIN=1, as root, cgroup
# v1's cpu controller) also caps the gate at F of its core (CFS bandwidth,
# 10 ms periods), so that a generator on one core can offer 4x the gate's
# capacity; run the script under `chrt -f 50` and the gate is started
# without it (a real-time task ignores the cap).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-60s}
DEADLINE=${DEADLINE:-5s}
FACTORS=${FACTORS:-2 4}
C=${C:-64}
CAPACITY_DURATION=${CAPACITY_DURATION:-10s}
# Extra lines for the gate's configuration, e.g. limits.
YAML_EXTRA=${YAML_EXTRA:-}

source bench/lib.sh
server_cpus=() client_cpus=()
if [[ ${PIN:-0} == 1 ]]; then
  last=$(($(nproc) - 1))
  ((last >= 1)) || { echo "PIN=1 needs at least 2 cores" >&2; exit 2; }
  server_cpus=(taskset -c "0-$((last - 1))")
  client_cpus=(taskset -c "$last")
fi
build_release portcullisd portcullis portcullis_loadgen portcullis_noop_server
scratch_dir
agent_principals

gate_config gate --no-unix --metrics --extra "$YAML_EXTRA"
gate_sched=()
if [[ -n ${GATE_CPU:-} ]]; then
  [[ ${PIN:-0} == 1 ]] || { echo "GATE_CPU needs PIN=1" >&2; exit 2; }
  group=/sys/fs/cgroup/cpu/portcullis-overload-$$
  mkdir "$group"
  echo 10000 >"$group/cpu.cfs_period_us"
  awk -v f="$GATE_CPU" 'BEGIN { printf "%d\n", f * 10000 }' \
    >"$group/cpu.cfs_quota_us"
  gate_sched=(chrt -o 0) # SCHED_OTHER: the cap does not bind real time
fi
"${server_cpus[@]}" "${gate_sched[@]}" "$bin/daemon/portcullisd" \
  --config "$tmp/gate.yaml" >"$tmp/gate.log" 2>&1 &
gate=$!
pids+=("$gate")
if [[ -n ${GATE_CPU:-} ]]; then
  echo "$gate" >"$group/cgroup.procs"
  trap 'stop_scratch; rmdir "$group"' EXIT
fi
await_line "$gate" "$tmp/gate.log" "serving on"
address=$(loopback_address "$tmp/gate.log" "serving on")
metrics=$(grep -o "HTTP listener on http://127\.0\.0\.1:[0-9]*" "$tmp/gate.log" |
  sed 's/.* on //')/metrics
"${server_cpus[@]}" "$bin/bench/portcullis_noop_server" --listen 127.0.0.1:0 \
  >"$tmp/noop.log" 2>&1 &
pids+=($!)
await_line "${pids[-1]}" "$tmp/noop.log" "listening on"
noop=$(loopback_address "$tmp/noop.log" "listening on")

# Decisions the gate recorded (allow, deny, pending), from its metrics.
recorded() {
  curl -sf "$metrics" |
    awk '/^portcullis_decisions_total\{/ && !/outcome="error"/ { n += $NF }
         END { printf "%d\n", n }'
}
refused_total() {
  curl -sf "$metrics" |
    awk '/^portcullis_admission_refused_total/ { n += $NF }
         END { printf "%d\n", n }'
}
# The server's own view (cumulative since the gate started): refusals
# answered within 10 ms of arriving, out of all refusals
# (portcullis_admission_refusal_seconds), their mean, and decisions recorded
# for a caller whose deadline had passed when recording began
# (portcullis_decisions_after_deadline_total; 0 by construction).
server_side() {
  curl -sf "$metrics" |
    awk '/^portcullis_admission_refusal_seconds_bucket\{le="0.01"\}/ { fast = $NF }
         /^portcullis_admission_refusal_seconds_count/ { n = $NF }
         /^portcullis_admission_refusal_seconds_sum/ { sum = $NF }
         /^portcullis_decisions_after_deadline_total/ { late = $NF }
         END { printf "server side: %d of %d refusals answered within 10 ms (mean %.3f ms); decisions recorded after the deadline: %d\n", fast, n, (n > 0 ? sum * 1000 / n : 0), late }'
}
hwm_mib() { awk '$1 == "VmHWM:" { print int($2 / 1024) }' "/proc/$gate/status"; }
loadgen() {
  PORTCULLIS_TOKEN=$token "${client_cpus[@]}" "$bin/bench/portcullis_loadgen" \
    --json "$@"
}

echo "load average $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores" \
  "${server_cpus[*]:+(gate: ${server_cpus[*]}${GATE_CPU:+ capped at $GATE_CPU of a core}; load generator: ${client_cpus[*]})}"
floor=$(loadgen --target "$noop" --call noop --concurrency "$C" \
  --duration "$CAPACITY_DURATION" --warmup 1s | jq -r '.throughput | floor')
report=$(loadgen --target "$address" --call evaluate-allow \
  --concurrency "$C" --duration "$CAPACITY_DURATION" --warmup 2s)
capacity=$(jq -r '.throughput | floor' <<<"$report")
echo "no-op floor: $floor calls/s; capacity (closed loop, $C in flight):" \
  "$capacity calls/s, p99 $(jq -r '.latency.p99' <<<"$report");" \
  "RSS peak $(hwm_mib) MiB"

status=0
for factor in $FACTORS; do
  rate=$((capacity * factor))
  echo 5 >"/proc/$gate/clear_refs" # VmHWM starts again from VmRSS
  before=$(recorded)
  refused_before=$(refused_total)
  report=$(loadgen --target "$address" --call evaluate-allow --rate "$rate" \
    --duration "$DURATION" --warmup 2s --call_timeout "$DEADLINE" \
    --overload) || {
    echo "${factor}x: the load generator saw errors:" >&2
    jq -r '.first_error' <<<"$report" >&2
    status=1
  }
  after=$(recorded)
  gate_refused=$(($(refused_total) - refused_before))
  served_all=$(jq -r '.servedAll | tonumber' <<<"$report")
  late_recorded=$((after - before - served_all))
  jq -r --arg factor "$factor" --argjson capacity "$capacity" \
    --arg hwm "$(hwm_mib)" --arg late_recorded "$late_recorded" \
    --arg gate_refused "$gate_refused" '
    "\($factor)x (\(.offeredRate | floor) calls/s offered, open loop): goodput \(.goodput | floor)/s = \(.goodput * 100 / $capacity | floor)% of capacity; " +
    "\(.calls) served in time, \(.refused | tonumber) refused (gate: \($gate_refused)), \(.late | tonumber) late, \(.errors | tonumber) errors; " +
    "served p50 \(.latency.p50) p99 \(.latency.p99); refusals p50 \(.refusalLatency.p50) p99 \(.refusalLatency.p99) max \(.refusalLatency.max); " +
    "peak RSS \($hwm) MiB; decisions recorded for callers that had given up: \($late_recorded)"' \
    <<<"$report"
  server_side
  if ((late_recorded > 0)); then status=1; fi
done
exit "$status"
