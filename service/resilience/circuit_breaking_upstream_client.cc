#include "service/resilience/circuit_breaking_upstream_client.h"

#include <utility>

#include "service/common/json_log.h"

namespace lipsync::resilience {

namespace v1 = upstream::v1;
using upstream::UpstreamCallback;

CircuitBreakingUpstreamClient::CircuitBreakingUpstreamClient(
    std::shared_ptr<upstream::UpstreamClient> child,
    std::shared_ptr<CircuitBreaker> breaker)
    : ForwardingUpstreamClient(std::move(child)),
      breaker_(std::move(breaker)) {}

template <typename Request, typename Response>
void CircuitBreakingUpstreamClient::Gate(Method<Request, Response> method,
                                         std::shared_ptr<CallContext> call,
                                         const Request& request,
                                         UpstreamCallback<Response> done) {
  absl::Status admitted;
  {
    // A transition this call causes is logged with its trace_id.
    const ScopedLogTraceId log_trace(call->trace().trace_id());
    admitted = breaker_->Admit();
  }
  if (!admitted.ok()) {
    done(std::move(admitted));
    return;
  }
  // The completion shares the breaker, so it may outlive this decorator.
  std::shared_ptr<CallContext> attempt = call;
  ((*child()).*method)(
      std::move(attempt), request,
      [breaker = breaker_, call = std::move(call),
       done = std::move(done)](absl::StatusOr<Response> outcome) {
        {
          const ScopedLogTraceId log_trace(call->trace().trace_id());
          breaker->Record(outcome.status());
        }
        done(std::move(outcome));
      });
}

void CircuitBreakingUpstreamClient::IdentifyFace(
    std::shared_ptr<CallContext> call, const v1::IdentifyFaceRequest& request,
    UpstreamCallback<v1::IdentifyFaceResponse> done) {
  Gate(&upstream::UpstreamClient::IdentifyFace, std::move(call), request,
       std::move(done));
}

void CircuitBreakingUpstreamClient::CreateLipSyncTask(
    std::shared_ptr<CallContext> call, const CreateRequest& request,
    UpstreamCallback<v1::LipSyncTask> done) {
  Gate(&upstream::UpstreamClient::CreateLipSyncTask, std::move(call), request,
       std::move(done));
}

void CircuitBreakingUpstreamClient::GetLipSyncTask(
    std::shared_ptr<CallContext> call, const v1::GetLipSyncTaskRequest& request,
    UpstreamCallback<v1::LipSyncTask> done) {
  Gate(&upstream::UpstreamClient::GetLipSyncTask, std::move(call), request,
       std::move(done));
}

void CircuitBreakingUpstreamClient::ListLipSyncTasks(
    std::shared_ptr<CallContext> call,
    const v1::ListLipSyncTasksRequest& request,
    UpstreamCallback<v1::ListLipSyncTasksResponse> done) {
  Gate(&upstream::UpstreamClient::ListLipSyncTasks, std::move(call), request,
       std::move(done));
}

}  // namespace lipsync::resilience
