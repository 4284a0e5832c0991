#ifndef LIPSYNC_SERVICE_AUDIO_AUDIO_SNIFFER_H_
#define LIPSYNC_SERVICE_AUDIO_AUDIO_SNIFFER_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/cord.h"
#include "absl/strings/string_view.h"
#include "service/audio/audio_info.h"

namespace lipsync::audio {

// The upstream's accepted audio length, inclusive, in milliseconds. The rule
// itself (and `sound_end_time` <= duration) belongs to request validation.
inline constexpr int64_t kMinAudioDurationMs = 2000;
inline constexpr int64_t kMaxAudioDurationMs = 60000;

// Recognises the container from the bytes (never from a file name) and
// measures the duration, for `sound_file` (after base64 decoding) and
// `sound_file_bytes`:
//   * "RIFF"/"RF64" .... "WAVE"              -> ParseWav  (header only)
//   * an `ftyp` box at offset 0               -> ParseM4a  (moov only)
//   * ID3v2 tags, then an ADTS header         -> ParseAdts (frame walk)
//   * ID3v2 tags and/or MPEG audio frames     -> ParseMp3  (Xing/VBRI or walk)
//   * an ADTS header at offset 0              -> ParseAdts (frame walk)
// A stream without ID3v2 tag is accepted only with 3 consecutive valid frame
// headers at offset 0, so random bytes are not mistaken for audio.
//
// Pure and thread-safe; never reads outside `bytes`; no allocation on
// success. Cost: see service/audio/README.md (well under 1 ms for 5 MB
// except MP3 without a Xing tag and ADTS, which walk every frame).
//
// Errors: INVALID_ARGUMENT only, with a message fit for the caller:
// "not a recognised audio container; accepted: WAV, MP3, M4A, AAC (ADTS)"
// (possibly followed by a detail in parentheses), "truncated <format>: ...",
// or "corrupt <format>: ...".
absl::StatusOr<AudioInfo> SniffAudio(absl::string_view bytes);

// The same on bytes in pieces (an absl::Cord of gRPC's received slices):
// flat bytes and WAV (the one container in which 60 s make megabytes; only
// its headers are read) are sniffed where they lie; the compressed
// containers, whose parsers walk frames and boxes through the whole buffer
// and whose 60 s are a fraction of WAV's size, on one flat copy.
absl::StatusOr<AudioInfo> SniffAudio(const absl::Cord& bytes);

}  // namespace lipsync::audio

#endif  // LIPSYNC_SERVICE_AUDIO_AUDIO_SNIFFER_H_
