#include "client/cli/output.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "client/printable_text.h"
#include "client/task_status.h"
#include "google/protobuf/util/json_util.h"

namespace lipsync::client::cli {
namespace {

namespace v1 = ::kling::lipsync::v1;

// Prints "label: value" aligned, only when value is set.
void Field(std::FILE* out, absl::string_view label, absl::string_view value) {
  if (value.empty()) return;
  absl::FPrintF(out, "%-18s %s\n", absl::StrCat(label, ":"),
                PrintableText(value));
}

std::string Units(const std::string& units,
                  const v1::BalanceDeduction& deduction) {
  std::string text = units;
  if (!deduction.quota().empty() || !deduction.list_price().empty()) {
    absl::StrAppend(&text, text.empty() ? "" : " ", "(quota ",
                    deduction.quota(), ", list price ", deduction.list_price(),
                    ")");
  }
  return text;
}

}  // namespace

std::string ToJsonLine(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  // Serializing a message we hold cannot fail (no Any, no unknown types).
  if (!google::protobuf::util::MessageToJsonString(message, &json, options)
           .ok()) {
    return "{}";
  }
  return json;
}

void PrintJson(std::FILE* out, const google::protobuf::Message& message) {
  absl::FPrintF(out, "%s\n", ToJsonLine(message));
  std::fflush(out);
}

std::string FormatEpochMillis(int64_t ms) {
  if (ms == 0) return "-";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", absl::FromUnixMillis(ms),
                          absl::UTCTimeZone());
}

std::string FormatMillis(int64_t ms) {
  return absl::StrFormat("%s%d.%03ds", ms < 0 ? "-" : "",
                         (ms < 0 ? -ms : ms) / 1000,
                         (ms < 0 ? -ms : ms) % 1000);
}

std::string FormatElapsed(absl::Duration elapsed) {
  if (elapsed < absl::Minutes(1)) {
    return absl::StrFormat("%.1fs", absl::ToDoubleSeconds(elapsed));
  }
  const int64_t seconds = absl::ToInt64Seconds(elapsed);
  if (elapsed < absl::Hours(1)) {
    return absl::StrFormat("%dm%02ds", seconds / 60, seconds % 60);
  }
  return absl::StrFormat("%dh%02dm", seconds / 3600, seconds % 3600 / 60);
}

void PrintFaces(std::FILE* out, const v1::IdentifyFaceResponse& response) {
  for (int i = 0; i < response.face_data_size(); ++i) {
    const v1::FaceData& face = response.face_data(i);
    absl::FPrintF(
        out, "  [%d] face_id %s  %s - %s  %s\n", i,
        PrintableText(face.face_id()), FormatMillis(face.start_time()),
        FormatMillis(face.end_time()), PrintableText(face.face_image()));
  }
}

void PrintIdentifyResponse(std::FILE* out,
                           const v1::IdentifyFaceResponse& response) {
  Field(out, "session_id", response.session_id());
  absl::FPrintF(out, "%-18s %d (lip-sync intervals from the video start)\n",
                "faces:", response.face_data_size());
  PrintFaces(out, response);
  Field(out, "units charged",
        Units(response.final_unit_deduction(),
              response.final_balance_deduction()));
  Field(out, "request_id", response.request_id());
}

void PrintTask(std::FILE* out, const v1::LipSyncTask& task) {
  Field(out, "task_id", task.task_id());
  Field(out, "status", TaskStatusName(task.task_status()));
  Field(out, "status message", task.task_status_msg());
  Field(out, "external_task_id", task.task_info().external_task_id());
  Field(out, "source video", task.task_info().parent_video().url());
  Field(out, "created", FormatEpochMillis(task.created_at()));
  Field(out, "updated", FormatEpochMillis(task.updated_at()));
  for (const v1::ResultVideo& video : task.task_result().videos()) {
    Field(out, "video", video.url());
    Field(out, "video duration",
          video.duration().empty() ? "" : absl::StrCat(video.duration(), " s"));
    Field(out, "watermarked video", video.watermark_url());
  }
  Field(out, "units charged",
        Units(task.final_unit_deduction(), task.final_balance_deduction()));
  Field(out, "request_id", task.request_id());
}

void PrintTaskList(std::FILE* out,
                   const v1::ListLipSyncTasksResponse& response) {
  absl::FPrintF(out, "%-22s %-11s %-24s %s\n", "TASK_ID", "STATUS", "CREATED",
                "EXTERNAL_TASK_ID");
  for (const v1::LipSyncTask& task : response.tasks()) {
    absl::FPrintF(out, "%-22s %-11s %-24s %s\n", PrintableText(task.task_id()),
                  TaskStatusName(task.task_status()),
                  FormatEpochMillis(task.created_at()),
                  PrintableText(task.task_info().external_task_id()));
  }
  if (response.tasks().empty()) absl::FPrintF(out, "(no tasks)\n");
}

}  // namespace lipsync::client::cli
