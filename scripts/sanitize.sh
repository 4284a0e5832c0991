#!/usr/bin/env bash
# Runs the suite under the sanitizers (Debian's gcc runtimes):
#   asan: AddressSanitizer + UndefinedBehaviorSanitizer over the unit tests of
#         every layer and the integration suite (a sanitized gateway and sim);
#   tsan: ThreadSanitizer over the concurrency-heavy unit tests (resilience:
#         timer queue, retry loop, breaker; workflow: caches, idempotency).
# Usage: scripts/sanitize.sh [asan|tsan|all]   (default all)
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-all}
JOBS=${JOBS:-2}

asan_targets=(common_test validation_test translate_test workflow_test
              resilience_test integration_test)
tsan_targets=(resilience_test workflow_test common_test)

run_preset() {
  local preset=$1; shift
  local targets=("$@")
  echo "sanitize: $preset build of ${targets[*]}"
  cmake --preset "$preset" >/dev/null
  cmake --build "build-$preset" -j"$JOBS" --target "${targets[@]}" lipsync-gateway kling-sim
  # halt_on_error: the first report fails the run.
  export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
  for t in "${targets[@]}"; do
    local bin
    bin=$(find "build-$preset/tests" -type f -name "$t" -perm -u+x | head -n 1)
    echo "sanitize: $preset $t"
    # Each binary runs its own gtest main; the integration suite starts the
    # sanitized gateway and sim as child processes.
    "$bin" --gtest_brief=1 2>&1 | tail -n 5
    [ "${PIPESTATUS[0]}" -eq 0 ] || { echo "sanitize: $preset $t FAILED"; exit 1; }
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
