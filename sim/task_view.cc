#include "sim/task_view.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace kling_sim {
namespace {

using json = nlohmann::ordered_json;

constexpr const char* kFailureMessage =
    "simulated failure: the task's external_task_id starts with 'fail-'";

// One unit per started 5 s of video; a failed task is not charged.
int64_t UnitsCharged(const LipSyncTask& task, const TaskState& state) {
  if (state.status == TaskStatus::kFailed) return 0;
  return std::max<int64_t>(1, (task.parent_video.duration_ms + 4999) / 5000);
}

json TaskInfo(const LipSyncTask& task) {
  json info = {{"parent_video",
                {{"id", task.parent_video.id},
                 {"url", task.parent_video.url},
                 {"duration", FormatSeconds(task.parent_video.duration_ms)}}}};
  if (!task.external_task_id.empty()) {
    info["external_task_id"] = task.external_task_id;
  }
  return info;
}

json ResultVideo(const LipSyncTask& task, bool with_watermark_url) {
  json video = {{"id", task.result_video_id},
                {"url", absl::StrCat("https://sim.invalid/results/",
                                     task.task_id, ".mp4")},
                {"duration", FormatSeconds(task.parent_video.duration_ms)}};
  if (with_watermark_url && task.watermark_enabled) {
    video["watermark_url"] = absl::StrCat("https://sim.invalid/results/",
                                          task.task_id, "-watermark.mp4");
  }
  return video;
}

// Videos exist only once the task has succeeded.
json TaskResult(const LipSyncTask& task, const TaskState& state,
                bool with_watermark_url) {
  json result = json::object();
  if (state.status == TaskStatus::kSucceed) {
    result["videos"] = json::array({ResultVideo(task, with_watermark_url)});
  }
  return result;
}

std::string StatusMessage(const TaskState& state) {
  return state.status == TaskStatus::kFailed ? kFailureMessage : "";
}

}  // namespace

std::string FormatSeconds(int64_t ms) {
  if (ms % 1000 == 0) return absl::StrCat(ms / 1000, ".0");
  std::string text = absl::StrFormat("%d.%03d", ms / 1000, ms % 1000);
  while (text.back() == '0') text.pop_back();
  return text;
}

json RenderCreatedTask(const LipSyncTask& task) {
  json info = json::object();
  if (!task.external_task_id.empty()) {
    info["external_task_id"] = task.external_task_id;
  }
  return {{"task_id", task.task_id},
          {"task_status", TaskStatusName(TaskStatus::kSubmitted)},
          {"task_info", std::move(info)},
          {"created_at", task.created_at_ms},
          {"updated_at", task.created_at_ms}};
}

json RenderTask(const LipSyncTask& task, const TaskState& state) {
  const int64_t units = UnitsCharged(task, state);
  return {{"task_id", task.task_id},
          {"task_status", TaskStatusName(state.status)},
          {"task_status_msg", StatusMessage(state)},
          {"task_info", TaskInfo(task)},
          {"task_result", TaskResult(task, state, /*with_watermark_url=*/true)},
          {"watermark_info", {{"enabled", task.watermark_enabled}}},
          {"final_unit_deduction", absl::StrCat(units)},
          {"final_balance_deduction",
           {{"quota", absl::StrFormat("%.2f", units * 0.10)},
            {"list_price", absl::StrFormat("%.2f", units * 0.14)}}},
          {"created_at", task.created_at_ms},
          {"updated_at", state.updated_at_ms}};
}

json RenderCallback(const LipSyncTask& task, const TaskState& state) {
  return {
      {"task_id", task.task_id},
      {"task_status", TaskStatusName(state.status)},
      {"task_status_msg", StatusMessage(state)},
      {"created_at", task.created_at_ms},
      {"updated_at", state.updated_at_ms},
      {"final_unit_deduction", absl::StrCat(UnitsCharged(task, state))},
      {"task_info", TaskInfo(task)},
      {"task_result",
       {{"videos",
         state.status == TaskStatus::kSucceed
             ? json::array({ResultVideo(task, /*with_watermark_url=*/false)})
             : json::array()}}}};
}

}  // namespace kling_sim
