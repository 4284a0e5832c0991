// Reading the flags that pick a video (--video_id | --video_url) or a task
// (--task_id | --external_task_id).
#ifndef LIPSYNC_CLIENT_CLI_SELECTORS_H_
#define LIPSYNC_CLIENT_CLI_SELECTORS_H_

#include <string>

#include "absl/status/statusor.h"
#include "kling/lipsync/v1/lipsync.pb.h"

namespace lipsync::client::cli {

// Exactly one of --video_id, --video_url; else a usage error
// (INVALID_ARGUMENT).
absl::StatusOr<kling::lipsync::v1::IdentifyFaceRequest> ReadVideoFlags();

struct TaskRef {
  std::string task_id;
  std::string external_task_id;
};

// Exactly one of --task_id, --external_task_id; else a usage error.
absl::StatusOr<TaskRef> ReadTaskRefFlags();

}  // namespace lipsync::client::cli

#endif  // LIPSYNC_CLIENT_CLI_SELECTORS_H_
