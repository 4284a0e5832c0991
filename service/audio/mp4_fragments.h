#ifndef LIPSYNC_SERVICE_AUDIO_MP4_FRAGMENTS_H_
#define LIPSYNC_SERVICE_AUDIO_MP4_FRAGMENTS_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace lipsync::audio {

// Sums, in the track's media timescale, the durations of the samples of
// track `track_id` in every top-level `moof` box of bytes[begin, end of
// bytes): per-sample durations from `trun` when present, else the `tfhd`
// default, else `trex_default_duration`. This is how a fragmented MP4
// (Safari's MediaRecorder, ffmpeg -movflags frag_keyframe+empty_moov) without
// an `mehd` box states its length.
// Cost: O(number of fragments + samples), reading 4 bytes per sample at most.
// Never reads outside `bytes`. Errors: INVALID_ARGUMENT "corrupt M4A: ..." for
// a `trun` that declares more samples than it holds, or malformed boxes.
absl::StatusOr<uint64_t> SumFragmentDurations(absl::string_view bytes,
                                              size_t begin, uint32_t track_id,
                                              uint32_t trex_default_duration);

}  // namespace lipsync::audio

#endif  // LIPSYNC_SERVICE_AUDIO_MP4_FRAGMENTS_H_
