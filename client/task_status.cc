#include "client/task_status.h"

namespace lipsync::client {

namespace v1 = ::kling::lipsync::v1;

bool IsTerminal(v1::TaskStatus status) {
  return status == v1::TASK_STATUS_SUCCEED || status == v1::TASK_STATUS_FAILED;
}

absl::string_view TaskStatusName(v1::TaskStatus status) {
  switch (status) {
    case v1::TASK_STATUS_UNSPECIFIED:
      return "unspecified";
    case v1::TASK_STATUS_SUBMITTED:
      return "submitted";
    case v1::TASK_STATUS_PROCESSING:
      return "processing";
    case v1::TASK_STATUS_SUCCEED:
      return "succeed";
    case v1::TASK_STATUS_FAILED:
      return "failed";
    default:
      // A newer gateway may send values this build does not know.
      return "unknown";
  }
}

}  // namespace lipsync::client
