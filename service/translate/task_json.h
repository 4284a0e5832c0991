// Upstream answer `data` → proto messages (CONTRACT §1, §2, §3, §4).
//
// Tolerant where the upstream is loose: every field is optional (missing or
// null leaves the proto field at its default; `data` {} / null gives an empty
// message, never a crash); ids and other text fields may be JSON strings or
// numbers (numbers become their exact decimal text); durations may be text or
// numbers (kept as text); times are integers or numeric strings; an unknown
// `task_status` text gives TASK_STATUS_UNSPECIFIED. A field of a type with no
// obvious meaning (e.g. `task_result` a string, `created_at` an object)
// answers INTERNAL, ErrorInfo reason UPSTREAM_BAD_ANSWER (domain
// "lipsync-gateway") with metadata `field` naming it ("task_result",
// "data[2].task_result.videos[0].url") and, from the *Answer functions,
// `kling_request_id`.
//
// A BAD_ANSWER from ParseCreateAnswer comes from a `code` 0 answer: the task
// was probably created. Callers must not re-send the create blindly.
#ifndef LIPSYNC_SERVICE_TRANSLATE_TASK_JSON_H_
#define LIPSYNC_SERVICE_TRANSLATE_TASK_JSON_H_

#include "absl/status/statusor.h"
#include "kling/lipsync/v1/lipsync.pb.h"
#include "nlohmann/json.hpp"
#include "service/translate/envelope.h"

namespace lipsync::translate {

// One task object (CONTRACT §3): task_id, task_status, task_status_msg,
// task_info {parent_video {id, url, duration}, external_task_id},
// task_result {videos [{id, url, watermark_url, duration}]},
// watermark_info {enabled}, final_unit_deduction,
// final_balance_deduction {quota, list_price}, created_at, updated_at.
// `request_id` is left empty. `data` that is neither null nor an object is
// a BAD_ANSWER with field "data".
absl::StatusOr<kling::lipsync::v1::LipSyncTask> ParseTask(
    const nlohmann::json& data);

// The create answer (CONTRACT §2: {task_id, task_status,
// task_info {external_task_id}, created_at, updated_at}; the seed documents
// it as {}), with `request_id` set from the envelope.
absl::StatusOr<kling::lipsync::v1::LipSyncTask> ParseCreateAnswer(
    const Envelope& envelope);

// The query answer (CONTRACT §3), with `request_id` set from the envelope.
absl::StatusOr<kling::lipsync::v1::LipSyncTask> ParseTaskAnswer(
    const Envelope& envelope);

// The list answer (CONTRACT §4): `data` an array of tasks (null: none). Also
// accepted, as some resellers wrap pages: an object holding the array as
// `list` or `tasks`. `page_size` is the pageSize actually sent upstream:
// `has_next_page` is true when the page is full. The response's `request_id`
// is set from the envelope (the tasks' own `request_id` stay empty).
absl::StatusOr<kling::lipsync::v1::ListLipSyncTasksResponse> ParseListAnswer(
    const Envelope& envelope, int page_size);

// The face identification answer (CONTRACT §1): session_id, the faces from
// `face_data` (or, when that is missing or null, `face_list`) as
// {face_id, face_image, start_time, end_time}, final_unit_deduction,
// final_balance_deduction; `request_id` set from the envelope.
absl::StatusOr<kling::lipsync::v1::IdentifyFaceResponse> ParseIdentifyAnswer(
    const Envelope& envelope);

}  // namespace lipsync::translate

#endif  // LIPSYNC_SERVICE_TRANSLATE_TASK_JSON_H_
