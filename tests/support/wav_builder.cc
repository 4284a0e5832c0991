#include "tests/support/wav_builder.h"

#include <cstring>

namespace lipsync::testing {
namespace {

void PutLe(std::string* out, uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i)
    out->push_back(static_cast<char>(v >> (8 * i)));
}

std::string Build(int sample_rate, int64_t data_bytes) {
  data_bytes -= data_bytes % 2;
  std::string wav;
  wav.reserve(44 + data_bytes);
  wav += "RIFF";
  PutLe(&wav, static_cast<uint32_t>(36 + data_bytes), 4);
  wav += "WAVEfmt ";
  PutLe(&wav, 16, 4);
  PutLe(&wav, 1, 2);  // PCM
  PutLe(&wav, 1, 2);  // mono
  PutLe(&wav, sample_rate, 4);
  PutLe(&wav, sample_rate * 2, 4);
  PutLe(&wav, 2, 2);
  PutLe(&wav, 16, 2);
  wav += "data";
  PutLe(&wav, static_cast<uint32_t>(data_bytes), 4);
  uint32_t x = 2463534242u;
  for (int64_t i = 0; i < data_bytes; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    wav.push_back(static_cast<char>(x));
  }
  return wav;
}

}  // namespace

std::string MakeWav(int sample_rate, int64_t duration_ms) {
  return Build(sample_rate, sample_rate * 2 * duration_ms / 1000);
}

std::string MakeWavOfSize(int sample_rate, int64_t total_bytes) {
  return Build(sample_rate, total_bytes - 44);
}

}  // namespace lipsync::testing
