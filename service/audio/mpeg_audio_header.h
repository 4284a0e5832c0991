#ifndef LIPSYNC_SERVICE_AUDIO_MPEG_AUDIO_HEADER_H_
#define LIPSYNC_SERVICE_AUDIO_MPEG_AUDIO_HEADER_H_

#include <cstddef>
#include <cstdint>
#include <optional>

namespace lipsync::audio {

enum class MpegVersion { kMpeg1, kMpeg2, kMpeg25 };

// One decoded MPEG-1/2/2.5 audio frame header (layers I, II and III).
struct MpegAudioHeader {
  MpegVersion version = MpegVersion::kMpeg1;
  int layer = 3;  // 1, 2 or 3.
  int bitrate_kbps = 0;
  int sample_rate_hz = 0;
  int channels = 0;  // 1 for single-channel mode, else 2.
  int samples_per_frame = 0;
  size_t frame_size = 0;  // Bytes, header included.
  // Offset of a Xing/Info tag from the start of the frame: after the header
  // and the layer III side information. 0 for layers I and II.
  size_t xing_offset = 0;
};

// Decodes the big-endian 32-bit word at the start of a frame. std::nullopt
// unless the sync word is set and every field is valid: version not
// "reserved", layer not "reserved", bitrate index neither 0 ("free format",
// whose frame size cannot be known from the header) nor 15, sample-rate index
// not 3.
std::optional<MpegAudioHeader> DecodeMpegAudioHeader(uint32_t word);

// True when two header words belong to the same elementary stream: same
// version, layer and sample rate (what a decoder requires to stay in sync).
inline bool SameMpegAudioStream(uint32_t a, uint32_t b) {
  constexpr uint32_t kStreamMask = 0xFFFE0C00;
  return (a & kStreamMask) == (b & kStreamMask);
}

}  // namespace lipsync::audio

#endif  // LIPSYNC_SERVICE_AUDIO_MPEG_AUDIO_HEADER_H_
