#ifndef LIPSYNC_SERVICE_AUDIO_FRAME_WALKER_H_
#define LIPSYNC_SERVICE_AUDIO_FRAME_WALKER_H_

#include <cstddef>
#include <cstdint>
#include <optional>

#include "absl/strings/string_view.h"

namespace lipsync::audio {

// What a self-delimiting audio frame (MPEG audio, ADTS) says about itself.
struct FrameSummary {
  size_t size = 0;       // Bytes, header included; always >= 1.
  uint32_t samples = 0;  // PCM samples per channel the frame decodes to.
  // Header bits that stay constant within one elementary stream; a frame
  // whose key differs from the first frame's is noise, not audio.
  uint32_t stream_key = 0;
};

// Decodes the frame header at `pos`, or std::nullopt when there is no valid
// header there. Must not read outside `audio`; need not check that the whole
// frame fits.
using FrameDecoder = std::optional<FrameSummary> (*)(absl::string_view audio,
                                                     size_t pos);

// True when `count` consecutive frames of one stream start at `pos` and each
// fits inside `audio`. A run that ends exactly at the end of `audio` also
// counts as confirmed, so a legitimately tiny stream is not mistaken for noise.
bool ConfirmFrames(absl::string_view audio, size_t pos, FrameDecoder decode,
                   int count);

// The first position in [from, to) where ConfirmFrames(..., count) holds
// and (when `stream_key` is set) the frame's key matches it.
std::optional<size_t> FindFrames(absl::string_view audio, size_t from,
                                 size_t to, FrameDecoder decode, int count,
                                 std::optional<uint32_t> stream_key);

struct WalkTotals {
  uint64_t frames = 0;
  uint64_t samples = 0;
};

// Walks the frames of the stream whose first frame starts at `first` to the
// end of `audio`. On lost sync it scans forward for two confirmed frames of
// the same stream (a corrupt region costs the frames inside it, not the rest
// of the file); a final frame cut short by the end is not counted.
// Cost: O(audio.size() - first), about one header decode per frame.
WalkTotals WalkFrames(absl::string_view audio, size_t first,
                      FrameDecoder decode);

}  // namespace lipsync::audio

#endif  // LIPSYNC_SERVICE_AUDIO_FRAME_WALKER_H_
