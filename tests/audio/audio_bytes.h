#ifndef LIPSYNC_TESTS_AUDIO_AUDIO_BYTES_H_
#define LIPSYNC_TESTS_AUDIO_AUDIO_BYTES_H_

// Builders for hand-made audio files, so that malformed inputs are written
// field by field and a reader can see which field a test breaks.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "service/audio/audio_info.h"

namespace lipsync::audio::testing {

std::string U16Le(uint16_t v);
std::string U32Le(uint32_t v);
std::string U64Le(uint64_t v);
std::string U16Be(uint16_t v);
std::string U32Be(uint32_t v);
std::string U64Be(uint64_t v);

// --- WAV ---------------------------------------------------------------
// A RIFF chunk: id, little-endian size of `payload`, payload, pad byte.
std::string RiffChunk(absl::string_view id, absl::string_view payload);
// A chunk header declaring `declared_size` whatever the payload is.
std::string RiffChunkHeader(absl::string_view id, uint32_t declared_size);
// The 16-byte PCM fmt payload.
std::string PcmFmt(uint16_t channels, uint32_t rate, uint16_t bits,
                   uint16_t format_tag = 1);
// "RIFF" size "WAVE" followed by `chunks` (the RIFF size is computed).
std::string RiffWave(absl::string_view chunks);
// A whole PCM WAV with `frames` zeroed sample frames.
std::string MakePcmWav(uint16_t channels, uint32_t rate, uint16_t bits,
                       uint32_t frames);

// --- ISO-BMFF ----------------------------------------------------------
std::string Box(absl::string_view type, absl::string_view payload);
std::string FullBox(absl::string_view type, uint8_t version,
                    absl::string_view payload);
std::string Ftyp(absl::string_view major, absl::string_view compatible);

struct M4aSpec {
  std::string major_brand = "M4A ";
  uint32_t movie_timescale = 1000;
  uint64_t movie_duration = 5000;
  uint64_t track_duration = 5000;  // tkhd, movie timescale.
  uint32_t media_timescale = 44100;
  uint64_t media_duration = 220500;
  uint8_t header_version = 0;  // mvhd/tkhd/mdhd version 0 or 1.
  std::string handler = "soun";
  uint16_t channels = 2;
  uint32_t sample_rate = 44100;
  bool mdat_first = false;
  size_t mdat_payload = 64;
  bool with_sample_table = true;
  std::string extra_moov_children;  // Appended after the trak.
};
std::string MakeM4a(const M4aSpec& spec);
std::string Moov(const M4aSpec& spec, uint64_t chunk_offset);

// --- MPEG audio and ADTS ----------------------------------------------
// One MPEG audio frame: the 4-byte header `word`, then zero bytes up to the
// size the header implies (which must decode).
std::string MpegFrame(uint32_t word);
// MPEG-1 layer III, 128 kbps, 44.1 kHz, stereo, no padding: 417 bytes.
inline constexpr uint32_t kMp3Header128k44k = 0xFFFB9000;
// An ADTS frame of `frame_length` bytes (AAC LC, no CRC).
std::string AdtsFrame(int rate_index, int channel_config, uint32_t frame_length,
                      int raw_blocks = 1);
// An ID3v2.4 tag with `body_size` zero bytes of body.
std::string Id3v2Tag(uint32_t body_size, bool footer = false);

// Matches a StatusOr<AudioInfo> that failed with INVALID_ARGUMENT and a
// message containing `substring`.
MATCHER_P(IsInvalidArgumentWith, substring, "") {
  if (arg.ok()) {
    *result_listener << "is OK, duration " << arg->duration_ms << " ms";
    return false;
  }
  *result_listener << "status " << arg.status();
  return arg.status().code() == absl::StatusCode::kInvalidArgument &&
         absl::string_view(arg.status().message()).find(substring) !=
             absl::string_view::npos;
}

}  // namespace lipsync::audio::testing

#endif  // LIPSYNC_TESTS_AUDIO_AUDIO_BYTES_H_
