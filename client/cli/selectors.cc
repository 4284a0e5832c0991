#include "client/cli/selectors.h"

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "client/cli/flags.h"

namespace lipsync::client::cli {

absl::StatusOr<kling::lipsync::v1::IdentifyFaceRequest> ReadVideoFlags() {
  kling::lipsync::v1::IdentifyFaceRequest request;
  request.set_video_id(absl::GetFlag(FLAGS_video_id));
  request.set_video_url(absl::GetFlag(FLAGS_video_url));
  if (request.video_id().empty() == request.video_url().empty()) {
    return absl::InvalidArgumentError(
        request.video_id().empty()
            ? "give the video with --video_id or --video_url"
            : "give only one of --video_id and --video_url");
  }
  return request;
}

absl::StatusOr<TaskRef> ReadTaskRefFlags() {
  TaskRef ref{absl::GetFlag(FLAGS_task_id),
              absl::GetFlag(FLAGS_external_task_id)};
  if (ref.task_id.empty() == ref.external_task_id.empty()) {
    return absl::InvalidArgumentError(
        ref.task_id.empty()
            ? "give the task with --task_id or --external_task_id"
            : "give only one of --task_id and --external_task_id");
  }
  return ref;
}

}  // namespace lipsync::client::cli
