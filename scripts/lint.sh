#!/usr/bin/env bash
# The lint gates, each failing on its first finding:
#   format: clang-format --dry-run -Werror over every tracked C++ file;
#   tidy:   clang-tidy (.clang-tidy at the root) over service/, client/ and
#           sim/, with the compile commands of an existing build.
# Usage: scripts/lint.sh [format|tidy|all]   (default all)
#   BUILD_DIR=build   the build whose compile_commands.json clang-tidy reads
#                     (configured here when missing)
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-all}
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-2}

if [ "$which" = format ] || [ "$which" = all ]; then
  mapfile -t sources < <(git ls-files '*.cc' '*.h')
  echo "lint: clang-format over ${#sources[@]} files"
  clang-format --dry-run -Werror "${sources[@]}"
fi

if [ "$which" = tidy ] || [ "$which" = all ]; then
  if [ ! -f "$BUILD_DIR/compile_commands.json" ]; then
    cmake -S . -B "$BUILD_DIR" -G Ninja >/dev/null
  fi
  # The generated protobuf headers must exist for the sources to parse.
  cmake --build "$BUILD_DIR" -j"$JOBS" --target lipsync_proto lipsync_reflection_proto >/dev/null
  echo "lint: clang-tidy over service/ client/ sim/ ($(grep -c '"file"' "$BUILD_DIR/compile_commands.json") compile commands in all)"
  run-clang-tidy -p "$BUILD_DIR" -j"$JOBS" -quiet "$PWD/(service|client|sim)/.*\.cc$" >"$BUILD_DIR/clang-tidy.log" 2>&1 || true
  if grep -E '(warning|error): ' "$BUILD_DIR/clang-tidy.log" | grep -v 'warnings generated' | sort -u | grep .; then
    echo "lint: clang-tidy FAILED (whole log: $BUILD_DIR/clang-tidy.log)"
    exit 1
  fi
  echo "lint: clang-tidy clean"
fi
