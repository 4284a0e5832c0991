#include "service/audio/audio_info.h"

#include <limits>

namespace lipsync::audio {

absl::string_view AudioFormatName(AudioFormat format) {
  switch (format) {
    case AudioFormat::kWav:
      return "wav";
    case AudioFormat::kMp3:
      return "mp3";
    case AudioFormat::kM4a:
      return "m4a";
    case AudioFormat::kAac:
      return "aac";
  }
  return "unknown";
}

int64_t UnitsToMillis(uint64_t units, uint64_t units_per_second) {
  constexpr uint64_t kMax = std::numeric_limits<int64_t>::max();
  // Whole seconds and the remainder are scaled separately: the remainder is
  // below units_per_second (< 2^64), so remainder * 1000 could still wrap;
  // hence the 128-bit product, which both GCC and Clang provide.
  const uint64_t seconds = units / units_per_second;
  const uint64_t remainder = units % units_per_second;
  if (seconds > kMax / 1000) return static_cast<int64_t>(kMax);
  const uint64_t fraction_ms = static_cast<uint64_t>(
      static_cast<unsigned __int128>(remainder) * 1000 / units_per_second);
  const uint64_t total = seconds * 1000 + fraction_ms;
  return static_cast<int64_t>(total > kMax ? kMax : total);
}

}  // namespace lipsync::audio
