#!/usr/bin/env bash
# The README's tour and the command examples of docs/approvals.md,
# docs/replay.md and docs/operations.md, run as written (tests/tour/doctest.py
# says how blocks are chosen and checked) against a gate that
# scripts/start.sh starts, in a scratch copy of the repository.
#
#   tests/tour/run.sh [BUILD_DIR]      default build/ci; needs portcullis and
#                                      portcullisd built there
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$repo/${1:-build/ci}" && pwd)
for binary in cli/portcullis daemon/portcullisd; do
  [[ -x $build/$binary ]] || { echo "tour: build $build/$binary first" >&2; exit 2; }
done

work=$(mktemp -d /tmp/portcullis-tour.XXXXXX)
stop() {
  if [[ -f $work/data/portcullisd.pid ]]; then
    local pid
    pid=$(cat "$work/data/portcullisd.pid")
    kill "$pid" 2>/dev/null || true
    # Not our child (start.sh started it): wait until it has exited, at
    # most 20 s, so that its last writes (final checkpoints) are done.
    for _ in $(seq 200); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
  fi
  rm -rf "$work"
}
trap stop EXIT
cp -r "$repo/README.md" "$repo/docs" "$repo/examples" "$repo/scripts" "$work/"
cd "$work"

export PATH="$build/cli:$PATH"
# Port 0: the tour uses the Unix socket, and CI may run beside other gates.
PORTCULLIS_BUILD_DIR=$build bash scripts/start.sh --no-build --background \
  -- --listen 127.0.0.1:0 | tee start.out
token=$(grep -o 'pcl_[A-Za-z0-9_-]*' start.out | head -n 1)
[[ -n $token ]] || { echo "tour: start.sh printed no token" >&2; exit 1; }

/usr/bin/python3 "$repo/tests/tour/doctest.py" --cwd "$work" --token "$token" \
  --strict README.md docs/approvals.md docs/replay.md docs/operations.md || {
  echo "tour: the gate's log:" >&2
  cat data/portcullisd.log >&2
  exit 1
}
echo "tour: every documented command ran as written"
