// Small facts about kling.lipsync.v1.TaskStatus.
#ifndef LIPSYNC_CLIENT_TASK_STATUS_H_
#define LIPSYNC_CLIENT_TASK_STATUS_H_

#include "absl/strings/string_view.h"
#include "kling/lipsync/v1/lipsync.pb.h"

namespace lipsync::client {

// True for the statuses a task never leaves: SUCCEED and FAILED.
bool IsTerminal(kling::lipsync::v1::TaskStatus status);

// The upstream's own name ("submitted", "processing", "succeed", "failed"),
// the one Kling's documentation and support use; "unspecified" for 0 and
// "unknown" for values this build does not know.
absl::string_view TaskStatusName(kling::lipsync::v1::TaskStatus status);

}  // namespace lipsync::client

#endif  // LIPSYNC_CLIENT_TASK_STATUS_H_
