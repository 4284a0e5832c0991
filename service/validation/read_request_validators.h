// Validation of the requests that do not create a task: IdentifyFace,
// GetLipSyncTask, ListLipSyncTasks, WatchLipSyncTask.
//
// Each function returns every violation of its request, in field order; empty
// when the request is valid. "Exactly one of a, b" violations are reported on
// the first field of the pair (`video_id`, `task_id`) and name both.
// Pure and thread-safe.
#ifndef LIPSYNC_SERVICE_VALIDATION_READ_REQUEST_VALIDATORS_H_
#define LIPSYNC_SERVICE_VALIDATION_READ_REQUEST_VALIDATORS_H_

#include "kling/lipsync/v1/lipsync.pb.h"
#include "service/common/field_violation.h"

namespace lipsync::validation {

// Exactly one of `video_id` (id rules) and `video_url` (http(s) URL rules) is
// set. IdentifyFace is billed upstream, so this runs before any call.
FieldViolations ValidateIdentifyFaceRequest(
    const kling::lipsync::v1::IdentifyFaceRequest& request);

// Exactly one of `task_id` and `external_task_id` is set; each follows the id
// rules.
FieldViolations ValidateGetTaskRequest(
    const kling::lipsync::v1::GetLipSyncTaskRequest& request);

// `page_num` is 0 (the default, 1) or in [kMinPageNum, kMaxPageNum];
// `page_size` is 0 (the default, 30) or in [kMinPageSize, kMaxPageSize].
FieldViolations ValidateListTasksRequest(
    const kling::lipsync::v1::ListLipSyncTasksRequest& request);

// Same rules as ValidateGetTaskRequest.
FieldViolations ValidateWatchTaskRequest(
    const kling::lipsync::v1::WatchLipSyncTaskRequest& request);

}  // namespace lipsync::validation

#endif  // LIPSYNC_SERVICE_VALIDATION_READ_REQUEST_VALIDATORS_H_
