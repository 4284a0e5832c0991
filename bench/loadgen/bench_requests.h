// The requests the benchmark sends: the upstream seed's create example, and
// the same with inline audio. The direct-HTTP bodies are built from the same
// bytes, so both sides of a scenario carry the same audio.
#ifndef LIPSYNC_BENCH_LOADGEN_BENCH_REQUESTS_H_
#define LIPSYNC_BENCH_LOADGEN_BENCH_REQUESTS_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kling/lipsync/v1/lipsync.pb.h"

namespace lipsync::bench {

// How the audio bytes are made.
enum class AudioKind {
  // A mono 16-bit PCM WAV at 44.1 kHz (a 44-byte header, then random
  // samples): passes the gateway's audio preflight. 5 MiB is 59.4 s.
  kWav,
  // Random bytes: the preflight refuses them (INVALID_ARGUMENT).
  kRandom,
};

// The seed's example create request, audio given by `audio_id`.
kling::lipsync::v1::CreateLipSyncTaskRequest SeedCreateRequest();

// `total_bytes` of audio, deterministic for a given `seed`. A WAV must be at
// least 46 bytes and lasts at most 60 s (5,292,044 bytes).
absl::StatusOr<std::string> MakeAudio(AudioKind kind, std::size_t total_bytes,
                                      uint64_t seed);

// The seed request with `audio` as `sound_file_bytes` (no `audio_id`).
kling::lipsync::v1::CreateLipSyncTaskRequest AudioCreateRequest(
    std::string audio);

// The JSON body of POST /v1/videos/advanced-lip-sync for the direct-HTTP
// limit: the seed example verbatim when `audio` is empty, else the same with
// `sound_file` = Base64(`audio`) and no `audio_id`.
std::string SeedCreateJson(absl::string_view audio);

}  // namespace lipsync::bench

#endif  // LIPSYNC_BENCH_LOADGEN_BENCH_REQUESTS_H_
