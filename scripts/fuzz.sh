#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) and runs each for a bounded
# time: FUZZ_SECONDS per target (default 30). A crash fails the script and
# leaves the reproducer in build-fuzz/crashes/; turn it into a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${FUZZ_SECONDS:-30}
cmake --preset fuzz >/dev/null
targets=(fuzz_create_validation fuzz_create_wire fuzz_upstream_answer fuzz_base64
         fuzz_audio_wav fuzz_audio_mp3 fuzz_audio_m4a fuzz_audio_adts fuzz_audio_sniff)
cmake --build build-fuzz -j"${JOBS:-2}" --target "${targets[@]}"
mkdir -p build-fuzz/crashes build-fuzz/seeds
fuzz/audio/make_seed_corpus.sh build-fuzz/seeds >/dev/null 2>&1 || true
for t in "${targets[@]}"; do
  bin=$(find build-fuzz/fuzz -type f -name "$t" -perm -u+x | head -n 1)
  corpus="build-fuzz/corpus/$t"
  mkdir -p "$corpus"
  seeds=()
  case "$t" in
    fuzz_audio_*) [ -d build-fuzz/seeds ] && seeds=(build-fuzz/seeds) ;;
  esac
  echo "fuzz: $t for ${SECONDS_PER_TARGET}s"
  "$bin" -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix=build-fuzz/crashes/"$t"- "$corpus" "${seeds[@]}" 2>&1 | tail -n 3
done
echo "fuzz: no crash in ${#targets[@]} targets"
