// The upstream JSON bodies of the two POST calls, built from validated
// requests.
#ifndef LIPSYNC_SERVICE_TRANSLATE_CREATE_BODY_H_
#define LIPSYNC_SERVICE_TRANSLATE_CREATE_BODY_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"
#include "kling/lipsync/v1/lipsync.pb.h"
#include "service/common/create_request.h"
#include "service/common/streamed_body.h"

namespace lipsync::translate {

// The body of POST /v1/videos/advanced-lip-sync, keys in the seed's order:
//   {"session_id":…,"face_choose":[{"face_id":…,"audio_id"|"sound_file":…,
//    "sound_start_time":…,"sound_end_time":…,"sound_insert_time":…,
//    "sound_volume":…,"original_audio_volume":…}],
//    "external_task_id":…,"callback_url":…,"watermark_info":{"enabled":…}}
// - Empty strings are omitted (the upstream gets "absent", never `""`).
// - `sound_file` is sent as given, or else, when `sound_file_bytes` is
//   non-empty, as their standard padded Base64. When the caller set several
//   audio sources (validation refuses that), every non-empty text field is
//   sent and `sound_file` wins over `sound_file_bytes`: no key twice.
// - The three times are JSON integers, the two volumes JSON numbers (`1`, not
//   `1.0`, for integral values); an unset optional field is omitted.
// - `watermark_info` is sent only when the message is set.
// - `face_choose` is always sent, with every element (validation allows one).
// - The gateway-only `request_id` and `sound_file_bytes` are never sent.
// - `external_task_id_if_unset` is sent as `external_task_id` when the
//   request has none (the idempotency key, see CallContext), so that no
//   modified copy of a 5 MB request is needed to send it.
// The request should have been validated; an unvalidated one still yields
// valid JSON, never a crash. The result's capacity is its exact size: one
// allocation, the audio copied/encoded once (see create_body.cc).
std::string BuildCreateTaskBody(
    const CreateRequest& request,
    absl::string_view external_task_id_if_unset = {});

// The same bytes as BuildCreateTaskBody(request, external_task_id_if_unset),
// described as a StreamedBody for the transport to pull: `sound_file_bytes`
// is referenced where it is (the body shares its Cord), not copied. When
// the Cord views the message's own field, `request`'s message must outlive
// every read of the result (the UpstreamClient contract keeps it valid
// until `done`).
StreamedBody StreamCreateTaskBody(
    const CreateRequest& request,
    absl::string_view external_task_id_if_unset = {});

// The body of POST /v1/videos/identify-face: {"video_id":…} or
// {"video_url":…}; empty fields are omitted (both are sent if both are set).
std::string BuildIdentifyFaceBody(
    const kling::lipsync::v1::IdentifyFaceRequest& request);

}  // namespace lipsync::translate

#endif  // LIPSYNC_SERVICE_TRANSLATE_CREATE_BODY_H_
