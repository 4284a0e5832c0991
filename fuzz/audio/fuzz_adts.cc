// libFuzzer target for ParseAdts (service/audio/adts_parser.h).
#include <cstddef>
#include <cstdint>

#include "fuzz/audio/fuzz_audio_target.h"
#include "service/audio/adts_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  lipsync::audio::fuzzing::CheckParser(&lipsync::audio::ParseAdts,
                                       lipsync::audio::AudioFormat::kAac, data,
                                       size);
  return 0;
}
