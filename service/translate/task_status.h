// TaskStatus ⇄ the upstream's `task_status` strings.
#ifndef LIPSYNC_SERVICE_TRANSLATE_TASK_STATUS_H_
#define LIPSYNC_SERVICE_TRANSLATE_TASK_STATUS_H_

#include "absl/strings/string_view.h"
#include "kling/lipsync/v1/lipsync.pb.h"

namespace lipsync::translate {

// "submitted", "processing", "succeed", "failed"; "" for UNSPECIFIED and
// values outside the enum.
absl::string_view TaskStatusToUpstream(kling::lipsync::v1::TaskStatus status);

// The inverse, ASCII case-insensitive; TASK_STATUS_UNSPECIFIED for any other
// text (a status the upstream added later is not an error).
kling::lipsync::v1::TaskStatus TaskStatusFromUpstream(absl::string_view text);

// True for SUCCEED and FAILED: the task will not change any more.
bool IsTerminal(kling::lipsync::v1::TaskStatus status);

}  // namespace lipsync::translate

#endif  // LIPSYNC_SERVICE_TRANSLATE_TASK_STATUS_H_
