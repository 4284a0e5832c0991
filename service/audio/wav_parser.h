#ifndef LIPSYNC_SERVICE_AUDIO_WAV_PARSER_H_
#define LIPSYNC_SERVICE_AUDIO_WAV_PARSER_H_

#include "absl/status/statusor.h"
#include "absl/strings/cord.h"
#include "absl/strings/string_view.h"
#include "service/audio/audio_info.h"

namespace lipsync::audio {

// Parses a RIFF/WAVE (or RF64/WAVE) file held entirely in `bytes`: walks the
// chunk list for `fmt ` (PCM, IEEE float, A-law, mu-law, other codecs, and
// WAVE_FORMAT_EXTENSIBLE) and `data`, and measures the duration from the
// header alone:
//   * PCM-like codecs: (data bytes / block_align) / sample_rate;
//   * other codecs: the `fact` sample count / sample_rate when present,
//     else data bytes / byte_rate.
// The RIFF size is ignored (streamed files get it wrong). A data size of
// 0xFFFFFFFF (ffmpeg writing to a pipe) or 0x7FFFF000 (SoX's "unknown") means
// "to the end of the bytes"; any other data size larger than the bytes
// present is a truncated upload and is rejected.
//
// Cost: O(number of chunks before `data`), independent of the audio length.
// Never reads outside `bytes`. Errors: INVALID_ARGUMENT ("truncated WAV: ...",
// "corrupt WAV: ...", or the not-recognised message for a non-WAVE RIFF).
absl::StatusOr<AudioInfo> ParseWav(absl::string_view bytes);
// The same on bytes in pieces (gRPC's received slices): only the headers are
// read, so the samples are neither copied nor touched.
absl::StatusOr<AudioInfo> ParseWav(const absl::Cord& bytes);

}  // namespace lipsync::audio

#endif  // LIPSYNC_SERVICE_AUDIO_WAV_PARSER_H_
