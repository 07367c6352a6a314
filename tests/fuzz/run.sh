#!/usr/bin/env bash
# Builds the libFuzzer targets with clang, ASan and UBSan (undefined
# behaviour aborts: -fno-sanitize-recover) in their own build directory and
# runs each for SECONDS (default 15) from its committed seed corpus:
#
#   policy_compile_fuzzer  the policy compiler and evaluator
#   request_fuzzer         request decoding and validation (Evaluate, Execute)
#   ledger_entry_fuzzer    the ledger's stored-entry decoder
#   approval_fuzzer        signed approval statements (Approve)
#   receipt_fuzzer         execution receipt verification
#   config_fuzzer          the configuration loader (YAML, JSON)
#
# Exits non-zero when libFuzzer finds a crash, a leak, a timeout, an
# out-of-memory or a sanitizer report; the reproducer is written under
# $BUILD/fuzz-artifacts/<target>/. Every file under tests/fuzz/corpus/<target
# corpus>/ is also replayed first, so a committed regression input fails
# the run until its bug is fixed.
#
# Usage: tests/fuzz/run.sh [SECONDS] [TARGET...]   (SECONDS 0: build only)
# Environment: PORTCULLIS_FUZZ_BUILD_DIR (default: <repo>/build-fuzz),
#              CXX (default: clang++-14).
set -euo pipefail

seconds="${1:-15}"
shift || true
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${PORTCULLIS_FUZZ_BUILD_DIR:-$root/build-fuzz}"
cxx="${CXX:-clang++-14}"
here="$root/tests/fuzz"

# target:corpus directory:dictionary (empty: none):max input length
all_targets=(
  "policy_compile_fuzzer:policy:policy.dict:8192"
  "request_fuzzer:request:request.dict:4096"
  "ledger_entry_fuzzer:ledger_entry::2048"
  "approval_fuzzer:approval:request.dict:2048"
  "receipt_fuzzer:receipt:request.dict:2048"
  "config_fuzzer:config:config.dict:4096"
)
selected=()
for spec in "${all_targets[@]}"; do
  if [[ $# -eq 0 ]] || [[ " $* " == *" ${spec%%:*} "* ]]; then
    selected+=("$spec")
  fi
done
if [[ ${#selected[@]} -eq 0 ]]; then
  echo "fuzz: no target matches: $*" >&2
  exit 2
fi

launcher=()
if command -v ccache >/dev/null && [[ -z "${CCACHE_DISABLE:-}" ]]; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -S "$root" -B "$build" -G Ninja \
  -DCMAKE_CXX_COMPILER="$cxx" \
  "${launcher[@]}" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link" \
  -DPORTCULLIS_SANITIZE=address,undefined \
  -DPORTCULLIS_BUILD_FUZZ=ON \
  -DPORTCULLIS_BUILD_BENCH=OFF >/dev/null
nice ninja -C "$build" -j2 "${selected[@]%%:*}"
if [[ "$seconds" == 0 ]]; then exit 0; fi

export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"

for spec in "${selected[@]}"; do
  IFS=: read -r target corpus_name dict max_len <<<"$spec"
  seeds="$here/corpus/$corpus_name"
  # libFuzzer adds what it learns to the first corpus directory: keep that
  # in the build tree and read the checked-in seeds from the second.
  corpus="$build/fuzz-corpus/$corpus_name"
  artifacts="$build/fuzz-artifacts/$target/"
  mkdir -p "$corpus" "$artifacts"
  dict_args=()
  [[ -n "$dict" ]] && dict_args=(-dict="$here/$dict")
  echo "fuzz: $target for ${seconds} s" >&2
  "$build/tests/fuzz/$target" \
    -max_total_time="$seconds" \
    -max_len="$max_len" \
    -timeout=10 \
    -rss_limit_mb=2048 \
    -print_final_stats=1 \
    "${dict_args[@]}" \
    -artifact_prefix="$artifacts" \
    "$corpus" "$seeds"
done
echo "fuzz: ${#selected[@]} target(s) ran ${seconds} s each without a finding" >&2
