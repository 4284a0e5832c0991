#ifndef LIPSYNC_SERVICE_AUDIO_M4A_PARSER_H_
#define LIPSYNC_SERVICE_AUDIO_M4A_PARSER_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "service/audio/audio_info.h"

namespace lipsync::audio {

// Parses an ISO-BMFF/MP4 audio file (".m4a"; AAC or any other codec) held
// entirely in `bytes`.
//
// Recognition: the first box is `ftyp`, with a major or compatible brand of
// the MP4 family (M4A, M4B, mp41, mp42, isom, iso2..iso9, 3gp*, ...), and
// `moov` holds a track whose `hdlr` is 'soun'. Every top-level box must fit
// in the bytes (a cut-off `mdat` is a truncated upload), and the audio
// track's last chunk offset (`stco`/`co64`) must point inside the bytes.
//
// Duration, from the boxes alone (O(size of moov), independent of the audio
// length; `moov` may come before or after `mdat`):
//   * regular files: the audio track's `tkhd` duration / `mvhd` timescale
//     (the presentation length, edit lists applied, which is what ffprobe
//     reports), else its `mdhd` duration / `mdhd` timescale;
//   * fragmented files (`mvex`, e.g. Safari's MediaRecorder): `mehd` /
//     `mvhd` timescale, else the `mdhd` duration plus the audio track's
//     sample durations in every `moof` (`trun`, `tfhd` or `trex` defaults),
//     O(number of fragments + samples).
// sample_rate_hz and channels come from the first `stsd` sample entry; for
// AAC the channel count comes from the AudioSpecificConfig in `esds`, as MP4
// writers put a template 2 in the sample entry. sample_rate_hz falls back to
// the `mdhd` timescale.
//
// Never reads outside `bytes`. Errors: INVALID_ARGUMENT ("truncated M4A: ...",
// "corrupt M4A: ...", or the not-recognised message for other ISO-BMFF
// brands).
absl::StatusOr<AudioInfo> ParseM4a(absl::string_view bytes);

// True when `bytes` starts with an ISO-BMFF `ftyp` box header.
bool LooksLikeIsoBmff(absl::string_view bytes);

}  // namespace lipsync::audio

#endif  // LIPSYNC_SERVICE_AUDIO_M4A_PARSER_H_
