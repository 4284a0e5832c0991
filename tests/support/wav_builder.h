// Builds valid PCM WAV files in memory for tests (no external tools).
#ifndef LIPSYNC_TESTS_SUPPORT_WAV_BUILDER_H_
#define LIPSYNC_TESTS_SUPPORT_WAV_BUILDER_H_

#include <cstdint>
#include <string>

namespace lipsync::testing {

// A 16-bit mono PCM WAV at `sample_rate` lasting `duration_ms`, filled with
// a deterministic pseudo-random signal.
std::string MakeWav(int sample_rate, int64_t duration_ms);

// A 16-bit mono PCM WAV at `sample_rate` whose whole file is exactly
// `total_bytes` long (rounded down to whole samples).
std::string MakeWavOfSize(int sample_rate, int64_t total_bytes);

}  // namespace lipsync::testing

#endif  // LIPSYNC_TESTS_SUPPORT_WAV_BUILDER_H_
