#include "service/server/lipsync_service.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "service/common/status_details.h"
#include "service/security/auth_interceptor.h"
#include "service/server/access_log.h"
#include "service/server/create_request_wire.h"
#include "service/server/grpc_status.h"
#include "service/server/trace_metadata.h"
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
  call->HoldTicket(*std::move(ticket), audio_bytes);
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

// Access-log fields of each answer type.
void AddAnswerLogFields(const v1::LipSyncTask& task, UnaryCall* call) {
  call->AddLogField("task_id", task.task_id());
  call->AddLogField("kling_request_id", task.request_id());
}
void AddAnswerLogFields(const v1::ListLipSyncTasksResponse& list,
                        UnaryCall* call) {
  call->AddLogField("kling_request_id", list.request_id());
}
void AddAnswerLogFields(const v1::IdentifyFaceResponse& faces,
                        UnaryCall* call) {
  call->AddLogField("session_id", faces.session_id());
  call->AddLogField("kling_request_id", faces.request_id());
}

// Where an answer goes: the response message, or for a raw method its
// serialized bytes.
template <typename T>
absl::Status StoreAnswer(T answer, T* response) {
  *response = std::move(answer);
  return absl::OkStatus();
}
absl::Status StoreAnswer(const v1::LipSyncTask& answer,
                         grpc::ByteBuffer* response) {
  bool own_buffer = false;
  const grpc::Status status =
      grpc::SerializationTraits<v1::LipSyncTask>::Serialize(answer, response,
                                                            &own_buffer);
  if (status.ok()) return absl::OkStatus();
  return absl::InternalError(
      absl::StrCat("could not serialize the answer: ", status.error_message()));
}

// Completion of an upstream call: the answer becomes the RPC's response.
// `on_answer` (optional) sees a successful answer first. `keep` (optional)
// is held until the callback is destroyed: what the upstream call reads
// (the request) lives at least until the call is done.
template <typename T, typename Response>
upstream::UpstreamCallback<T> FinishWithAnswer(
    UnaryCall* call, Response* response,
    std::function<void(const T&)> on_answer = nullptr,
    std::shared_ptr<const void> keep = nullptr) {
  return [call, response, on_answer = std::move(on_answer),
          keep = std::move(keep)](absl::StatusOr<T> answer) {
    absl::Status status = answer.status();
    if (answer.ok()) {
      if (on_answer) on_answer(*answer);
      AddAnswerLogFields(*answer, call);
      status = StoreAnswer(*std::move(answer), response);
    }
    call->FinishWith(status);
  };
}

}  // namespace

LipSyncService::LipSyncService(const ServiceOptions& options,
                               ServiceDependencies deps)
    : options_(options),
      deps_(std::move(deps)),
      admission_(options.admission) {}

UnaryCall* LipSyncService::StartUnary(grpc::CallbackServerContext* context,
                                      absl::string_view method) {
  return new UnaryCall(
      context, method,
      EffectiveDeadline(*context, options_.default_call_timeout,
                        options_.max_call_timeout),
      &calls_in_flight_, deps_.metrics.get());
}

bool LipSyncService::Authenticated(const grpc::CallbackServerContext& context,
                                   UnaryCall* call) const {
  if (!deps_.callers_authenticated) return true;
  absl::StatusOr<std::string> caller = security::AuthenticatedCaller(context);
  if (!caller.ok()) {
    call->FinishWith(caller.status());
    return false;
  }
  call->call()->SetCaller(*caller);
  call->AddLogField("caller", *std::move(caller));
  return true;
}

