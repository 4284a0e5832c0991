// Checks of a CreateLipSyncTask request against the faces that IdentifyFace
// returned for its session (CONTRACT §1, §2), for when the gateway remembers
// that session. A replica that does not know the session (another replica
// served IdentifyFace, or the memory expired) skips these checks and lets the
// upstream judge.
#ifndef LIPSYNC_SERVICE_VALIDATION_SESSION_RULES_H_
#define LIPSYNC_SERVICE_VALIDATION_SESSION_RULES_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "kling/lipsync/v1/lipsync.pb.h"
#include "service/common/field_violation.h"

namespace lipsync::validation {

// One face of a session, as IdentifyFace returned it: the face can be
// lip-synced in [start_time_ms, end_time_ms], milliseconds from the video
// start. Upstream data: any values are handled (no overflow, no crash).
struct KnownFace {
  std::string face_id;
  int64_t start_time_ms;
  int64_t end_time_ms;
};

// A violation lists at most this many of the session's face ids.
inline constexpr std::size_t kMaxKnownFacesListed = 10;

// Returns the violations of `request` against its session's faces:
//   - `face_choose[0].face_id` must be the id of one of `faces_of_session`
//     (the description lists up to kMaxKnownFacesListed known ids);
//   - the inserted range [sound_insert_time, sound_insert_time +
//     (sound_end_time - sound_start_time)] must overlap that face's
//     [start_time_ms, end_time_ms] by at least kMinFaceOverlapMs; reported on
//     `face_choose[0].sound_insert_time` with the computed overlap and the
//     face's interval.
// NOT checked: that the inserted range ends before the video's end (CONTRACT
// §2). IdentifyFace does not return the video's duration, so the gateway does
// not know it; the upstream enforces it.
//
// Each check is skipped (no violation) when the request fields it needs are
// missing or invalid: ValidateCreateRequest reports those. That is, the face
// id check needs exactly one `face_choose` entry with a valid `face_id`; the
// overlap check also needs valid times (FaceTimesAreValid). Pure and
// thread-safe.
FieldViolations ValidateAgainstSession(
    const kling::lipsync::v1::CreateLipSyncTaskRequest& request,
    const std::vector<KnownFace>& faces_of_session);

}  // namespace lipsync::validation

#endif  // LIPSYNC_SERVICE_VALIDATION_SESSION_RULES_H_
