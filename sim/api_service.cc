#include "sim/api_service.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "sim/body_checks.h"
#include "sim/face_identifier.h"
#include "sim/task_view.h"

namespace kling_sim {
namespace {

using json = nlohmann::ordered_json;

constexpr absl::string_view kIdentifyPath = "/v1/videos/identify-face";
constexpr absl::string_view kTasksPath = "/v1/videos/advanced-lip-sync";

// Where the body of a create or identify is not JSON at all.
ApiResult NotJson(const std::string& request_id) {
  return {ErrorAnswer(request_id, 400, kling_code::kInvalidRequest,
                      "request body is not valid JSON"),
          std::nullopt};
}

ApiResult InvalidParameters(const std::string& request_id,
                            std::string message) {
  return {ErrorAnswer(request_id, 400, kling_code::kInvalidParameters,
                      std::move(message)),
          std::nullopt};
}

bool IsIdentifyPath(absl::string_view path) {
  // An older official page spells it "Identify-face".
  return absl::EqualsIgnoreCase(path, kIdentifyPath);
}

// The task id of ".../advanced-lip-sync/{id}", or nullopt for other paths.
std::optional<absl::string_view> TaskIdOf(absl::string_view path) {
  if (!absl::ConsumePrefix(&path, kTasksPath) ||
      !absl::ConsumePrefix(&path, "/") || path.empty() ||
      absl::StrContains(path, '/')) {
    return std::nullopt;
  }
  return path;
}

// A paging parameter: absent -> `fallback`; otherwise plain decimal digits
// within [1, max]. Returns nullopt (with `error` set) otherwise.
std::optional<int64_t> PageParam(
    const std::multimap<std::string, std::string>& params, const char* name,
    int64_t fallback, int64_t max, std::string* error) {
  auto it = params.find(name);
  if (it == params.end()) return fallback;
  const std::string& text = it->second;
  int64_t value = 0;
  const bool digits_only =
      !text.empty() && text.size() <= 9 &&
      std::all_of(text.begin(), text.end(), absl::ascii_isdigit);
  if (!digits_only || !absl::SimpleAtoi(text, &value) || value < 1 ||
      value > max) {
    *error = absl::StrCat(name, " must be an integer in [1, ", max, "], got '",
                          text, "'");
    return std::nullopt;
  }
  return value;
}

ParentVideo ParentVideoOf(const std::optional<Session>& session,
                          const std::string& session_id) {
  ParentVideo video;
  if (session.has_value()) {
    video.id = session->video_id.empty()
                   ? DeterministicDecimalId(session->video_url)
                   : session->video_id;
    video.duration_ms = session->duration_ms;
    video.url = session->video_url;
  } else {
    // Unknown session (allowed without --strict_sessions): invent a stable
    // video from the session id.
    video.id = DeterministicDecimalId(session_id);
    video.duration_ms =
        IdentifyFaces(absl::StrCat("session:", session_id)).duration_ms;
  }
  if (video.url.empty()) {
    video.url = absl::StrCat("https://sim.invalid/videos/", video.id, ".mp4");
  }
  return video;
}

}  // namespace

KlingApi::KlingApi(const SimOptions& options, SessionStore* sessions,
                   TaskStore* tasks, IdGenerator* ids,
                   const Authenticator* authenticator,
                   CallbackDispatcher* callbacks, NowMsFn now_ms)
    : strict_sessions_(options.strict_sessions),
      timeline_{options.processing_after_ms, options.finish_after_ms},
      sessions_(sessions),
      tasks_(tasks),
      ids_(ids),
      authenticator_(authenticator),
      callbacks_(callbacks),
      now_ms_(std::move(now_ms)) {}

std::string KlingApi::RouteOf(absl::string_view method,
                              absl::string_view path) {
  if (IsIdentifyPath(path)) return absl::StrCat(method, " ", kIdentifyPath);
  if (path == kTasksPath) return absl::StrCat(method, " ", kTasksPath);
  if (TaskIdOf(path).has_value()) {
    return absl::StrCat(method, " ", kTasksPath, "/{id}");
  }
  return absl::StrCat(method, " (other)");
}

ApiResult KlingApi::Handle(const ApiRequest& request) {
  const std::string* authorization =
      request.authorization.has_value() ? &*request.authorization : nullptr;
  if (std::optional<AuthFailure> failure =
          authenticator_->Check(authorization)) {
    return {ErrorAnswer(request.request_id, 401, failure->code,
                        std::move(failure->message)),
            std::nullopt};
  }
  const std::string& method = request.method;
  if (IsIdentifyPath(request.path)) {
    if (method == "POST") return IdentifyFace(request);
  } else if (request.path == kTasksPath) {
    if (method == "POST") return CreateTask(request);
    if (method == "GET") return ListTasks(request);
  } else if (std::optional<absl::string_view> id = TaskIdOf(request.path)) {
    if (method == "GET") return QueryTask(request, *id);
  } else {
    return {ErrorAnswer(request.request_id, 404, kling_code::kInvalidMethod,
                        absl::StrCat("no such API: ", request.path)),
            std::nullopt};
  }
  return {ErrorAnswer(request.request_id, 404, kling_code::kInvalidMethod,
                      absl::StrCat("method ", method, " is not supported on ",
                                   request.path)),
          std::nullopt};
}

ApiResult KlingApi::IdentifyFace(const ApiRequest& request) {
  const nlohmann::json body =
      nlohmann::json::parse(request.body, nullptr, false);
  if (body.is_discarded()) return NotJson(request.request_id);
  absl::StatusOr<IdentifyRequest> checked = CheckIdentifyBody(body);
  if (!checked.ok()) {
    return InvalidParameters(request.request_id,
                             std::string(checked.status().message()));
  }
  const IdentifiedVideo video = IdentifyFaces(
      checked->video_id.empty() ? absl::StrCat("url:", checked->video_url)
                                : absl::StrCat("id:", checked->video_id));
  Session session;
  session.session_id = ids_->NextDecimalId();
  session.video_id = checked->video_id;
  session.video_url = checked->video_url;
  session.duration_ms = video.duration_ms;
  session.faces = video.faces;

  json faces = json::array();
  for (const Face& face : video.faces) {
    faces.push_back({{"face_id", face.face_id},
                     {"face_image", face.face_image},
                     {"start_time", face.start_time},
                     {"end_time", face.end_time}});
  }
  // Test hook: some resellers name the array face_list.
  const char* faces_key = absl::StrContains(checked->video_url, "face_list")
                              ? "face_list"
                              : "face_data";
  json data = {
      {"session_id", session.session_id},
      {"final_unit_deduction", "1"},
      {"final_balance_deduction", {{"quota", "0.10"}, {"list_price", "0.14"}}},
      {faces_key, std::move(faces)}};
  sessions_->Put(std::move(session));
  return {SuccessAnswer(request.request_id, std::move(data)), std::nullopt};
}

ApiResult KlingApi::CreateTask(const ApiRequest& request) {
  const nlohmann::json body =
      nlohmann::json::parse(request.body, nullptr, false);
  if (body.is_discarded()) return NotJson(request.request_id);
  ApiResult result;
  absl::StatusOr<CreateRequest> checked =
      CheckCreateBody(body, &result.sound_file);
  if (!checked.ok()) {
    result.answer = InvalidParameters(request.request_id,
                                      std::string(checked.status().message()))
                        .answer;
    return result;
  }
  const std::optional<Session> session = sessions_->Find(checked->session_id);
  const Face* face =
      session.has_value() ? session->FindFace(checked->face.face_id) : nullptr;
  std::string refusal;
  if (strict_sessions_ && !session.has_value()) {
    refusal = absl::StrCat("session_id '", checked->session_id,
                           "' is unknown or expired: identify the video first");
  } else if (strict_sessions_ && face == nullptr) {
    refusal = absl::StrCat("face_choose[0].face_id '", checked->face.face_id,
                           "' is not a face of session ", checked->session_id);
  } else if (session.has_value()) {
    absl::Status fits = CheckAgainstSession(checked->face, *session, face);
    if (!fits.ok()) refusal = std::string(fits.message());
  }
  if (!refusal.empty()) {
    result.answer =
        InvalidParameters(request.request_id, std::move(refusal)).answer;
    return result;
  }

  LipSyncTask task;
  task.task_id = ids_->NextDecimalId();
  task.result_video_id = ids_->NextDecimalId();
  task.external_task_id = checked->external_task_id;
  task.callback_url = checked->callback_url;
  task.parent_video = ParentVideoOf(session, checked->session_id);
  task.watermark_enabled = checked->watermark_enabled;
  task.will_fail = absl::StartsWith(task.external_task_id, "fail-");
  task.created_at_ms = now_ms_();
  if (absl::Status inserted = tasks_->Insert(task); !inserted.ok()) {
    // The gateway recognises a duplicate by this message prefix.
    result.answer =
        InvalidParameters(request.request_id, std::string(inserted.message()))
            .answer;
    return result;
  }
  if (callbacks_ != nullptr) callbacks_->TaskCreated(task);
  result.answer = SuccessAnswer(request.request_id, RenderCreatedTask(task));
  return result;
}

ApiResult KlingApi::QueryTask(const ApiRequest& request, absl::string_view id) {
  std::optional<LipSyncTask> task = tasks_->Find(id);
  if (!task.has_value()) {
    return {ErrorAnswer(request.request_id, 404, kling_code::kResourceNotFound,
                        absl::StrCat("task '", id, "' does not exist")),
            std::nullopt};
  }
  return {
      SuccessAnswer(request.request_id,
                    RenderTask(*task, StateAt(*task, timeline_, now_ms_()))),
      std::nullopt};
}

ApiResult KlingApi::ListTasks(const ApiRequest& request) {
  std::string error;
  const std::optional<int64_t> page_num =
      PageParam(request.params, "pageNum", 1, 1000, &error);
  const std::optional<int64_t> page_size =
      PageParam(request.params, "pageSize", 30, 500, &error);
  if (!page_num.has_value() || !page_size.has_value()) {
    return InvalidParameters(request.request_id, error);
  }
  const int64_t now = now_ms_();
  json data = json::array();
  for (const LipSyncTask& task : tasks_->ListNewestFirst(
           static_cast<size_t>((*page_num - 1) * *page_size),
           static_cast<size_t>(*page_size))) {
    data.push_back(RenderTask(task, StateAt(task, timeline_, now)));
  }
  return {SuccessAnswer(request.request_id, std::move(data)), std::nullopt};
}

}  // namespace kling_sim
