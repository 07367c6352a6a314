# shellcheck shell=bash disable=SC2034  # $bin, $tmp and $pids are for the caller
# Shared by the scripts in bench/ (sourced, from the repository root): the
# release build, a scratch directory whose servers are stopped on exit, and
# waiting for a server to come up.

# build_release TARGET...: configures build/release (benchmarks on, tests
# off), builds the targets and sets $bin to the build directory. With BIN
# set to a build directory that has them (e.g. BIN=$PWD/build/ci), uses
# that one as it is instead: nothing is configured or built.
build_release() {
  if [[ -n ${BIN:-} ]]; then
    bin=$BIN
    return
  fi
  cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DPORTCULLIS_BUILD_TESTS=OFF -DPORTCULLIS_BUILD_BENCH=ON >/dev/null
  cmake --build build/release -j2 --target "$@" >/dev/null
  bin=$PWD/build/release
}

# scratch_dir: a temporary directory in $tmp. On exit every process whose
# pid is in $pids is stopped and the directory removed.
scratch_dir() {
  tmp=$(mktemp -d)
  pids=()
  trap stop_scratch EXIT
}
stop_scratch() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}

# agent_principals: registers the benchmark's agent in
# $tmp/principals.json twice: over TCP with a bearer token, which is left
# in $token (never printed, never in argv), and over the Unix socket as
# this uid. Needs $bin (build_release) and $tmp (scratch_dir).
agent_principals() {
  token=$("$bin/cli/portcullis" tokens create --principal bench \
    --role agent --tenant '*' --agent_ids '*' \
    --principals_file "$tmp/principals.json" |
    sed -n 2p)
  "$bin/cli/portcullis" tokens create --principal bench-local --role agent \
    --tenant '*' --agent_ids '*' --unix_uid "$(id -u)" \
    --principals_file "$tmp/principals.json" >/dev/null
}

# await_line PID LOG PATTERN: waits (at most 10 s) until LOG shows a line
# matching PATTERN; fails, showing the log, if process PID exits first.
await_line() {
  local pid=$1 log=$2 pattern=$3
  for _ in $(seq 100); do
    if grep -qs "$pattern" "$log"; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "not serving: $log" >&2
  cat "$log" >&2
  return 1
}

# loopback_address LOG WORDS: the 127.0.0.1:PORT that follows WORDS in LOG
# ("serving on" for portcullisd, "listening on" for the no-op server).
loopback_address() {
  grep -o "$2 127\.0\.0\.1:[0-9]*" "$1" | sed "s/$2 //"
}

# gate_config NAME [OPTION...]: writes $tmp/NAME.yaml, the configuration
# the benchmarks start portcullisd with: examples/commerce.policy, the
# principals of agent_principals, a synced ledger in $tmp/data-NAME, TCP on
# a loopback port the gate picks, and the Unix socket $tmp/NAME.sock.
#   --policy FILE       another policy
#   --no-unix           no Unix socket
#   --metrics           the HTTP listener (/metrics) on a loopback port
#   --durability MODE   DURABILITY_SYNC (the default) or DURABILITY_PROCESS
#   --extra YAML        appended as it is (nothing when empty)
gate_config() {
  local name=$1 policy=$PWD/examples/commerce.policy unix=1 metrics=0
  local durability=DURABILITY_SYNC extra=""
  shift
  while (($# > 0)); do
    case $1 in
    --policy) policy=$2 && shift 2 ;;
    --no-unix) unix=0 && shift ;;
    --metrics) metrics=1 && shift ;;
    --durability) durability=$2 && shift 2 ;;
    --extra) extra=$2 && shift 2 ;;
    *) echo "gate_config: unknown option $1" >&2 && return 2 ;;
    esac
  done
  {
    echo "policy: $policy"
    echo "principalsFile: $tmp/principals.json"
    echo "dataDir: $tmp/data-$name"
    echo "listen:"
    echo "  tcpAddress: 127.0.0.1:0"
    if ((unix)); then
      echo "  unixSocket: $tmp/$name.sock"
    else
      echo "  disableUnixSocket: true"
    fi
    echo "ledger:"
    echo "  durability: $durability"
    if ((metrics)); then
      echo "observability:"
      echo "  httpAddress: 127.0.0.1:0"
    fi
    if [[ -n $extra ]]; then printf '%s\n' "$extra"; fi
  } >"$tmp/$name.yaml"
}

# start_gate NAME [COMMAND...]: starts the gate on $tmp/NAME.yaml
# (gate_config) with its log in $tmp/NAME.log, stopped on exit; COMMAND,
# when given, is run instead of $bin/daemon/portcullisd (another build).
# Waits until it serves, then sets gate_pid, gate_address (its
# 127.0.0.1:PORT) and, when it has the HTTP listener (--metrics),
# gate_metrics (its /metrics URL; empty otherwise).
start_gate() {
  local name=$1
  shift
  local command=("$@")
  if ((${#command[@]} == 0)); then command=("$bin/daemon/portcullisd"); fi
  "${command[@]}" --config "$tmp/$name.yaml" >"$tmp/$name.log" 2>&1 &
  gate_pid=$!
  pids+=("$gate_pid")
  await_line "$gate_pid" "$tmp/$name.log" "serving on"
  gate_address=$(loopback_address "$tmp/$name.log" "serving on")
  gate_metrics=$(grep -o "HTTP listener on http://127\.0\.0\.1:[0-9]*" \
    "$tmp/$name.log" | sed 's/.* on //' || true)
  if [[ -n $gate_metrics ]]; then gate_metrics+=/metrics; fi
}

# start_noop: starts portcullis_noop_server, the floor, on a loopback port
# and on $tmp/noop.sock, stopped on exit; waits until it listens, then sets
# noop_pid and noop_address (its 127.0.0.1:PORT). NOOP_API=callback serves
# it through gRPC's callback API, as the gate serves its calls (the default,
# sync, is the floor the targets are set against).
start_noop() {
  "$bin/bench/portcullis_noop_server" --listen 127.0.0.1:0 \
    --unix "$tmp/noop.sock" --api "${NOOP_API:-sync}" >"$tmp/noop.log" 2>&1 &
  noop_pid=$!
  pids+=("$noop_pid")
  await_line "$noop_pid" "$tmp/noop.log" "listening on unix:"
  noop_address=$(loopback_address "$tmp/noop.log" "listening on")
}