grpc::ServerUnaryReactor* LipSyncService::IdentifyFace(
    grpc::CallbackServerContext* context,
    const v1::IdentifyFaceRequest* request,
    v1::IdentifyFaceResponse* response) {
  UnaryCall* call = StartUnary(context, "IdentifyFace");
  if (!Authenticated(*context, call) ||
      !Admit(call, validation::ValidateIdentifyFaceRequest(*request),
             admission_, 0)) {
    return call;
  }
  if (deps_.shared_sessions == nullptr) {
    deps_.upstream->IdentifyFace(
        call->call(), *request,
        FinishWithAnswer<v1::IdentifyFaceResponse>(
            call, response, [this](const v1::IdentifyFaceResponse& faces) {
              // Only `this`: the callback stays within std::function's
              // inline buffer (no allocation per call).
              deps_.sessions->Remember(faces.session_id(), KnownFaces(faces));
            }));
    return call;
  }
  // With shared sessions the answer goes back once the session is stored
  // (or its write failed or timed out, within --redis_op_timeout): a create
  // sent to any replica after the answer is then checked against it.
  deps_.upstream->IdentifyFace(
      call->call(), *request,
      [this, call, response](absl::StatusOr<v1::IdentifyFaceResponse> answer) {
        auto finish =
            FinishWithAnswer<v1::IdentifyFaceResponse>(call, response);
        if (!answer.ok()) return finish(std::move(answer));
        const std::string session_id = answer->session_id();
        std::vector<validation::KnownFace> faces = KnownFaces(*answer);
        deps_.shared_sessions->Remember(
            session_id, std::move(faces),
            [finish = std::move(finish), answer = std::move(answer)]() mutable {
              finish(std::move(answer));
            });
      });
  return call;
}

grpc::ServerUnaryReactor* LipSyncService::CreateLipSyncTask(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* wire,
    grpc::ByteBuffer* response) {
  UnaryCall* call = StartUnary(context, "CreateLipSyncTask");
  if (!Authenticated(*context, call)) return call;
  const absl::StatusOr<absl::Cord> bytes = CordFromByteBuffer(*wire);
  if (!bytes.ok()) {
    call->FinishWith(bytes.status());
    return call;
  }
  absl::StatusOr<std::unique_ptr<ReceivedCreateRequest>> received =
      ReceivedCreateRequest::Parse(*bytes);
  if (!received.ok()) {
    call->FinishWith(received.status());
    return call;
  }
  std::shared_ptr<const ReceivedCreateRequest> kept = *std::move(received);
  const CreateRequest& request = kept->request();
  FieldViolations violations = validation::ValidateCreateRequest(request);
  if (violations.empty())
    violations = validation::ValidateAudioContent(request);
  const std::string& session_id = request.message().session_id();
  if (violations.empty()) {
    // Only when the session's IdentifyFace is known (to this replica, or
    // through the shared state); otherwise the upstream remains the judge of
    // face and interval.
    if (auto faces = deps_.sessions->Lookup(session_id)) {
      violations =
          validation::ValidateAgainstSession(request.message(), *faces);
      call->AddLogField("session_checked", "true");
    } else if (deps_.shared_sessions != nullptr && !session_id.empty()) {
      if (!Admit(call, violations, admission_, request.inline_audio_bytes())) {
        return call;
      }
      // Continues on the shared state's thread; never waits there (the
      // upstream transfer only starts).
      deps_.shared_sessions->Lookup(
          session_id,
          [this, call, response, kept = std::move(kept)](
              absl::StatusOr<std::optional<std::vector<validation::KnownFace>>>
                  faces) mutable {
            if (!faces.ok()) {
              call->AddLogField("session_checked", "shared_state_unavailable");
            } else if (faces->has_value()) {
              call->AddLogField("session_checked", "shared");
              FieldViolations found = validation::ValidateAgainstSession(
                  kept->request().message(), **faces);
              if (!found.empty()) {
                call->FinishWith(InvalidRequestError(found));
                return;
              }
            }
            StartCreate(call, response, std::move(kept));
          });
      return call;
    }
  }
  if (!Admit(call, violations, admission_, request.inline_audio_bytes())) {
    return call;
  }
  StartCreate(call, response, std::move(kept));
  return call;
}

void LipSyncService::StartCreate(
    UnaryCall* call, grpc::ByteBuffer* response,
    std::shared_ptr<const ReceivedCreateRequest> kept) {
  const CreateRequest& request = kept->request();
  deps_.upstream->CreateLipSyncTask(
      call->call(), request,
      FinishWithAnswer<v1::LipSyncTask>(call, response, nullptr,
                                        std::move(kept)));
}

grpc::ServerUnaryReactor* LipSyncService::GetLipSyncTask(
    grpc::CallbackServerContext* context,
    const v1::GetLipSyncTaskRequest* request, v1::LipSyncTask* response) {
  UnaryCall* call = StartUnary(context, "GetLipSyncTask");
  if (!Authenticated(*context, call) ||
      !Admit(call, validation::ValidateGetTaskRequest(*request), admission_,
             0)) {
    return call;
  }
  deps_.upstream->GetLipSyncTask(
      call->call(), *request,
      FinishWithAnswer<v1::LipSyncTask>(call, response));
  return call;
}

