// UpstreamClient decorator that gates every call on a CircuitBreaker. Stack it
// under the retry decorator, Retrying(CircuitBreaking(Kling)), so that each
// attempt is admitted and recorded on its own.
#ifndef LIPSYNC_SERVICE_RESILIENCE_CIRCUIT_BREAKING_UPSTREAM_CLIENT_H_
#define LIPSYNC_SERVICE_RESILIENCE_CIRCUIT_BREAKING_UPSTREAM_CLIENT_H_

#include <memory>

#include "service/resilience/circuit_breaker.h"
#include "service/upstream/forwarding_upstream_client.h"

namespace lipsync::resilience {

// Thread-safe if `child` is. Each call asks breaker->Admit(): when refused,
// `done` runs at once, on the calling thread, with the breaker's UNAVAILABLE
// (reason UPSTREAM_CIRCUIT_OPEN, RetryInfo) and `child` is not called;
// otherwise the call goes to `child` and its outcome is Record()ed before
// `done` runs with it unchanged (on the thread `child` completes on). Calls
// in flight share the breaker, so the decorator may be destroyed before they
// finish (`child` must then live on until they do, as usual).
class CircuitBreakingUpstreamClient final
    : public upstream::ForwardingUpstreamClient {
 public:
  CircuitBreakingUpstreamClient(std::shared_ptr<upstream::UpstreamClient> child,
                                std::shared_ptr<CircuitBreaker> breaker);

  void IdentifyFace(
      std::shared_ptr<CallContext> call,
      const upstream::v1::IdentifyFaceRequest& request,
      upstream::UpstreamCallback<upstream::v1::IdentifyFaceResponse> done)
      override;
  void CreateLipSyncTask(
      std::shared_ptr<CallContext> call, const CreateRequest& request,
      upstream::UpstreamCallback<upstream::v1::LipSyncTask> done) override;
  void GetLipSyncTask(
      std::shared_ptr<CallContext> call,
      const upstream::v1::GetLipSyncTaskRequest& request,
      upstream::UpstreamCallback<upstream::v1::LipSyncTask> done) override;
  void ListLipSyncTasks(
      std::shared_ptr<CallContext> call,
      const upstream::v1::ListLipSyncTasksRequest& request,
      upstream::UpstreamCallback<upstream::v1::ListLipSyncTasksResponse> done)
      override;

 private:
  template <typename Request, typename Response>
  using Method = void (upstream::UpstreamClient::*)(
      std::shared_ptr<CallContext>, const Request&,
      upstream::UpstreamCallback<Response>);

  template <typename Request, typename Response>
  void Gate(Method<Request, Response> method, std::shared_ptr<CallContext> call,
            const Request& request, upstream::UpstreamCallback<Response> done);

  const std::shared_ptr<CircuitBreaker> breaker_;
};

}  // namespace lipsync::resilience

#endif  // LIPSYNC_SERVICE_RESILIENCE_CIRCUIT_BREAKING_UPSTREAM_CLIENT_H_
