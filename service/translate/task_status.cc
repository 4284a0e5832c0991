#include "service/translate/task_status.h"

#include "absl/strings/match.h"

namespace lipsync::translate {
namespace {

namespace v1 = ::kling::lipsync::v1;

struct Name {
  v1::TaskStatus status;
  absl::string_view upstream;
};
constexpr Name kNames[] = {
    {v1::TASK_STATUS_SUBMITTED, "submitted"},
    {v1::TASK_STATUS_PROCESSING, "processing"},
    {v1::TASK_STATUS_SUCCEED, "succeed"},
    {v1::TASK_STATUS_FAILED, "failed"},
};

}  // namespace

absl::string_view TaskStatusToUpstream(v1::TaskStatus status) {
  for (const Name& name : kNames) {
    if (name.status == status) return name.upstream;
  }
  return "";
}

v1::TaskStatus TaskStatusFromUpstream(absl::string_view text) {
  for (const Name& name : kNames) {
    if (absl::EqualsIgnoreCase(name.upstream, text)) return name.status;
  }
  return v1::TASK_STATUS_UNSPECIFIED;
}

bool IsTerminal(v1::TaskStatus status) {
  return status == v1::TASK_STATUS_SUCCEED || status == v1::TASK_STATUS_FAILED;
}

}  // namespace lipsync::translate
