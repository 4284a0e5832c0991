#include "service/validation/read_request_validators.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "service/common/limits.h"
#include "service/validation/string_rules.h"

namespace lipsync::validation {
namespace {

// Reports on `first` when not exactly one of the two values is set.
void CheckExactlyOne(absl::string_view first, absl::string_view first_value,
                     absl::string_view second, absl::string_view second_value,
                     FieldViolations& out) {
  const bool has_first = !first_value.empty();
  const bool has_second = !second_value.empty();
  if (has_first == has_second) {
    out.push_back({std::string(first),
                   absl::StrCat("exactly one of ", first, " and ", second,
                                " must be set; ",
                                has_first ? "both are" : "neither is")});
  }
}

FieldViolations ValidateTaskReference(absl::string_view task_id,
                                      absl::string_view external_task_id) {
  FieldViolations out;
  CheckExactlyOne("task_id", task_id, "external_task_id", external_task_id,
                  out);
  CheckId("task_id", task_id, Presence::kOptional, out);
  CheckNotDotSegment("task_id", task_id, out);
  CheckId("external_task_id", external_task_id, Presence::kOptional, out);
  CheckNotDotSegment("external_task_id", external_task_id, out);
  return out;
}

void CheckPaging(absl::string_view field, int value, int min, int max,
                 int default_value, FieldViolations& out) {
  if (value == 0 || (value >= min && value <= max)) return;
  out.push_back({std::string(field),
                 absl::StrCat("must be in [", min, ", ", max, "], or 0 for ",
                              default_value, " (got ", value, ")")});
}

}  // namespace

FieldViolations ValidateIdentifyFaceRequest(
    const kling::lipsync::v1::IdentifyFaceRequest& request) {
  FieldViolations out;
  CheckExactlyOne("video_id", request.video_id(), "video_url",
                  request.video_url(), out);
  CheckId("video_id", request.video_id(), Presence::kOptional, out);
  CheckHttpUrl("video_url", request.video_url(), Presence::kOptional, out);
  return out;
}

FieldViolations ValidateGetTaskRequest(
    const kling::lipsync::v1::GetLipSyncTaskRequest& request) {
  return ValidateTaskReference(request.task_id(), request.external_task_id());
}

FieldViolations ValidateListTasksRequest(
    const kling::lipsync::v1::ListLipSyncTasksRequest& request) {
  FieldViolations out;
  CheckPaging("page_num", request.page_num(), kMinPageNum, kMaxPageNum,
              kDefaultPageNum, out);
  CheckPaging("page_size", request.page_size(), kMinPageSize, kMaxPageSize,
              kDefaultPageSize, out);
  return out;
}

FieldViolations ValidateWatchTaskRequest(
    const kling::lipsync::v1::WatchLipSyncTaskRequest& request) {
  return ValidateTaskReference(request.task_id(), request.external_task_id());
}

}  // namespace lipsync::validation
