#!/usr/bin/env bash
# Start-up time and resident memory of the gate: builds the release
# binaries, writes a policy of $TENANTS tenants (bench-0 .. bench-N-1, each
# allowing a read tool), starts portcullisd on a fresh synced ledger in a
# temporary directory and reports
#
#   start-up   from launching portcullisd to its "serving on" log line, with
#              an empty ledger (polled every 5 ms, so at most 5 ms late)
#   memory     VmRSS and VmHWM (peak) from /proc after at least $CALLS
#              decisions spread round-robin over the tenants
#
# The gate is stopped and the directory removed on exit. Needs jq.
#
#   bench/memory.sh                        # 1,000,000 decisions, 100 tenants
#   CALLS=100000 TENANTS=10 bench/memory.sh
set -euo pipefail
cd "$(dirname "$0")/.."

CALLS=${CALLS:-1000000}
TENANTS=${TENANTS:-100}
CONCURRENCY=${CONCURRENCY:-64}
ROUND=${ROUND:-30s} # the load generator runs in rounds until CALLS is reached

source bench/lib.sh
build_release portcullisd portcullis portcullis_loadgen
scratch_dir

{
  echo 'policy "memory-bench" version "1"'
  for ((i = 0; i < TENANTS; i++)); do
    cat <<EOF
tenant "bench-$i" {
  rule read-tools "read-only tools are always fine"
    allow when tool.class == "read"
  tool search_catalog {
    class read
    arg query: string
  }
}
EOF
  done
} >"$tmp/bench.policy"

agent_principals

gate_config gate --policy "$tmp/bench.policy" --no-unix

started=$(date +%s%N)
"$bin/daemon/portcullisd" --config "$tmp/gate.yaml" >"$tmp/gate.log" 2>&1 &
gate=$!
pids+=("$gate")
serving=""
for _ in $(seq 2000); do # at most 10 s
  if grep -q "serving on" "$tmp/gate.log"; then
    serving=$(date +%s%N)
    break
  fi
  kill -0 "$gate" 2>/dev/null || break
  sleep 0.005
done
if [[ -z $serving ]]; then
  echo "portcullisd did not start:" >&2
  cat "$tmp/gate.log" >&2
  exit 1
fi
address=$(loopback_address "$tmp/gate.log" "serving on")

rss() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$gate/status"; }
echo "start-up to serving, empty ledger: $(((serving - started) / 1000000)) ms"
echo "after start-up: VmRSS $(($(rss VmRSS) / 1024)) MiB"

done_calls=0
while ((done_calls < CALLS)); do
  report=$(PORTCULLIS_TOKEN=$token "$bin/bench/portcullis_loadgen" \
    --target "$address" --call evaluate-allow --tenants "$TENANTS" \
    --concurrency "$CONCURRENCY" --duration "$ROUND" --warmup 0s --json)
  done_calls=$((done_calls + $(jq -r '.calls | tonumber' <<<"$report")))
  echo "$done_calls decisions; VmRSS $(($(rss VmRSS) / 1024)) MiB," \
    "$(jq -r '.throughput' <<<"$report") calls/s"
done

echo "after $done_calls decisions over $TENANTS tenants:" \
  "VmRSS $(($(rss VmRSS) / 1024)) MiB, peak VmHWM $(($(rss VmHWM) / 1024)) MiB"
