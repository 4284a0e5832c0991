#!/usr/bin/env bash
# Runs the suite under the sanitizers (Debian's gcc runtimes):
#   asan: AddressSanitizer + UndefinedBehaviorSanitizer over the unit tests of
#         every layer and the integration suite (a sanitized gateway and sim);
#   tsan: ThreadSanitizer over the concurrency-heavy unit tests (resilience:
#         timer queue, retry loop, breaker; workflow: caches, idempotency).
# Usage: scripts/sanitize.sh [asan|tsan|all]   (default all)
#
# CI trims the sets to fit its budget (.ci/run); by hand, the defaults:
#   ASAN_TARGETS="..."          test targets for asan (space-separated)
#   TSAN_TARGETS="..."          test targets for tsan
#   INTEGRATION_GTEST_FILTER=.. a gtest filter for integration_test only
#   SANITIZE_OPT="-O1 -g1"      optimisation and debug flags instead of the
#                               presets' RelWithDebInfo "-O2 -g" (CI: about
#                               half the build time; ASan recommends -O1,
#                               line tables are enough for its reports)
# The sanitized gateway and sim are built only when integration_test is in
# the set (the unit tests do not start them).
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-all}
JOBS=${JOBS:-2}

read -r -a asan_targets <<<"${ASAN_TARGETS:-common_test validation_test translate_test workflow_test resilience_test server_test audio_sniffer_test integration_test}"
read -r -a tsan_targets <<<"${TSAN_TARGETS:-resilience_test upstream_test workflow_test common_test}"

run_preset() {
  local preset=$1; shift
  local targets=("$@") build=("$@") t
  for t in "${targets[@]}"; do
    [ "$t" = integration_test ] && build+=(lipsync-gateway kling-sim)
  done
  echo "sanitize: $preset build of ${build[*]}"
  local configure=(--preset "$preset")
  if [ -n "${SANITIZE_OPT:-}" ]; then
    configure+=("-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=$SANITIZE_OPT -DNDEBUG")
  else
    configure+=(-UCMAKE_CXX_FLAGS_RELWITHDEBINFO)  # back to CMake's default
  fi
  cmake "${configure[@]}" >/dev/null
  cmake --build "build-$preset" -j"$JOBS" --target "${build[@]}"
  # halt_on_error: the first report fails the run.
  export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/scripts/tsan.supp"
  for t in "${targets[@]}"; do
    local bin args=(--gtest_brief=1)
    bin=$(find "build-$preset/tests" -type f -name "$t" -perm -u+x | head -n 1)
    if [ "$t" = integration_test ] && [ -n "${INTEGRATION_GTEST_FILTER:-}" ]; then
      args+=(--gtest_filter="$INTEGRATION_GTEST_FILTER")
    fi
    echo "sanitize: $preset $t ${args[*]:1}"
    # Each binary runs its own gtest main; the integration suite starts the
    # sanitized gateway and sim as child processes.
    # The whole output goes to a log; the console gets its tail, and on a
    # failure (at most 60 of) the lines that name the failed tests, their
    # assertions, the harness's notes and any sanitizer report (a tail alone
    # cut them off once, leaving a CI failure without a name).
    local log="build-$preset/$t.log" status=0
    "$bin" "${args[@]}" >"$log" 2>&1 || status=$?
    tail -n 5 "$log"
    if [ "$status" -ne 0 ]; then
      echo "sanitize: $preset $t FAILED (exit $status; full output: $log)"
      grep -E '^\[  FAILED  \]|Failure$|^Expected|^  Actual|Which is|Value of|did not stop cleanly|^\[ harness|Sanitizer|runtime error|^    #[0-9]' "$log" | head -n 60 || true
      exit 1
    fi
  done
}

case "$which" in
  asan) run_preset asan "${asan_targets[@]}" ;;
  tsan) run_preset tsan "${tsan_targets[@]}" ;;
  all)
    run_preset asan "${asan_targets[@]}"
    run_preset tsan "${tsan_targets[@]}"
    ;;
  *) echo "usage: $0 [asan|tsan|all]" >&2; exit 64 ;;
esac
