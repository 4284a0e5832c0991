// libFuzzer target for SniffAudio (service/audio/audio_sniffer.h).
#include <cstddef>
#include <cstdint>

#include "fuzz/audio/fuzz_audio_target.h"
#include "service/audio/audio_sniffer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  lipsync::audio::fuzzing::CheckParser(&lipsync::audio::SniffAudio,
                                       std::nullopt, data, size);
  return 0;
}
