#ifndef LIPSYNC_SERVICE_AUDIO_ADTS_PARSER_H_
#define LIPSYNC_SERVICE_AUDIO_ADTS_PARSER_H_

#include <cstddef>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "service/audio/audio_info.h"

namespace lipsync::audio {

// Parses a raw AAC stream in ADTS framing (".aac") held entirely in `bytes`,
// optionally preceded by ID3v2 tags and followed by ID3v1/APEv2 tags.
//
// Recognition: 3 consecutive valid ADTS headers (sync 0xFFF, layer 0, a
// sampling-frequency index below 13, frame_length covering the header) of
// one stream (same MPEG version, profile, sampling frequency and channel
// configuration), right after the ID3v2 tags or at offset 0.
//
// Duration: ADTS has no global header, so every frame is walked:
// sum(raw data blocks per frame) * 1024 / sampling frequency, O(file size),
// one 7-byte header decode per frame (~21 ms of audio at 48 kHz), resyncing
// past corrupt regions; a final frame cut short is not counted. For HE-AAC
// the header carries the core (half) rate, and the result is still right.
// channels is 0 when channel_configuration is 0 (declared in the payload).
//
// Never reads outside `bytes`. Errors: INVALID_ARGUMENT ("truncated AAC:
// ...", "corrupt AAC: ...", or the not-recognised message).
absl::StatusOr<AudioInfo> ParseAdts(absl::string_view bytes);

// True when a valid ADTS header (not confirmed by the following frames)
// starts at `offset`.
bool HasAdtsHeaderAt(absl::string_view bytes, size_t offset);

}  // namespace lipsync::audio

#endif  // LIPSYNC_SERVICE_AUDIO_ADTS_PARSER_H_
