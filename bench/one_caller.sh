#!/usr/bin/env bash
# One caller, one decision at a time (issue 22, part 5): where an Evaluate
# spends its time beyond the no-op floor and the disk's sync. Starts
# portcullisd (a fresh synced ledger, examples/commerce.policy, metrics on)
# and portcullis_noop_server, then, round after round so that all three
# see the same moment of the machine:
#
#   1. the no-op floor, one call in flight;
#   2. Evaluate (allow), one call in flight, with the gate's own figures
#      for those calls from /metrics (means: the handler, the ledger
#      append with its queueing, the group commit's synced write);
#      and each of its threads' CPU per call, by thread name;
#   3. portcullis_fsync_probe on the gate's data directory: 4 KiB appended
#      and fdatasync'd, as the write-ahead log is for one decision.
#
# and prints, per round, the gap the issue sets a target for:
#   gate p50 - floor p50 - fsync p50   (target: at most 50 us)
#
#   bench/one_caller.sh
#   ROUNDS=5 DURATION=5s TRANSPORT=unix bench/one_caller.sh
#   BIN=$PWD/build/ci bench/one_caller.sh    # an existing build, as it is
#
# ROUNDS (3), DURATION (5s, after a 1 s warm-up), TRANSPORT (tcp or unix),
# SYNCS (2000, the fsync probe's appends). Needs jq and curl.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
TRANSPORT=${TRANSPORT:-tcp}
SYNCS=${SYNCS:-2000}

source bench/lib.sh
build_release portcullis portcullisd portcullis_loadgen \
  portcullis_noop_server portcullis_fsync_probe
scratch_dir
agent_principals

gate_config gate --metrics
start_gate gate
metrics=$gate_metrics
start_noop
if [[ $TRANSPORT == unix ]]; then
  floor_target=unix:$tmp/noop.sock gate_target=unix:$tmp/gate.sock
else
  floor_target=$noop_address gate_target=$gate_address
fi

# one_call TARGET CALL PID: the LoadReport JSON of one closed-loop run with
# one call in flight.
one_call() {
  PORTCULLIS_TOKEN=$token "$bin/bench/portcullis_loadgen" --target "$1" \
    --call "$2" --concurrency 1 --duration "$DURATION" --warmup 1s \
    --server_pid "$3" --json
}
# p50_us REPORT: the report's p50 in microseconds.
p50_us() { jq -r '.latency.p50 | rtrimstr("s") | tonumber * 1e6' <<<"$1"; }
# sums: "evaluate_sum evaluate_count append_sum append_count sync_sum
# sync_count" from the gate's metrics, cumulative.
sums() {
  curl -sf "$metrics" | awk '
    /^portcullis_evaluate_duration_seconds_sum/ { es = $NF }
    /^portcullis_evaluate_duration_seconds_count/ { ec = $NF }
    /^portcullis_ledger_append_duration_seconds_sum/ { as = $NF }
    /^portcullis_ledger_append_duration_seconds_count/ { ac = $NF }
    /^portcullis_ledger_sync_duration_seconds_sum/ { ss = $NF }
    /^portcullis_ledger_sync_duration_seconds_count/ { sc = $NF }
    END { print es, ec, as, ac, ss, sc }'
}

# thread_cpu PID: "name|ticks" per thread name of PID (user + system time,
# in clock ticks, the threads of one name summed).
thread_cpu() {
  for stat in /proc/"$1"/task/*/stat; do
    sed -E 's/^[0-9]+ \((.*)\) [A-Za-z] (([^ ]+ ){10})([0-9]+) ([0-9]+).*/\1|\4 \5/' \
      "$stat" 2>/dev/null || true
  done | awk -F'|' '{ split($2, t, " "); sum[$1] += t[1] + t[2] }
                    END { for (k in sum) print k "|" sum[k] }'
}
# threads_per_call BEFORE AFTER CALLS: the gate's threads that used CPU
# between the two thread_cpu listings, busiest first, in us per call.
threads_per_call() {
  awk -F'|' -v calls="$3" -v hz="$(getconf CLK_TCK)" '
    NR == FNR { before[$1] = $2; next }
    { used = $2 - before[$1]; if (used > 0) cpu[$1] = used }
    END {
      for (k in cpu) printf "%s %.0f\n", k, cpu[k] * 1e6 / hz / calls
    }' <(echo "$1") <(echo "$2") | sort -k2 -nr -t' ' |
    awk '{ line = line sep $0 " us"; sep = ", " } END { print line }'
}

echo "one call in flight, $TRANSPORT, $DURATION per run; load average" \
  "$(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
for round in $(seq "$ROUNDS"); do
  floor=$(one_call "$floor_target" noop "$noop_pid")
  before=$(sums)
  threads_before=$(thread_cpu "$gate_pid")
  gate=$(one_call "$gate_target" evaluate-allow "$gate_pid")
  threads_after=$(thread_cpu "$gate_pid")
  after=$(sums)
  fsync=$("$bin/bench/portcullis_fsync_probe" --dir "$tmp/data-gate" \
    --count "$SYNCS" --json)
  awk -v round="$round" -v floor="$(p50_us "$floor")" \
    -v gate="$(p50_us "$gate")" -v fsync="$(jq -r .p50Us <<<"$fsync")" \
    -v floor_cpu="$(jq -r .serverCpuPerCallUs <<<"$floor")" \
    -v gate_cpu="$(jq -r .serverCpuPerCallUs <<<"$gate")" \
    -v before="$before" -v after="$after" 'BEGIN {
      split(before, b); split(after, a)
      n = a[2] - b[2]
      handler = n > 0 ? (a[1] - b[1]) * 1e6 / n : 0
      append_ = (a[4] - b[4]) > 0 ? (a[3] - b[3]) * 1e6 / (a[4] - b[4]) : 0
      sync_ = (a[6] - b[6]) > 0 ? (a[5] - b[5]) * 1e6 / (a[6] - b[6]) : 0
      printf "round %d: floor p50 %.0f us, gate p50 %.0f us, fsync p50 %.0f us;" \
        " gap beyond floor and fsync %.0f us (target <= 50)\n",
        round, floor, gate, fsync, gate - floor - fsync
      printf "  gate, mean per call: handler %.0f us = ledger append %.0f us" \
        " (of which the synced group write %.0f us) + the rest %.0f us;" \
        " server CPU per call %.0f us (floor %.0f us)\n",
        handler, append_, sync_, handler - append_, gate_cpu, floor_cpu
    }'
  calls=$(jq -r '.calls | tonumber' <<<"$gate")
  echo "  gate threads, CPU per call (warm-up included):" \
    "$(threads_per_call "$threads_before" "$threads_after" "$calls")"
done
