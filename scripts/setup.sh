#!/usr/bin/env bash
# Installs every build and test dependency from Debian 12 packages. Idempotent:
# packages already present are skipped, so a second run costs one dpkg query.
# --extra also installs what the CI's extra stages need beyond the suite:
# clang and its libFuzzer runtime (scripts/fuzz.sh), clang-tidy and
# clang-format (scripts/lint.sh). The sanitizer runtimes
# of gcc (libasan8, libubsan1, libtsan2) come with build-essential.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  # gRPC / Protobuf / Abseil toolchain (the fixed stack)
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler libabsl-dev
  # google.rpc / google.api protos and grpc.health.v1 proto, compiled at build time
  golang-github-gogo-googleapis-dev grpc-proto
  # upstream HTTP engine; OpenSSL (JWT signing, TLS); Prometheus metrics
  libcurl4-openssl-dev libssl-dev prometheus-cpp-dev openssl
  # the gateway's malloc (tcmalloc_minimal: ~20% less CPU per call than glibc's)
  libgoogle-perftools-dev
  # shared state across replicas: hiredis (the client) and redis-server (tests)
  libhiredis-dev redis-server
  # JSON: nlohmann/json (parsing upstream answers, the stand-in)
  nlohmann-json3-dev
  # the upstream stand-in's HTTP server (cpp-httplib)
  libcpp-httplib-dev
  # tests
  libgtest-dev libgmock-dev
  # audio fixtures generated at test time (service/audio tests)
  sox libsox-fmt-mp3 ffmpeg
  # manifest checks (tests/deploy), Python client and schema tools
  python3 python3-yaml python3-grpcio python3-protobuf
  # tooling used by scripts and tests
  curl procps
)
if [ "${1:-}" = "--extra" ]; then
  # libFuzzer: clang, and libclang-rt-14-dev (only a Recommends of clang,
  # which --no-install-recommends would skip) for -fsanitize=fuzzer; the
  # lint gates.
  packages+=(clang libclang-rt-14-dev clang-tidy clang-format)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup: all ${#packages[@]} packages present"
fi

# The manifest checks (tests/deploy) render deploy/ with `kubectl kustomize`.
# kubectl is preinstalled on these machines (1.32, Kustomize 5.5); Debian 12
# has no kubectl package, so a machine without it stops here.
if ! command -v kubectl >/dev/null 2>&1; then
  echo "setup: kubectl not found on PATH; the manifest checks (tests/deploy) render" \
    "deploy/ with 'kubectl kustomize'. Debian 12 has no kubectl package: install" \
    "kubectl >= 1.27 (Kubernetes' own apt repository or release binary) and re-run." >&2
  exit 1
fi

# The Node client tests need node + npm (preinstalled on these machines as
# NodeSource's nodejs, which bundles npm; Debian's own packages otherwise).
if ! command -v npm >/dev/null 2>&1; then
  echo "setup: installing nodejs npm"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
