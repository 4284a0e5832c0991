// The audio-source rules of one `face_choose[]` entry (CONTRACT §2: "audio_id
// and sound_file parameters are mutually exclusive; cannot both be empty or
// both have values"; the gateway-only `sound_file_bytes` joins the choice).
//
// Audio *content* (format, duration) is not checked here: that is
// service/audio's job, on the bytes this layer has accepted. The seam for it is
// ClassifyAudioSource: the caller decodes inline audio (kBase64, kBytes) and
// hands it to the sniffer once these rules pass.
//
// All functions are pure and thread-safe. The Check* functions append to
// `out`; `face_path` is the path of the entry, e.g. "face_choose[0]".
// `sound_file_bytes_size` is the size of the entry's `sound_file_bytes`,
// which the gateway holds apart from the message (CreateRequest).
#ifndef LIPSYNC_SERVICE_VALIDATION_AUDIO_SOURCE_RULES_H_
#define LIPSYNC_SERVICE_VALIDATION_AUDIO_SOURCE_RULES_H_

#include <cstddef>

#include "absl/strings/string_view.h"
#include "kling/lipsync/v1/lipsync.pb.h"
#include "service/common/field_violation.h"

namespace lipsync::validation {

// Which audio source a face entry uses. Empty strings/bytes count as not set.
enum class AudioSource {
  kNone,     // None of audio_id, sound_file, sound_file_bytes is set.
  kAudioId,  // audio_id only: Kling TTS audio, nothing to sniff.
  kUrl,      // sound_file only, starting with http:// or https:// (any case).
  kBase64,   // sound_file only, anything else: meant as Base64 audio bytes.
  kBytes,    // sound_file_bytes only: raw audio bytes.
  kSeveral,  // More than one is set.
};

// Classifies without validating: kUrl and kBase64 say what the caller meant,
// not that the value is well-formed (run the Check* rules for that).
AudioSource ClassifyAudioSource(const kling::lipsync::v1::FaceChoose& face,
                                std::size_t sound_file_bytes_size);

// "none", "audio_id", "url", "base64", "bytes", "several": for logs.
absl::string_view AudioSourceName(AudioSource source);

// Exactly one of audio_id, sound_file, sound_file_bytes is set. A violation
// is reported on `face_path` itself (the rule is about the entry) and names
// the fields that are set, or says that none is.
void CheckAudioSourceChoice(const kling::lipsync::v1::FaceChoose& face,
                            std::size_t sound_file_bytes_size,
                            absl::string_view face_path, FieldViolations& out);

// `audio_id`, when set: the id rules (string_rules.h).
void CheckAudioId(const kling::lipsync::v1::FaceChoose& face,
                  absl::string_view face_path, FieldViolations& out);

// `sound_file`, when set: an http(s) URL (string_rules.h CheckHttpUrl) when it
// has a URL scheme, else canonical padded standard Base64 (no "data:" prefix,
// which gets its own message) of at most kMaxAudioBytes decoded bytes.
void CheckSoundFile(const kling::lipsync::v1::FaceChoose& face,
                    absl::string_view face_path, FieldViolations& out);

// `sound_file_bytes`, when set (non-empty): at most kMaxAudioBytes bytes.
void CheckSoundFileBytes(std::size_t sound_file_bytes_size,
                         absl::string_view face_path, FieldViolations& out);

// All four checks above, in that order.
void CheckAudioSource(const kling::lipsync::v1::FaceChoose& face,
                      std::size_t sound_file_bytes_size,
                      absl::string_view face_path, FieldViolations& out);

}  // namespace lipsync::validation

#endif  // LIPSYNC_SERVICE_VALIDATION_AUDIO_SOURCE_RULES_H_
