// Validation of CreateLipSyncTask requests: every rule of CONTRACT §2 and of
// the field comments in lipsync.proto that can be checked from the request
// alone. See service/validation/README.md for the rule table.
#ifndef LIPSYNC_SERVICE_VALIDATION_CREATE_REQUEST_VALIDATOR_H_
#define LIPSYNC_SERVICE_VALIDATION_CREATE_REQUEST_VALIDATOR_H_

#include "kling/lipsync/v1/lipsync.pb.h"
#include "service/common/create_request.h"
#include "service/common/field_violation.h"

namespace lipsync::validation {

// At most this many `face_choose` entries have their contents checked: the
// upstream takes exactly one, and hostile input (thousands of entries) must
// cost bounded work and give a bounded list of violations.
inline constexpr int kMaxFacesValidated = 16;

// Returns every violation of `create`, in field order (proto field order,
// entries by index; within an entry, the "exactly one audio source" rule on
// the entry itself comes first); empty when the request is valid.
//
// Does not check what needs the upstream or the audio content: the face id
// and interval of the session (session_rules.h), the audio's format and
// duration (service/audio), the video's end (unknown to the gateway).
//
// Pure, thread-safe, and never fails: any input gives a list. Work is linear
// in the size of the strings of the first kMaxFacesValidated entries and of
// the top-level fields; each description is short (no input is echoed).
FieldViolations ValidateCreateRequest(const CreateRequest& create);

}  // namespace lipsync::validation

#endif  // LIPSYNC_SERVICE_VALIDATION_CREATE_REQUEST_VALIDATOR_H_
