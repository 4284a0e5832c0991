// Rules on the audio itself, for audio sent inline (Base64 `sound_file` or
// `sound_file_bytes`): the container must be WAV, MP3, M4A or ADTS AAC, the
// duration in [2 s, 60 s], and `sound_end_time` within it. Audio given by URL
// or audio_id cannot be checked without fetching it: the upstream remains the
// judge there.
#ifndef LIPSYNC_SERVICE_VALIDATION_AUDIO_CONTENT_RULES_H_
#define LIPSYNC_SERVICE_VALIDATION_AUDIO_CONTENT_RULES_H_

#include "kling/lipsync/v1/lipsync.pb.h"
#include "service/common/create_request.h"
#include "service/common/field_violation.h"

namespace lipsync::validation {

// Run after ValidateCreateRequest found no violation (the audio source is
// known to be exactly one and its Base64 valid). Decodes Base64 audio once
// (one copy) to sniff it; raw bytes are sniffed where they lie (see
// audio::SniffAudio on a Cord). Pure, thread-safe.
FieldViolations ValidateAudioContent(const CreateRequest& request);

}  // namespace lipsync::validation

#endif  // LIPSYNC_SERVICE_VALIDATION_AUDIO_CONTENT_RULES_H_
