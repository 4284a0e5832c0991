#!/usr/bin/env bash
# Configures and builds into build/ (or $BUILD_DIR) with CMake + Ninja.
# Optional arguments: the targets to build (default: everything).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-2}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" \
  ${CMAKE_ARGS:-} >/dev/null
if (($#)); then
  cmake --build "$BUILD_DIR" -j"$JOBS" --target "$@"
else
  cmake --build "$BUILD_DIR" -j"$JOBS"
fi
