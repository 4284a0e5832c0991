#include "service/server/lipsync_service.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "service/common/status_details.h"
#include "service/server/grpc_status.h"
#include "service/server/unary_call.h"
#include "service/server/watch_call.h"
#include "service/validation/audio_content_rules.h"
#include "service/validation/create_request_validator.h"
#include "service/validation/read_request_validators.h"
#include "service/validation/session_rules.h"

namespace lipsync::server {
namespace {

// Starts a unary call: validation violations and admission failures finish
// it at once; otherwise returns true and the caller starts the upstream work.
bool Admit(UnaryCall* call, const FieldViolations& violations,
           AdmissionControl& admission, std::size_t audio_bytes) {
  if (!violations.empty()) {
    call->FinishWith(InvalidRequestError(violations));
    return false;
  }
  absl::StatusOr<std::unique_ptr<AdmissionControl::Ticket>> ticket =
      admission.TryAdmit(audio_bytes);
  if (!ticket.ok()) {
    call->FinishWith(ticket.status());
    return false;
  }
  call->HoldTicket(*std::move(ticket));
  return true;
}

std::vector<validation::KnownFace> KnownFaces(
    const v1::IdentifyFaceResponse& response) {
  std::vector<validation::KnownFace> faces;
  for (const auto& face : response.face_data()) {
    faces.push_back({face.face_id(), face.start_time(), face.end_time()});
  }
  return faces;
}

std::size_t AudioBytes(const v1::CreateLipSyncTaskRequest& request) {
  std::size_t bytes = 0;
  for (const auto& face : request.face_choose()) {
    bytes += face.sound_file().size() + face.sound_file_bytes().size();
  }
  return bytes;
}

// Completion for upstream calls answering a task.
upstream::UpstreamCallback<v1::LipSyncTask> FinishWithTask(
    UnaryCall* call, v1::LipSyncTask* response) {
  return [call, response](absl::StatusOr<v1::LipSyncTask> task) {
    if (task.ok()) {
      *response = *std::move(task);
      call->AddLogField("task_id", response->task_id());
      call->AddLogField("kling_request_id", response->request_id());
    }
    call->FinishWith(task.status());
  };
}

}  // namespace

LipSyncService::LipSyncService(const ServiceOptions& options,
                               ServiceDependencies deps)
    : options_(options),
      deps_(std::move(deps)),
      admission_(options.admission) {}

grpc::ServerUnaryReactor* LipSyncService::IdentifyFace(
    grpc::CallbackServerContext* context,
    const v1::IdentifyFaceRequest* request,
    v1::IdentifyFaceResponse* response) {
  auto* call =
      new UnaryCall(context, "IdentifyFace",
                    EffectiveDeadline(*context, options_.default_call_timeout,
                                      options_.max_call_timeout));
  if (!Admit(call, validation::ValidateIdentifyFaceRequest(*request),
             admission_, 0)) {
    return call;
  }
  deps_.upstream->IdentifyFace(
      call->call(), *request,
      [call, response, sessions = deps_.sessions](
          absl::StatusOr<v1::IdentifyFaceResponse> answer) {
        if (answer.ok()) {
          *response = *std::move(answer);
          sessions->Remember(response->session_id(), KnownFaces(*response));
          call->AddLogField("session_id", response->session_id());
          call->AddLogField("kling_request_id", response->request_id());
        }
        call->FinishWith(answer.status());
      });
  return call;
}

grpc::ServerUnaryReactor* LipSyncService::CreateLipSyncTask(
    grpc::CallbackServerContext* context,
    const v1::CreateLipSyncTaskRequest* request, v1::LipSyncTask* response) {
  auto* call =
      new UnaryCall(context, "CreateLipSyncTask",
                    EffectiveDeadline(*context, options_.default_call_timeout,
                                      options_.max_call_timeout));
  FieldViolations violations = validation::ValidateCreateRequest(*request);
  if (violations.empty())
    violations = validation::ValidateAudioContent(*request);
  if (violations.empty()) {
    // Only when this replica saw the session's IdentifyFace; otherwise the
    // upstream remains the judge of face and interval.
    if (auto faces = deps_.sessions->Lookup(request->session_id())) {
      violations = validation::ValidateAgainstSession(*request, *faces);
      call->AddLogField("session_checked", "true");
    }
  }
  if (!Admit(call, violations, admission_, AudioBytes(*request))) {
    return call;
  }
  deps_.upstream->CreateLipSyncTask(call->call(), *request,
                                    FinishWithTask(call, response));
  return call;
}

grpc::ServerUnaryReactor* LipSyncService::GetLipSyncTask(
    grpc::CallbackServerContext* context,
    const v1::GetLipSyncTaskRequest* request, v1::LipSyncTask* response) {
  auto* call =
      new UnaryCall(context, "GetLipSyncTask",
                    EffectiveDeadline(*context, options_.default_call_timeout,
                                      options_.max_call_timeout));
  if (!Admit(call, validation::ValidateGetTaskRequest(*request), admission_,
             0)) {
    return call;
  }
  deps_.upstream->GetLipSyncTask(call->call(), *request,
                                 FinishWithTask(call, response));
  return call;
}

grpc::ServerUnaryReactor* LipSyncService::ListLipSyncTasks(
    grpc::CallbackServerContext* context,
    const v1::ListLipSyncTasksRequest* request,
    v1::ListLipSyncTasksResponse* response) {
  auto* call =
      new UnaryCall(context, "ListLipSyncTasks",
                    EffectiveDeadline(*context, options_.default_call_timeout,
                                      options_.max_call_timeout));
  if (!Admit(call, validation::ValidateListTasksRequest(*request), admission_,
             0)) {
    return call;
  }
  deps_.upstream->ListLipSyncTasks(
      call->call(), *request,
      [call, response](absl::StatusOr<v1::ListLipSyncTasksResponse> answer) {
        if (answer.ok()) {
          *response = *std::move(answer);
          call->AddLogField("kling_request_id", response->request_id());
        }
        call->FinishWith(answer.status());
      });
  return call;
}

grpc::ServerWriteReactor<v1::LipSyncTask>* LipSyncService::WatchLipSyncTask(
    grpc::CallbackServerContext* context,
    const v1::WatchLipSyncTaskRequest* request) {
  absl::Status refused;
  FieldViolations violations = validation::ValidateWatchTaskRequest(*request);
  if (!violations.empty()) {
    refused = InvalidRequestError(violations);
  } else if (watch_streams_.fetch_add(1) >= options_.max_watch_streams) {
    watch_streams_.fetch_sub(1);
    refused = absl::ResourceExhaustedError(
        absl::StrCat("gateway overloaded: ", options_.max_watch_streams,
                     " watch streams open; retry with backoff"));
  }
  if (!refused.ok()) {
    class Refused final : public grpc::ServerWriteReactor<v1::LipSyncTask> {
     public:
      explicit Refused(const absl::Status& status) {
        Finish(ToGrpcStatus(status));
      }
      void OnDone() override { delete this; }
    };
    return new Refused(refused);
  }
  const absl::Time end_by = EffectiveDeadline(
      *context, options_.max_watch_duration, options_.max_watch_duration);
  return WatchCall::Start(context, *request, deps_.watch_hub, deps_.scheduler,
                          end_by, [this] { watch_streams_.fetch_sub(1); });
}

}  // namespace lipsync::server
