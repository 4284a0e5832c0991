#include "service/validation/create_request_validator.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "service/validation/audio_source_rules.h"
#include "service/validation/face_timing_rules.h"
#include "service/validation/field_path.h"
#include "service/validation/string_rules.h"

namespace lipsync::validation {
namespace {

using ::kling::lipsync::v1::CreateLipSyncTaskRequest;
using ::kling::lipsync::v1::FaceChoose;

void CheckFaceCount(const CreateLipSyncTaskRequest& request,
                    FieldViolations& out) {
  const int n = request.face_choose_size();
  if (n == 0) {
    out.push_back({"face_choose", "is required: exactly one face"});
  } else if (n > 1) {
    std::string description =
        absl::StrCat("only one face is supported (got ", n, ")");
    if (n > kMaxFacesValidated) {
      absl::StrAppend(&description, "; only the first ", kMaxFacesValidated,
                      " entries were checked");
    }
    out.push_back({"face_choose", std::move(description)});
  }
}

// One entry, in proto field order: face_id (1), audio_id (2),
// sound_file (3), the times (4-6), the volumes (7-8), sound_file_bytes (9).
void CheckFace(const FaceChoose& face, std::size_t sound_file_bytes_size,
               absl::string_view face_path, FieldViolations& out) {
  CheckAudioSourceChoice(face, sound_file_bytes_size, face_path, out);
  // "-1" is a valid face id: the seed's example uses it.
  CheckId(FieldPath(face_path, "face_id"), face.face_id(), Presence::kRequired,
          out);
  CheckAudioId(face, face_path, out);
  CheckSoundFile(face, face_path, out);
  CheckFaceTimes(face, face_path, out);
  CheckFaceVolumes(face, face_path, out);
  CheckSoundFileBytes(sound_file_bytes_size, face_path, out);
}

}  // namespace

FieldViolations ValidateCreateRequest(const CreateRequest& create) {
  const CreateLipSyncTaskRequest& request = create.message();
  FieldViolations out;
  CheckId("session_id", request.session_id(), Presence::kRequired, out);
  CheckFaceCount(request, out);
  const int faces = std::min(request.face_choose_size(), kMaxFacesValidated);
  for (int i = 0; i < faces; ++i) {
    CheckFace(request.face_choose(i), create.sound_file_bytes(i).size(),
              absl::StrCat("face_choose[", i, "]"), out);
  }
  CheckId("external_task_id", request.external_task_id(), Presence::kOptional,
          out);
  CheckNotDotSegment("external_task_id", request.external_task_id(), out);
  CheckHttpUrl("callback_url", request.callback_url(), Presence::kOptional,
               out);
  // watermark_info: a bool, any value is valid.
  CheckIdempotencyKey("request_id", request.request_id(), out);
  return out;
}

}  // namespace lipsync::validation
