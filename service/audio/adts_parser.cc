#include "service/audio/adts_parser.h"

#include <cstdint>
#include <optional>

#include "service/audio/byte_reader.h"
#include "service/audio/frame_walker.h"
#include "service/audio/id3_tag.h"

namespace lipsync::audio {
namespace {

constexpr absl::string_view kAac = "AAC";
constexpr int kFramesToRecognise = 3;
constexpr uint32_t kSamplesPerRawDataBlock = 1024;
constexpr size_t kHeaderSize = 7;
constexpr size_t kCrcSize = 2;
// ISO/IEC 14496-3 sampling_frequency_index 0..12; 13 and 14 are reserved
// and 15 (explicit frequency) is not allowed in ADTS.
constexpr int kSampleRates[13] = {96000, 88200, 64000, 48000, 44100,
                                  32000, 24000, 22050, 16000, 12000,
                                  11025, 8000,  7350};
// Channel configurations 1..7; 7 is 7.1.
constexpr int kChannels[8] = {0, 1, 2, 3, 4, 5, 6, 8};

struct AdtsHeader {
  int sample_rate_hz = 0;
  int channels = 0;
  size_t frame_length = 0;
  uint32_t raw_data_blocks = 0;
  uint32_t stream_key = 0;
};

std::optional<AdtsHeader> DecodeAdtsHeader(absl::string_view bytes,
                                           size_t pos) {
  // Only the first 7 bytes matter; the optional CRC is not checked.
  const std::optional<uint32_t> hi = LoadU32Be(bytes, pos);
  const std::optional<uint32_t> lo = LoadU24Be(bytes, pos + 4);
  if (!hi.has_value() || !lo.has_value()) return std::nullopt;
  // syncword (12) = 0xFFF, ID (1), layer (2) = 0.
  if ((*hi & 0xFFF60000u) != 0xFFF00000u) return std::nullopt;
  const bool protection_absent = (*hi >> 16) & 1;
  const uint32_t rate_index = (*hi >> 10) & 15;
  if (rate_index >= 13) return std::nullopt;
  const uint32_t channel_config = (*hi >> 6) & 7;
  const uint32_t frame_length = ((*hi & 3) << 11) | (*lo >> 13);
  const size_t header_size = kHeaderSize + (protection_absent ? 0 : kCrcSize);
  if (frame_length <= header_size) return std::nullopt;

  AdtsHeader h;
  h.sample_rate_hz = kSampleRates[rate_index];
  h.channels = kChannels[channel_config];
  h.frame_length = frame_length;
  h.raw_data_blocks = (*lo & 3) + 1;
  // ID, layer, protection, profile, sampling frequency, channel
  // configuration; not the private bit, the copyright bits or the length.
  h.stream_key = *hi & 0xFFFFFDC0u;
  return h;
}

std::optional<FrameSummary> DecodeAdtsFrame(absl::string_view audio,
                                            size_t pos) {
  const std::optional<AdtsHeader> h = DecodeAdtsHeader(audio, pos);
  if (!h.has_value()) return std::nullopt;
  return FrameSummary{h->frame_length,
                      h->raw_data_blocks * kSamplesPerRawDataBlock,
                      h->stream_key};
}

}  // namespace

bool HasAdtsHeaderAt(absl::string_view bytes, size_t offset) {
  return DecodeAdtsHeader(bytes, offset).has_value();
}

absl::StatusOr<AudioInfo> ParseAdts(absl::string_view bytes) {
  const absl::StatusOr<TaggedStream> stream = FindTaggedStream(bytes, kAac);
  if (!stream.ok()) return stream.status();
  const size_t start = stream->start;
  const absl::string_view audio = stream->audio;

  if (!ConfirmFrames(audio, start, &DecodeAdtsFrame, kFramesToRecognise)) {
    return NoFramesError(*stream, kAac, "ADTS");
  }
  const AdtsHeader head = *DecodeAdtsHeader(audio, start);
  const WalkTotals totals = WalkFrames(audio, start, &DecodeAdtsFrame);

  AudioInfo info;
  info.format = AudioFormat::kAac;
  info.sample_rate_hz = head.sample_rate_hz;
  info.channels = head.channels;
  info.duration_ms =
      UnitsToMillis(totals.samples, static_cast<uint64_t>(head.sample_rate_hz));
  return info;
}

}  // namespace lipsync::audio
