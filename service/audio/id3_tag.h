#ifndef LIPSYNC_SERVICE_AUDIO_ID3_TAG_H_
#define LIPSYNC_SERVICE_AUDIO_ID3_TAG_H_

#include <cstddef>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace lipsync::audio {

// Bytes taken by the ID3v2 tags at the start of `bytes` (0 when there is
// none). Several tags in a row are all skipped. A tag's size is the syncsafe
// 28-bit integer of its header, plus 10 for the header and 10 more when the
// v2.4 footer flag is set.
// Errors (INVALID_ARGUMENT, prefixed with `container`): a size that is not
// syncsafe, or a tag that ends after the bytes do.
absl::StatusOr<size_t> LeadingId3v2Size(absl::string_view bytes,
                                        absl::string_view container);

// Bytes taken by tags at the end of an MPEG audio or ADTS stream: an ID3v1
// "TAG" block (128 bytes) and/or an APEv2 tag ("APETAGEX" footer), so that
// frame walks and size checks stop at the audio. Never more than
// bytes.size() - `audio_start`.
size_t TrailingTagsSize(absl::string_view bytes, size_t audio_start);

// Where the frames of an MPEG audio or ADTS stream may lie in its file.
struct TaggedStream {
  // LeadingId3v2Size: the first byte after the ID3v2 tags.
  size_t start = 0;
  // The file up to its trailing tags (TrailingTagsSize), so that frame walks
  // never count tag bytes as audio. Offsets are the file's.
  absl::string_view audio;
};

// LeadingId3v2Size and TrailingTagsSize of `bytes`, with their errors.
absl::StatusOr<TaggedStream> FindTaggedStream(absl::string_view bytes,
                                              absl::string_view container);

// INVALID_ARGUMENT for a stream with no run of valid `frames` frames (e.g.
// "ADTS") at its start: the not-recognised message when there is no ID3v2
// tag (the bytes may be of any format), else "corrupt <container>: no run of
// valid <frames> frames after the ID3v2 tag".
absl::Status NoFramesError(const TaggedStream& stream,
                           absl::string_view container,
                           absl::string_view frames);

}  // namespace lipsync::audio

#endif  // LIPSYNC_SERVICE_AUDIO_ID3_TAG_H_
