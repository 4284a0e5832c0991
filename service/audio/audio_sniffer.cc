#include "service/audio/audio_sniffer.h"

#include <string>

#include "service/audio/adts_parser.h"
#include "service/audio/byte_reader.h"
#include "service/audio/id3_tag.h"
#include "service/audio/m4a_parser.h"
#include "service/audio/mp3_parser.h"
#include "service/audio/parse_error.h"
#include "service/audio/wav_parser.h"

namespace lipsync::audio {

namespace {

bool StartsAsRiff(absl::string_view bytes) {
  return HasTagAt(bytes, 0, "RIFF") || HasTagAt(bytes, 0, "RF64");
}

}  // namespace

absl::StatusOr<AudioInfo> SniffAudio(absl::string_view bytes) {
  // Strong signatures first: once a file says it is WAV or MP4, its own
  // parser's message ("truncated WAV: ...") is the useful one.
  if (StartsAsRiff(bytes)) {
    return ParseWav(bytes);  // Also names an AVI or a cut-off RIFF header.
  }
  if (LooksLikeIsoBmff(bytes)) return ParseM4a(bytes);

  // ID3v2 tags front both MP3 and (less often) ADTS streams.
  const absl::StatusOr<size_t> id3_size = LeadingId3v2Size(bytes, "audio");
  if (!id3_size.ok()) return id3_size.status();
  if (*id3_size > 0) {
    if (HasAdtsHeaderAt(bytes, *id3_size)) return ParseAdts(bytes);
    return ParseMp3(bytes);
  }
  // A bare frame sync is a weak signature: both parsers answer "not
  // recognised" (with a detail) unless a run of valid frames follows.
  if (HasAdtsHeaderAt(bytes, 0)) return ParseAdts(bytes);
  if (HasMpegAudioHeaderAt(bytes, 0)) return ParseMp3(bytes);
  return NotRecognisedError();
}

absl::StatusOr<AudioInfo> SniffAudio(const absl::Cord& bytes) {
  if (auto flat = bytes.TryFlat()) {  // an absl::optional: one chunk
    return SniffAudio(*flat);
  }
  if (StartsAsRiff(std::string(bytes.Subcord(0, 4)))) return ParseWav(bytes);
  // The frame and box walkers read the whole buffer: one flat copy.
  return SniffAudio(std::string(bytes));
}

}  // namespace lipsync::audio
