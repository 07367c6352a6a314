#!/usr/bin/env bash
# Installs the dependencies (Debian 12, as root), builds everything once and
# runs every test: the Catch2 suites (ctest, which also runs the Python
# client tests) and a short libFuzzer run of the policy compiler. CI calls
# this through .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

# One build, with clang: it gives -Wthread-safety analysis and libFuzzer.
BUILD=build/ci
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++-14 -DPORTCULLIS_BUILD_FUZZ=ON >/dev/null
cmake --build "$BUILD" -j2

ctest --test-dir "$BUILD" --output-on-failure -j2 --timeout 300

if [[ -x "$BUILD/tests/fuzz/policy_compiler_fuzz" ]]; then
  bash tests/fuzz/run.sh "$BUILD" "${FUZZ_SECONDS:-60}"
fi
echo "test.sh: all tests passed"
