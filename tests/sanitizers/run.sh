#!/usr/bin/env bash
# Builds the ledger, gate and server test binaries with sanitizers in their
# own build directories (at -O1) and runs them:
#
#   asan  AddressSanitizer + UndefinedBehaviorSanitizer, every case of
#         ledger_test, gate_test, server_test and the services' suites
#         (identity_test, codec_test, config_test, connectors_test) through
#         ctest. Undefined
#         behaviour aborts (-fno-sanitize-recover=undefined), as does any
#         ASan report or leak.
#   tsan  ThreadSanitizer on the cases tagged [concurrency] of ledger_test
#         and gate_test (the ledger's commit thread and group commit,
#         approvals and their waiters, policy reload), with absl_tsan_shim.cc
#         linked in, after the shim's own check (tsan_shim_test.cc: clean
#         handovers stay clean, real races are reported).
#
# Usage: tests/sanitizers/run.sh [asan|tsan|all]   (default: all)
# Environment: PORTCULLIS_SANITIZE_BUILD_DIR (default: <repo>/build-sanitize;
#              the trees are its asan/ and tsan/ subdirectories),
#              CXX (default: clang++-14), JOBS (default: 2),
#              TSAN_SUITES (default: "ledger_test gate_test").
# Exits non-zero on the first failing test or sanitizer report.
set -euo pipefail

which="${1:-all}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
base="${PORTCULLIS_SANITIZE_BUILD_DIR:-$root/build-sanitize}"
cxx="${CXX:-clang++-14}"
jobs="${JOBS:-2}"
here="$root/tests/sanitizers"

launcher=()
if command -v ccache >/dev/null && [[ -z "${CCACHE_DISABLE:-}" ]]; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

# configure DIR SANITIZERS: -O1 keeps the sanitizers' reports readable and
# the tests fast enough; benchmarks and fuzzers are not built.
configure() {
  cmake -S "$root" -B "$1" -G Ninja \
    -DCMAKE_CXX_COMPILER="$cxx" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
    -DPORTCULLIS_SANITIZE="$2" \
    -DPORTCULLIS_BUILD_BENCH=OFF \
    -DPORTCULLIS_BUILD_FUZZ=OFF \
    "${launcher[@]}" >/dev/null
}

# Runs a step and reports its wall time and the CPU time of what it ran
# (on a busy machine the CPU time over the core count is the better guide
# to how long it takes on an idle one).
timed() {
  local start=$SECONDS
  TIMEFORMAT="sanitizers: $1 ${2:-}: cpu user %U s, sys %S s"
  time "$@"
  echo "sanitizers: $1 ${2:-}: wall $((SECONDS - start)) s" >&2
}

run_asan() {
  local build="$base/asan"
  timed configure "$build" "address,undefined"
  timed nice cmake --build "$build" -j"$jobs" --target ledger_test gate_test server_test \
    identity_test codec_test config_test connectors_test
  export ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1:detect_odr_violation=0"
  export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$here/ubsan.supp"
  export LSAN_OPTIONS="suppressions=$here/lsan.supp:print_suppressions=0"
  # A case that fails on timing alone (the instrumented binaries run several
  # times slower on a loaded machine) gets one more run; a sanitizer report
  # in any run, the first included, still fails the step.
  local log="$build/ctest-output.log"
  local status=0
  timed ctest --test-dir "$build" --output-on-failure -j"$jobs" --timeout 600 \
    --repeat until-pass:2 -R '^(ledger_test|gate_test|server_test|identity_test|codec_test|config_test|connectors_test):' \
    2>&1 | tee "$log" || status=$?
  if grep -Eq 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$log"; then
    echo "sanitizers: a sanitizer reported an error (see above)" >&2
    return 1
  fi
  return "$status"
}

# expect_tsan_report NAME BINARY ARGS...: BINARY must be stopped by a
# ThreadSanitizer report (exit code non-zero and a "WARNING:
# ThreadSanitizer" line).
expect_tsan_report() {
  local name="$1" log
  shift
  log="$(mktemp)"
  if "$@" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "sanitizers: tsan: $name: expected a ThreadSanitizer report, got none" >&2
    return 1
  fi
  if ! grep -q '^WARNING: ThreadSanitizer:' "$log"; then
    cat "$log" >&2
    rm -f "$log"
    echo "sanitizers: tsan: $name: failed without a ThreadSanitizer report" >&2
    return 1
  fi
  echo "sanitizers: tsan: $name: reported, as expected ($(grep -m1 '^SUMMARY' "$log"))" >&2
  rm -f "$log"
}

# The shim's own check (tests/sanitizers/tsan_shim_test.cc): data handed over
# by every Abseil primitive is clean with the shim; each real race is still
# reported with it; and without it a correctly locked access is reported (if
# that ever stops, Debian's Abseil annotates itself and the shim, which would
# then annotate twice, must go).
check_tsan_shim() {
  local dir="$1" name
  echo "sanitizers: tsan shim: [tsan_clean] with the shim, no report expected" >&2
  "$dir/tsan_shim_test" "[tsan_clean]" --warn NoTests
  while IFS= read -r name; do
    [[ -n "$name" ]] || continue
    expect_tsan_report "with the shim, '$name'" "$dir/tsan_shim_test" "$name"
  done < <("$dir/tsan_shim_test" --list-test-names-only "[tsan_race]")
  expect_tsan_report "without the shim, a correctly locked write" \
    "$dir/tsan_noshim_test" "Writes under one absl::Mutex do not race"
}

# TSAN_SUITES: the test binaries whose [concurrency] cases run (default:
# ledger_test gate_test). server_test can be added, but is not clean yet:
# gRPC hands memory between its threads through its own uninstrumented
# atomics, which TSan reports (docs/security.md).
run_tsan() {
  local build="$base/tsan"
  local suites
  read -r -a suites <<<"${TSAN_SUITES:-ledger_test gate_test}"
  timed configure "$build" "thread"
  timed nice cmake --build "$build" -j"$jobs" \
    --target tsan_shim_test tsan_noshim_test "${suites[@]}"
  export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:history_size=4:suppressions=$here/tsan.supp"
  timed check_tsan_shim "$build/tests/sanitizers"
  local t
  for t in "${suites[@]}"; do
    echo "sanitizers: tsan $t [concurrency]" >&2
    timed "$build/tests/${t%_test}/$t" "[concurrency]" --warn NoTests
  done
}

case "$which" in
  asan) run_asan ;;
  tsan) run_tsan ;;
  all) run_asan; run_tsan ;;
  *) echo "usage: $0 [asan|tsan|all]" >&2; exit 2 ;;
esac
echo "sanitizers: $which passed" >&2
