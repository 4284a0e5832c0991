// libFuzzer target for ParseWav (service/audio/wav_parser.h).
#include <cstddef>
#include <cstdint>

#include "fuzz/audio/fuzz_audio_target.h"
#include "service/audio/wav_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  lipsync::audio::fuzzing::CheckParser(
      &lipsync::audio::ParseWav, lipsync::audio::AudioFormat::kWav, data, size);
  return 0;
}
