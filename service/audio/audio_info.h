#ifndef LIPSYNC_SERVICE_AUDIO_AUDIO_INFO_H_
#define LIPSYNC_SERVICE_AUDIO_AUDIO_INFO_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace lipsync::audio {

// The containers the upstream accepts for `sound_file`.
enum class AudioFormat { kWav, kMp3, kM4a, kAac };

// "wav", "mp3", "m4a" or "aac" (ADTS).
absl::string_view AudioFormatName(AudioFormat format);

// What the preflight learnt from the bytes alone.
struct AudioInfo {
  AudioFormat format = AudioFormat::kWav;
  // Playable duration, truncated to whole milliseconds.
  int64_t duration_ms = 0;
  // As declared by the container or the first frame header.
  int sample_rate_hz = 0;
  // 0 when the container leaves it to the codec configuration (an ADTS
  // channel_configuration of 0, an M4A without a readable sample entry).
  int channels = 0;
};

// `units / units_per_second` seconds in whole milliseconds, rounded down and
// saturated at INT64_MAX, without intermediate overflow for any 64-bit input.
// `units_per_second` must be positive (callers have validated it).
int64_t UnitsToMillis(uint64_t units, uint64_t units_per_second);

}  // namespace lipsync::audio

#endif  // LIPSYNC_SERVICE_AUDIO_AUDIO_INFO_H_