grpc::ServerUnaryReactor* LipSyncService::ListLipSyncTasks(
    grpc::CallbackServerContext* context,
    const v1::ListLipSyncTasksRequest* request,
    v1::ListLipSyncTasksResponse* response) {
  UnaryCall* call = StartUnary(context, "ListLipSyncTasks");
  if (!Authenticated(*context, call) ||
      !Admit(call, validation::ValidateListTasksRequest(*request), admission_,
             0)) {
    return call;
  }
  deps_.upstream->ListLipSyncTasks(
      call->call(), *request,
      FinishWithAnswer<v1::ListLipSyncTasksResponse>(call, response));
  return call;
}

grpc::ServerWriteReactor<v1::LipSyncTask>* LipSyncService::WatchLipSyncTask(
    grpc::CallbackServerContext* context,
    const v1::WatchLipSyncTaskRequest* request) {
  const absl::Time start = absl::Now();
  // Left in the reactor's OnDone (Refused, or WatchCall's on_done).
  calls_in_flight_.Enter();
  TraceContext trace = TraceFromMetadata(*context);
  AddTraceTrailers(trace, context);
  std::string caller;
  absl::Status refused;
  if (deps_.callers_authenticated) {
    absl::StatusOr<std::string> authenticated =
        security::AuthenticatedCaller(*context);
    if (authenticated.ok()) {
      caller = *std::move(authenticated);
    } else {
      refused = authenticated.status();
    }
  }
  FieldViolations violations;
  if (refused.ok()) violations = validation::ValidateWatchTaskRequest(*request);
  if (!violations.empty()) {
    refused = InvalidRequestError(violations);
  } else if (refused.ok() &&
             watch_streams_.fetch_add(1) >= options_.max_watch_streams) {
    watch_streams_.fetch_sub(1);
    refused = GatewayOverloaded("watch streams", options_.max_watch_streams);
  }
  // One access-log line and one metrics sample per stream, as for unary
  // calls.
  LogFields log_fields;
  if (!caller.empty()) log_fields.emplace_back("caller", std::move(caller));
  log_fields.emplace_back("task_id", request->task_id());
  auto record =
      [metrics = deps_.metrics, start, log_fields = std::move(log_fields),
       peer = context->peer(), trace_id = std::string(trace.trace_id()),
       x_request_id = trace.caller_request_id()](const absl::Status& status) {
        const absl::Duration elapsed = absl::Now() - start;
        if (metrics != nullptr) {
          metrics->RecordCall("WatchLipSyncTask", status.code(), elapsed);
        }
        if (AccessLogEnabled(status)) {
          WriteAccessLog({"WatchLipSyncTask", status, elapsed, peer, trace_id,
                          x_request_id, log_fields});
        }
      };
  if (!refused.ok()) {
    record(refused);
    class Refused final : public grpc::ServerWriteReactor<v1::LipSyncTask> {
     public:
      Refused(const absl::Status& status, absl::string_view trace_id,
              CallsInFlight* in_flight)
          : in_flight_(in_flight) {
        Finish(ToGrpcStatus(status, trace_id));
      }
      void OnDone() override {
        in_flight_->Leave();
        delete this;
      }

     private:
      CallsInFlight* const in_flight_;
    };
    return new Refused(refused, trace.trace_id(), &calls_in_flight_);
  }
  if (deps_.metrics != nullptr) deps_.metrics->AddWatchStreams(1);
  const absl::Time end_by = EffectiveDeadline(
      *context, options_.max_watch_duration, options_.max_watch_duration);
  return WatchCall::Start(context, *request, std::move(trace), deps_.watch_hub,
                          deps_.scheduler, end_by,
                          [this, record](const absl::Status& final_status) {
                            watch_streams_.fetch_sub(1);
                            if (deps_.metrics != nullptr)
                              deps_.metrics->AddWatchStreams(-1);
                            record(final_status);
                            calls_in_flight_.Leave();
                          });
}

}  // namespace lipsync::server
