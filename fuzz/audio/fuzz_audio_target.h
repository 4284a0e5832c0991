#ifndef LIPSYNC_FUZZ_AUDIO_FUZZ_AUDIO_TARGET_H_
#define LIPSYNC_FUZZ_AUDIO_FUZZ_AUDIO_TARGET_H_

// Shared body of the audio fuzz targets: run one parser over the input and
// crash loudly when a result breaks the parsers' contract. Out-of-bounds
// reads are caught by AddressSanitizer, overflows by UBSan.

#include <cstdint>
#include <cstdlib>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "service/audio/audio_info.h"

namespace lipsync::audio::fuzzing {

using Parser = absl::StatusOr<AudioInfo> (*)(absl::string_view);

// `expected` is the only format `parse` may report (std::nullopt: any).
inline void CheckParser(Parser parse, std::optional<AudioFormat> expected,
                        const uint8_t* data, size_t size) {
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  const absl::StatusOr<AudioInfo> info = parse(bytes);
  if (!info.ok()) {
    // The only error a parser may return for bad input.
    if (info.status().code() != absl::StatusCode::kInvalidArgument ||
        info.status().message().empty()) {
      std::abort();
    }
    return;
  }
  if (info->duration_ms < 0 || info->sample_rate_hz < 0 || info->channels < 0 ||
      (expected.has_value() && info->format != *expected)) {
    std::abort();
  }
  // Deterministic: the same bytes give the same answer.
  const absl::StatusOr<AudioInfo> again = parse(bytes);
  if (!again.ok() || again->duration_ms != info->duration_ms ||
      again->format != info->format) {
    std::abort();
  }
}

}  // namespace lipsync::audio::fuzzing

#endif  // LIPSYNC_FUZZ_AUDIO_FUZZ_AUDIO_TARGET_H_
