#include "service/audio/mpeg_audio_header.h"

namespace lipsync::audio {
namespace {

// ISO/IEC 11172-3 and 13818-3, indexed by bitrate index 1..14 (kbps).
constexpr int kBitratesV1[3][15] = {
    {0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448},
    {0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384},
    {0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320},
};
constexpr int kBitratesV2[3][15] = {
    {0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256},
    {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
    {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
};
constexpr int kSampleRatesV1[3] = {44100, 48000, 32000};

}  // namespace

std::optional<MpegAudioHeader> DecodeMpegAudioHeader(uint32_t word) {
  if ((word & 0xFFE00000u) != 0xFFE00000u) return std::nullopt;
  const uint32_t version_bits = (word >> 19) & 3;
  const uint32_t layer_bits = (word >> 17) & 3;
  const uint32_t bitrate_index = (word >> 12) & 15;
  const uint32_t rate_index = (word >> 10) & 3;
  const uint32_t padding = (word >> 9) & 1;
  const uint32_t channel_mode = (word >> 6) & 3;
  if (version_bits == 1 || layer_bits == 0 || bitrate_index == 0 ||
      bitrate_index == 15 || rate_index == 3) {
    return std::nullopt;
  }

  MpegAudioHeader h;
  h.version = version_bits == 3   ? MpegVersion::kMpeg1
              : version_bits == 2 ? MpegVersion::kMpeg2
                                  : MpegVersion::kMpeg25;
  h.layer = 4 - static_cast<int>(layer_bits);
  const bool v1 = h.version == MpegVersion::kMpeg1;
  h.bitrate_kbps = (v1 ? kBitratesV1 : kBitratesV2)[h.layer - 1][bitrate_index];
  h.sample_rate_hz = kSampleRatesV1[rate_index];
  if (h.version == MpegVersion::kMpeg2) h.sample_rate_hz /= 2;
  if (h.version == MpegVersion::kMpeg25) h.sample_rate_hz /= 4;
  h.channels = channel_mode == 3 ? 1 : 2;

  const size_t bits_per_second = static_cast<size_t>(h.bitrate_kbps) * 1000;
  if (h.layer == 1) {
    h.samples_per_frame = 384;
    // Layer I counts in 4-byte slots.
    h.frame_size = (12 * bits_per_second / h.sample_rate_hz + padding) * 4;
  } else {
    h.samples_per_frame = (h.layer == 3 && !v1) ? 576 : 1152;
    h.frame_size =
        h.samples_per_frame / 8 * bits_per_second / h.sample_rate_hz + padding;
  }
  if (h.layer == 3) {
    const bool mono = h.channels == 1;
    const size_t side_info = v1 ? (mono ? 17 : 32) : (mono ? 9 : 17);
    h.xing_offset = 4 + side_info;
  }
  return h;
}

}  // namespace lipsync::audio
