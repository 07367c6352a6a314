#!/usr/bin/env bash
# Installs everything Portcullis needs to build, run and test, from Debian 12's
# own packages. Idempotent: safe to run again; apt-get skips what is present.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git ca-certificates
  # the fixed stack
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev librocksdb-dev libsodium-dev libssl-dev catch2
  # RE2 for policy regular expressions; yaml-cpp for YAML configuration files
  libre2-dev libyaml-cpp-dev
  # libcurl for HTTP connectors
  libcurl4-openssl-dev
  # the operators' HTTP listener (/metrics, /healthz, /readyz)
  libcpp-httplib-dev
  # benchmarks
  libbenchmark-dev
  # real gRPC clients in tests and examples
  python3 python3-grpcio python3-protobuf
  # the real Prometheus server that scrapes a gate in tests/http
  prometheus
  # the Python client signs approvals with Ed25519 (clients/python)
  python3-nacl
  # certificates for the TLS tests
  openssl
  # clang: libFuzzer and sanitizers
  clang-14 libclang-rt-14-dev
)

# The activity stream (issue 18): a real rsyslog receives what
# `portcullis activity tail --syslog_address` forwards (tests/cli,
# rsyslog:activity_tail; it is started by the test, never as a service).
packages+=(
  rsyslog
)

# Shared limit counters (issue 20): hiredis for shared_state/, and a real
# redis-server that tests/shared_state starts on a loopback port (never as
# a service).
packages+=(libhiredis-dev redis-server)

# --- Approval console (issue 19): its browser tests drive Debian's headless
# Chromium with playwright-core (tests/console/run.sh).
packages+=(chromium)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null; then
    SUDO=sudo
  else
    echo "install-deps: missing ${missing[*]}; run as root" >&2
    exit 1
  fi
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
${SUDO:-} apt-get update -qq
${SUDO:-} apt-get install -y -qq --no-install-recommends "${missing[@]}"
