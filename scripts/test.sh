#!/usr/bin/env bash
# One command: install dependencies (Debian 12), build, and run the whole test
# suite (unit + integration on loopback). Prints ctest's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
cd "${BUILD_DIR:-build}"
ctest --output-on-failure -j"${JOBS:-2}" --timeout 600
