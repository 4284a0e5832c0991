#ifndef LIPSYNC_SIM_BODY_CHECKS_H_
#define LIPSYNC_SIM_BODY_CHECKS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "sim/base64.h"
#include "sim/session_store.h"

namespace kling_sim {

// The largest decoded sound_file the upstream accepts ("at most 5 MB").
inline constexpr uint64_t kMaxSoundFileBytes = 5 * 1024 * 1024;

// A checked identify-face body: exactly one of the two is non-empty.
struct IdentifyRequest {
  std::string video_id;
  std::string video_url;
};

// Where the audio of a face choice comes from.
enum class SoundSource { kAudioId, kUrl, kBase64 };

// A checked `face_choose[0]`.
struct FaceChoice {
  std::string face_id;
  SoundSource source = SoundSource::kAudioId;
  std::string audio_id;   // when source == kAudioId
  std::string sound_url;  // when source == kUrl (base64 bytes are not kept)
  int64_t sound_start_time = 0;
  int64_t sound_end_time = 0;
  int64_t sound_insert_time = 0;
  double sound_volume = 1.0;
  double original_audio_volume = 1.0;
};

// A checked advanced-lip-sync create body.
struct CreateRequest {
  std::string session_id;
  FaceChoice face;
  std::string external_task_id;  // empty: none given
  std::string callback_url;      // empty: none given
  bool watermark_enabled = false;
};

// The rules below are those of the seed page and CONTRACT.md section 1/2.
// Every violation is collected; the error is InvalidArgument with one message
// naming each offending field, separated by "; " (the caller answers it as
// HTTP 400, Kling code 1201).

absl::StatusOr<IdentifyRequest> CheckIdentifyBody(const nlohmann::json& body);

// `sound_digest`, when not null, receives the digest of a base64 sound_file
// whenever it decodes, even if the body is refused for another reason, so the
// request record can show what arrived.
absl::StatusOr<CreateRequest> CheckCreateBody(
    const nlohmann::json& body, std::optional<Base64Digest>* sound_digest);

// The rules that need the identified video: the inserted audio
// [insert, insert + (end - start)] must lie inside the video and overlap the
// face's interval by at least 2,000 ms. `face` may be null (unknown face_id):
// then only the video bounds are checked.
absl::Status CheckAgainstSession(const FaceChoice& choice,
                                 const Session& session, const Face* face);

}  // namespace kling_sim

#endif  // LIPSYNC_SIM_BODY_CHECKS_H_
