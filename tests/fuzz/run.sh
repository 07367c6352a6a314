#!/usr/bin/env bash
# Builds the policy compiler fuzzer with clang in its own build directory
# and runs it for SECONDS (default 30). Exits non-zero when libFuzzer finds
# a crash, a leak, a timeout or an out-of-memory; the reproducer is written
# under $BUILD/fuzz-artifacts/.
#
# Usage: tests/fuzz/run.sh [SECONDS]
# Environment: PORTCULLIS_FUZZ_BUILD_DIR (default: <repo>/build-fuzz),
#              CXX (default: clang++-14).
set -euo pipefail

seconds="${1:-30}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${PORTCULLIS_FUZZ_BUILD_DIR:-$root/build-fuzz}"
cxx="${CXX:-clang++-14}"

cmake -S "$root" -B "$build" -G Ninja \
  -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link" \
  -DPORTCULLIS_SANITIZE=ON \
  -DPORTCULLIS_BUILD_FUZZ=ON \
  -DPORTCULLIS_BUILD_BENCH=OFF >/dev/null
ninja -C "$build" -j2 policy_compile_fuzzer

# libFuzzer adds what it learns to the first corpus directory: keep that in
# the build tree and read the checked-in seeds from the second.
corpus="$build/fuzz-corpus/policy"
artifacts="$build/fuzz-artifacts/"
mkdir -p "$corpus" "$artifacts"

"$build/tests/fuzz/policy_compile_fuzzer" \
  -max_total_time="$seconds" \
  -max_len=8192 \
  -timeout=10 \
  -rss_limit_mb=2048 \
  -print_final_stats=1 \
  -dict="$root/tests/fuzz/policy.dict" \
  -artifact_prefix="$artifacts" \
  "$corpus" "$root/tests/fuzz/corpus/policy"
