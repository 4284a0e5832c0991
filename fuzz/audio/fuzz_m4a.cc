// libFuzzer target for ParseM4a (service/audio/m4a_parser.h).
#include <cstddef>
#include <cstdint>

#include "fuzz/audio/fuzz_audio_target.h"
#include "service/audio/m4a_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  lipsync::audio::fuzzing::CheckParser(
      &lipsync::audio::ParseM4a, lipsync::audio::AudioFormat::kM4a, data, size);
  return 0;
}
