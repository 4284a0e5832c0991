#ifndef LIPSYNC_SERVICE_AUDIO_MP3_PARSER_H_
#define LIPSYNC_SERVICE_AUDIO_MP3_PARSER_H_

#include <cstddef>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "service/audio/audio_info.h"

namespace lipsync::audio {

// Parses an MPEG audio elementary stream (layer III, and layers I/II too)
// held entirely in `bytes`, optionally preceded by ID3v2 tags and followed by
// ID3v1/APEv2 tags.
//
// Recognition: after the ID3v2 tags (or at offset 0 when there are none) there
// must be 3 consecutive valid frame headers of one stream (same version, layer
// and sample rate), which random bytes essentially never produce. When an
// ID3v2 tag is present, up to 64 KiB of padding after it is searched.
//
// Duration, in order of preference:
//   1. a Xing/Info tag (LAME, ffmpeg) or a VBRI tag (Fraunhofer) in the first
//      frame that declares a frame count consistent with the byte count:
//      frames * samples_per_frame / sample_rate; header-only, O(1);
//   2. otherwise every frame is walked (CBR files without a tag): O(file
//      size), one 4-byte header decode per frame (~26 ms of audio), resyncing
//      past corrupt regions. A final frame cut short is not counted.
// A tag that declares more stream bytes than are present is a truncated
// upload and is rejected.
//
// Never reads outside `bytes`. Errors: INVALID_ARGUMENT ("truncated MP3: ...",
// "corrupt MP3: ...", or the not-recognised message).
absl::StatusOr<AudioInfo> ParseMp3(absl::string_view bytes);

// True when a valid MPEG audio frame header (not confirmed by the following
// frames) starts at `offset`.
bool HasMpegAudioHeaderAt(absl::string_view bytes, size_t offset);

}  // namespace lipsync::audio

#endif  // LIPSYNC_SERVICE_AUDIO_MP3_PARSER_H_
