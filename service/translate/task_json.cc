#include "service/translate/task_json.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "service/translate/bad_answer.h"
#include "service/translate/json_fields.h"
#include "service/translate/task_status.h"

namespace lipsync::translate {
namespace {

namespace v1 = ::kling::lipsync::v1;
using Json = nlohmann::json;

// Each Parse* below reads every field it knows and returns the first error
// (absl::Status::Update keeps the first); fields it does not know are
// ignored, so the upstream may add fields freely.

// `final_balance_deduction` of a LipSyncTask or an IdentifyFaceResponse.
template <typename Message>
absl::Status ParseBalance(const FieldReader& parent, Message* message) {
  return parent.ReadObject(
      "final_balance_deduction", [message](const FieldReader& r) {
        v1::BalanceDeduction* out = message->mutable_final_balance_deduction();
        absl::Status s = r.Text("quota", out->mutable_quota());
        s.Update(r.Text("list_price", out->mutable_list_price()));
        return s;
      });
}

absl::Status ParseTaskInfo(const FieldReader& task, v1::LipSyncTask* out) {
  return task.ReadObject("task_info", [out](const FieldReader& r) {
    v1::TaskInfo* info = out->mutable_task_info();
    absl::Status s =
        r.Text("external_task_id", info->mutable_external_task_id());
    // A parent_video of the wrong type is reported ahead of the errors
    // above, so it is read with Object rather than ReadObject.
    absl::StatusOr<const Json*> parent = r.Object("parent_video");
    if (!parent.ok()) return parent.status();
    if (*parent != nullptr) {
      const FieldReader p(**parent, r.PathOf("parent_video"));
      v1::ParentVideo* video = info->mutable_parent_video();
      s.Update(p.Text("id", video->mutable_id()));
      s.Update(p.Text("url", video->mutable_url()));
      s.Update(p.Text("duration", video->mutable_duration()));
    }
    return s;
  });
}

absl::Status ParseTaskResult(const FieldReader& task, v1::LipSyncTask* out) {
  return task.ReadObject("task_result", [out](const FieldReader& r) {
    v1::TaskResult* result = out->mutable_task_result();
    absl::StatusOr<const Json*> videos = r.Array("videos");
    if (!videos.ok() || *videos == nullptr) return videos.status();
    absl::Status s;
    for (std::size_t i = 0; i < (*videos)->size(); ++i) {
      const Json& item = (**videos)[i];
      const std::string path = absl::StrCat(r.PathOf("videos"), "[", i, "]");
      if (!item.is_object()) return WrongTypeError(path, item, "object");
      const FieldReader v(item, path);
      v1::ResultVideo* video = result->add_videos();
      s.Update(v.Text("id", video->mutable_id()));
      s.Update(v.Text("url", video->mutable_url()));
      s.Update(v.Text("watermark_url", video->mutable_watermark_url()));
      s.Update(v.Text("duration", video->mutable_duration()));
    }
    return s;
  });
}

absl::Status ParseWatermark(const FieldReader& task, v1::LipSyncTask* out) {
  return task.ReadObject("watermark_info", [out](const FieldReader& r) {
    bool enabled = false;
    absl::Status s = r.Bool("enabled", &enabled);
    out->mutable_watermark_info()->set_enabled(enabled);
    return s;
  });
}

// `data` at `path` ("" for the answer's top level) into `out`.
absl::Status ParseTaskAt(const Json& data, const std::string& path,
                         v1::LipSyncTask* out) {
  if (data.is_null()) return absl::OkStatus();
  if (!data.is_object()) {
    return WrongTypeError(path.empty() ? "data" : path, data, "object");
  }
  const FieldReader r(data, path);
  absl::Status s = r.Text("task_id", out->mutable_task_id());
  std::string status;
  s.Update(r.Text("task_status", &status));
  out->set_task_status(TaskStatusFromUpstream(status));
  s.Update(r.Text("task_status_msg", out->mutable_task_status_msg()));
  s.Update(ParseTaskInfo(r, out));
  s.Update(ParseTaskResult(r, out));
  s.Update(ParseWatermark(r, out));
  s.Update(r.Text("final_unit_deduction", out->mutable_final_unit_deduction()));
  s.Update(ParseBalance(r, out));
  int64_t created_at = 0;
  int64_t updated_at = 0;
  s.Update(r.Int64("created_at", &created_at));
  s.Update(r.Int64("updated_at", &updated_at));
  out->set_created_at(created_at);
  out->set_updated_at(updated_at);
  return s;
}

absl::StatusOr<v1::LipSyncTask> ParseTaskWithRequestId(
    const Envelope& envelope) {
  absl::StatusOr<v1::LipSyncTask> task = ParseTask(envelope.data);
  if (!task.ok()) {
    return AddErrorMetadata(task.status(), "kling_request_id",
                            envelope.request_id);
  }
  task->set_request_id(envelope.request_id);
  return task;
}

absl::Status ParseFace(const Json& item, const std::string& path,
                       v1::FaceData* face) {
  if (!item.is_object()) return WrongTypeError(path, item, "object");
  const FieldReader r(item, path);
  absl::Status s = r.Text("face_id", face->mutable_face_id());
  s.Update(r.Text("face_image", face->mutable_face_image()));
  int64_t start_time = 0;
  int64_t end_time = 0;
  s.Update(r.Int64("start_time", &start_time));
  s.Update(r.Int64("end_time", &end_time));
  face->set_start_time(start_time);
  face->set_end_time(end_time);
  return s;
}

absl::Status ParseIdentifyData(const Json& data,
                               v1::IdentifyFaceResponse* out) {
  if (data.is_null()) return absl::OkStatus();
  if (!data.is_object()) return WrongTypeError("data", data, "object");
  const FieldReader r(data, "");
  absl::Status s = r.Text("session_id", out->mutable_session_id());
  s.Update(r.Text("final_unit_deduction", out->mutable_final_unit_deduction()));
  s.Update(ParseBalance(r, out));
  const char* key = "face_data";
  absl::StatusOr<const Json*> faces = r.Array(key);
  if (faces.ok() && *faces == nullptr) {
    key = "face_list";
    faces = r.Array(key);
  }
  if (!faces.ok() || *faces == nullptr) {
    s.Update(faces.status());
    return s;
  }
  for (std::size_t i = 0; i < (*faces)->size(); ++i) {
    s.Update(ParseFace((**faces)[i], absl::StrCat(key, "[", i, "]"),
                       out->add_face_data()));
  }
  return s;
}

}  // namespace

absl::StatusOr<v1::LipSyncTask> ParseTask(const Json& data) {
  v1::LipSyncTask task;
  absl::Status s = ParseTaskAt(data, "", &task);
  if (!s.ok()) return s;
  return task;
}

absl::StatusOr<v1::LipSyncTask> ParseCreateAnswer(const Envelope& envelope) {
  return ParseTaskWithRequestId(envelope);
}

absl::StatusOr<v1::LipSyncTask> ParseTaskAnswer(const Envelope& envelope) {
  return ParseTaskWithRequestId(envelope);
}

absl::StatusOr<v1::ListLipSyncTasksResponse> ParseListAnswer(
    const Envelope& envelope, int page_size) {
  v1::ListLipSyncTasksResponse response;
  response.set_request_id(envelope.request_id);
  const Json* tasks = &envelope.data;
  std::string path = "data";
  if (tasks->is_object()) {
    // A reseller's page wrapper: {"list": [...]} or {"tasks": [...]}.
    for (const char* key : {"list", "tasks"}) {
      const auto it = tasks->find(key);
      if (it != tasks->end() && it->is_array()) {
        tasks = &*it;
        path = absl::StrCat("data.", key);
        break;
      }
    }
  }
  if (!tasks->is_null() && !tasks->is_array()) {
    return AddErrorMetadata(WrongTypeError(path, *tasks, "array"),
                            "kling_request_id", envelope.request_id);
  }
  if (tasks->is_array()) {
    for (std::size_t i = 0; i < tasks->size(); ++i) {
      absl::Status s = ParseTaskAt((*tasks)[i], absl::StrCat(path, "[", i, "]"),
                                   response.add_tasks());
      if (!s.ok()) {
        return AddErrorMetadata(std::move(s), "kling_request_id",
                                envelope.request_id);
      }
    }
  }
  response.set_has_next_page(page_size > 0 &&
                             response.tasks_size() >= page_size);
  return response;
}

absl::StatusOr<v1::IdentifyFaceResponse> ParseIdentifyAnswer(
    const Envelope& envelope) {
  v1::IdentifyFaceResponse response;
  absl::Status s = ParseIdentifyData(envelope.data, &response);
  if (!s.ok()) {
    return AddErrorMetadata(std::move(s), "kling_request_id",
                            envelope.request_id);
  }
  response.set_request_id(envelope.request_id);
  return response;
}

}  // namespace lipsync::translate
