#include "service/audio/mp4_audio_config.h"

#include <cstdint>

#include "service/audio/byte_reader.h"

namespace lipsync::audio {
namespace {

constexpr uint8_t kEsDescriptorTag = 0x03;
constexpr uint8_t kDecoderConfigTag = 0x04;
constexpr uint8_t kDecoderSpecificInfoTag = 0x05;
constexpr int kChannels[8] = {0, 1, 2, 3, 4, 5, 6, 8};

// Reads a descriptor header (tag, then a size of 1..4 bytes of 7 bits each)
// and returns the payload, which must fit in what is left of `r`.
std::optional<absl::string_view> ReadDescriptor(ByteReader& r, uint8_t tag) {
  const std::optional<uint8_t> found = r.ReadU8();
  if (!found.has_value() || *found != tag) return std::nullopt;
  uint32_t size = 0;
  for (int i = 0; i < 4; ++i) {
    const std::optional<uint8_t> b = r.ReadU8();
    if (!b.has_value()) return std::nullopt;
    size = (size << 7) | (*b & 0x7F);
    if (!(*b & 0x80)) return r.ReadBytes(size);
  }
  return std::nullopt;
}

}  // namespace

std::optional<int> AacChannelsFromEsds(absl::string_view esds_payload) {
  ByteReader box(esds_payload);
  if (!box.Skip(4)) return std::nullopt;  // version and flags.
  const std::optional<absl::string_view> es =
      ReadDescriptor(box, kEsDescriptorTag);
  if (!es.has_value()) return std::nullopt;

  ByteReader r(*es);
  if (!r.Skip(2)) return std::nullopt;  // ES_ID.
  const std::optional<uint8_t> flags = r.ReadU8();
  if (!flags.has_value()) return std::nullopt;
  if ((*flags & 0x80) && !r.Skip(2)) return std::nullopt;  // dependsOn_ES_ID
  if (*flags & 0x40) {                                     // URL
    const std::optional<uint8_t> url_length = r.ReadU8();
    if (!url_length.has_value() || !r.Skip(*url_length)) return std::nullopt;
  }
  if ((*flags & 0x20) && !r.Skip(2)) return std::nullopt;  // OCR_ES_ID

  const std::optional<absl::string_view> config =
      ReadDescriptor(r, kDecoderConfigTag);
  if (!config.has_value()) return std::nullopt;
  ByteReader c(*config);
  // objectType, streamType, bufferSizeDB (3), maxBitrate, avgBitrate.
  if (!c.Skip(13)) return std::nullopt;
  const std::optional<absl::string_view> asc =
      ReadDescriptor(c, kDecoderSpecificInfoTag);
  if (!asc.has_value()) return std::nullopt;

  // AudioSpecificConfig: audioObjectType (5 bits, 31 escapes 6 more),
  // samplingFrequencyIndex (4 bits, 15 escapes a 24-bit rate),
  // channelConfiguration (4 bits). Read MSB-first from a 64-bit window.
  uint64_t window = 0;
  for (size_t i = 0; i < 8; ++i) {
    window = (window << 8) | LoadU8(*asc, i).value_or(0);
  }
  const size_t available_bits = (asc->size() < 8 ? asc->size() : 8) * 8;
  size_t bit = 0;
  auto take = [&](int n) {
    const uint64_t v = (window >> (64 - bit - n)) & ((uint64_t{1} << n) - 1);
    bit += n;
    return static_cast<uint32_t>(v);
  };
  if (take(5) == 31) take(6);
  if (take(4) == 15) take(24);
  const uint32_t channel_config = take(4);
  if (bit > available_bits) return std::nullopt;
  if (channel_config == 0 || channel_config > 7) return std::nullopt;
  return kChannels[channel_config];
}

}  // namespace lipsync::audio
