#!/usr/bin/env bash
# One caller under the profiler (issue 22, part 5): where the gate's CPU
# goes per Evaluate, beside the no-op floor's per call. Starts portcullisd
# (a fresh ledger, examples/commerce.policy) and portcullis_noop_server
# served through gRPC's callback API, as the gate serves its calls; runs
# one closed-loop call in flight against each while `perf record` samples
# the server with DWARF call graphs over the whole run; then prints the
# server CPU per call of each part of the call path (the handler, the
# ledger, RocksDB's write, the reply, wake-ups...) for both, and the
# difference: what the gate adds to a call beyond the floor's.
#
# At one call in flight nothing overlaps, so CPU added per call is latency
# added per call, less what runs on the other core meanwhile (the state
# snapshot thread).
#
#   bench/one_caller_profile.sh                         # without the sync
#   DURABILITY=DURABILITY_SYNC bench/one_caller_profile.sh
#   BIN=$PWD/build/ci bench/one_caller_profile.sh       # an existing build
#
# DURABILITY (DURABILITY_PROCESS: no sync, so that nothing of the disk's is
# counted; DURABILITY_SYNC as deployed), DURATION (5s after a 1 s
# warm-up), FREQUENCY (2999 samples per second). perf inflates the CPU per
# call by a quarter or more; the shares are what to read. Needs perf
# (Debian's linux-perf, with kernel.perf_event_paranoid at most 1), jq
# and Debian's /usr/bin/python3. Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
DURABILITY=${DURABILITY:-DURABILITY_PROCESS}
DURATION=${DURATION:-5s}
FREQUENCY=${FREQUENCY:-2999}

source bench/lib.sh
build_release portcullis portcullisd portcullis_loadgen portcullis_noop_server
scratch_dir
agent_principals
gate_config gate --no-unix --durability "$DURABILITY"
start_gate gate
NOOP_API=callback start_noop

# profile NAME TARGET CALL PID: one run with one call in flight, the whole
# of it under perf; leaves $tmp/NAME.txt (perf script) and prints the
# load generator's server CPU per call.
profile() {
  local seconds=$((${DURATION%s} + 2))
  perf record -q -F "$FREQUENCY" -g --call-graph dwarf,16384 -p "$4" \
    -o "$tmp/$1.data" -- sleep "$seconds" 2>/dev/null &
  local perf_pid=$!
  local report
  report=$(PORTCULLIS_TOKEN=$token "$bin/bench/portcullis_loadgen" \
    --target "$2" --call "$3" --concurrency 1 --duration "$DURATION" \
    --warmup 1s --server_pid "$4" --json)
  wait "$perf_pid"
  perf script -i "$tmp/$1.data" -F comm,tid,ip,sym >"$tmp/$1.txt" 2>/dev/null
  echo "$1: $(jq -r '"p50 \(.latency.p50), \(.throughput | floor)/s"' \
    <<<"$report") under perf" >&2
  jq -r '.serverCpuPerCallUs' <<<"$report"
}

echo "one call in flight, $DURABILITY, $DURATION per run; load average" \
  "$(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
gate_cpu=$(profile gate "$gate_address" evaluate-allow "$gate_pid")
floor_cpu=$(profile floor "$noop_address" noop "$noop_pid")
/usr/bin/python3 bench/perf_per_call.py \
  --profile "$tmp/gate.txt:$gate_cpu" --profile "$tmp/floor.txt:$floor_cpu"
