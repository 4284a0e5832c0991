// libFuzzer target for ParseMp3 (service/audio/mp3_parser.h).
#include <cstddef>
#include <cstdint>

#include "fuzz/audio/fuzz_audio_target.h"
#include "service/audio/mp3_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  lipsync::audio::fuzzing::CheckParser(
      &lipsync::audio::ParseMp3, lipsync::audio::AudioFormat::kMp3, data, size);
  return 0;
}
