// The gRPC edge of kling.lipsync.v1.LipSyncService on the callback API: each
// handler validates, admits, starts the upstream exchange and returns; the
// RPC finishes from the upstream completion. No handler blocks.
#ifndef LIPSYNC_SERVICE_SERVER_LIPSYNC_SERVICE_H_
#define LIPSYNC_SERVICE_SERVER_LIPSYNC_SERVICE_H_

#include <atomic>
#include <memory>

#include "absl/time/time.h"
#include "kling/lipsync/v1/lipsync.grpc.pb.h"
#include "service/observability/gateway_metrics.h"
#include "service/resilience/scheduler.h"
#include "service/server/admission_control.h"
#include "service/server/calls_in_flight.h"
#include "service/upstream/upstream_client.h"
#include "service/workflow/session_cache.h"
#include "service/workflow/shared_sessions.h"
#include "service/workflow/task_watch_hub.h"

namespace lipsync::server {

namespace v1 = ::kling::lipsync::v1;

struct ServiceOptions {
  // Deadline given to calls that come without one.
  absl::Duration default_call_timeout = absl::Seconds(30);
  // Longest deadline honoured for a unary call.
  absl::Duration max_call_timeout = absl::Minutes(2);
  AdmissionLimits admission;
  // Watch streams open at once; beyond: RESOURCE_EXHAUSTED.
  std::size_t max_watch_streams = 20000;
  // A watch without a caller deadline (or a longer one) ends after this.
  absl::Duration max_watch_duration = absl::Hours(1);
};

// What the service needs from the rest of the gateway. All must outlive it.
struct ServiceDependencies {
  std::shared_ptr<upstream::UpstreamClient> upstream;
  std::shared_ptr<workflow::TaskWatchHub> watch_hub;
  std::shared_ptr<workflow::SessionCache> sessions;
  // Sessions shared with the other replicas (written through `sessions`);
  // null: no shared state, only `sessions` is consulted.
  std::shared_ptr<workflow::SharedSessions> shared_sessions;
  resilience::Scheduler* scheduler = nullptr;
  // Null: no metrics are recorded.
  std::shared_ptr<observability::GatewayMetrics> metrics;
  // True when the server registers security::AuthInterceptorFactory, which
  // checks each call's bearer token: every handler then takes the caller
  // identity the interceptor established (security::AuthenticatedCaller)
  // before any work, and does nothing for a call it rejected (in gRPC 1.51
  // the handler of a rejected call still runs; see
  // security/auth_interceptor.h). False: callers are not authenticated, and
  // no identity is read (nothing would remove one a client sent).
  bool callers_authenticated = false;
};

class UnaryCall;
class ReceivedCreateRequest;

// The generated CallbackService, except that CreateLipSyncTask receives its
// request as bytes: the edge parses it without copying the audio
// (create_request_wire.h). Reflection and every caller still see the
// ordinary schema; only this server's parsing differs.
using LipSyncServiceBase = v1::LipSyncService::WithCallbackMethod_IdentifyFace<
    v1::LipSyncService::WithRawCallbackMethod_CreateLipSyncTask<
        v1::LipSyncService::WithCallbackMethod_GetLipSyncTask<
            v1::LipSyncService::WithCallbackMethod_ListLipSyncTasks<
                v1::LipSyncService::WithCallbackMethod_WatchLipSyncTask<
                    v1::LipSyncService::Service>>>>>;

class LipSyncService final : public LipSyncServiceBase {
 public:
  LipSyncService(const ServiceOptions& options, ServiceDependencies deps);

  grpc::ServerUnaryReactor* IdentifyFace(
      grpc::CallbackServerContext* context,
      const v1::IdentifyFaceRequest* request,
      v1::IdentifyFaceResponse* response) override;
  // `wire` is a serialized v1::CreateLipSyncTaskRequest, `response` gets a
  // serialized v1::LipSyncTask.
  grpc::ServerUnaryReactor* CreateLipSyncTask(
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* wire,
      grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetLipSyncTask(
      grpc::CallbackServerContext* context,
      const v1::GetLipSyncTaskRequest* request,
      v1::LipSyncTask* response) override;
  grpc::ServerUnaryReactor* ListLipSyncTasks(
      grpc::CallbackServerContext* context,
      const v1::ListLipSyncTasksRequest* request,
      v1::ListLipSyncTasksResponse* response) override;
  grpc::ServerWriteReactor<v1::LipSyncTask>* WatchLipSyncTask(
      grpc::CallbackServerContext* context,
      const v1::WatchLipSyncTaskRequest* request) override;

  AdmissionControl& admission() { return admission_; }
  std::size_t open_watch_streams() const { return watch_streams_.load(); }
  // Unary calls and watch streams whose handler has started and whose
  // reactor is not done (admitted or not). Health checks and reflection are
  // not this service's calls.
  const CallsInFlight& calls_in_flight() const { return calls_in_flight_; }

 private:
  // The reactor of a new unary call, with its effective deadline.
  UnaryCall* StartUnary(grpc::CallbackServerContext* context,
                        absl::string_view method);
  // True when the caller may proceed (auth off, or authenticated by the
  // interceptor; its identity goes to the access log); else finishes `call`
  // UNAUTHENTICATED.
  bool Authenticated(const grpc::CallbackServerContext& context,
                     UnaryCall* call) const;
  // Sends an admitted, checked create upstream; `call` finishes from its
  // answer.
  void StartCreate(UnaryCall* call, grpc::ByteBuffer* response,
                   std::shared_ptr<const ReceivedCreateRequest> kept);

  const ServiceOptions options_;
  const ServiceDependencies deps_;
  AdmissionControl admission_;
  CallsInFlight calls_in_flight_;
  std::atomic<std::size_t> watch_streams_{0};
};

}  // namespace lipsync::server

#endif  // LIPSYNC_SERVICE_SERVER_LIPSYNC_SERVICE_H_
