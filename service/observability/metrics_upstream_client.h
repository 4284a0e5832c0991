// UpstreamClient decorator that counts and times upstream exchanges.
#ifndef LIPSYNC_SERVICE_OBSERVABILITY_METRICS_UPSTREAM_CLIENT_H_
#define LIPSYNC_SERVICE_OBSERVABILITY_METRICS_UPSTREAM_CLIENT_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "service/observability/gateway_metrics.h"
#include "service/upstream/forwarding_upstream_client.h"

namespace lipsync::observability {

// The labels of lipsync_upstream_requests_total for one outcome.
struct UpstreamOutcomeLabels {
  std::string code;         // absl canonical code name, e.g. "UNAVAILABLE"
  std::string http_status;  // "200", "429", ..., or "none"
  std::string kling_code;   // "0", "1303", ..., or "none"
};

// OK → {"OK", "200", "0"} (a success is a 2xx answer with Kling code 0).
// An error → http_status and kling_code from its google.rpc.ErrorInfo
// metadata (`http_status`, `kling_code`), each "none" when absent: a
// transport failure (no answer) has neither; an answer without a Kling
// envelope (a proxy's 502 page) has only the HTTP status.
UpstreamOutcomeLabels LabelsForOutcome(const absl::Status& status);

// Records, per call, lipsync_upstream_requests_total and
// lipsync_upstream_request_seconds (from the call to `done`) under the
// operation names "IdentifyFace", "CreateLipSyncTask", "GetLipSyncTask",
// "ListLipSyncTasks", then runs `done` with the outcome unchanged, on the
// thread `child` completed on. Thread-safe if `child` is.
//
// Place it directly over the Kling client, under retry and the circuit
// breaker — Retrying(CircuitBreaking(Metrics(Kling))) — so that each HTTP
// exchange is counted once with its own HTTP status, and calls the breaker
// refuses (which never reach Kling) are not counted as upstream requests.
class MetricsUpstreamClient final : public upstream::ForwardingUpstreamClient {
 public:
  // `clock` times the calls (injected for tests).
  MetricsUpstreamClient(std::shared_ptr<upstream::UpstreamClient> child,
                        std::shared_ptr<GatewayMetrics> metrics,
                        std::function<absl::Time()> clock = absl::Now);

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
  template <typename T>
  upstream::UpstreamCallback<T> Measured(absl::string_view operation,
                                         upstream::UpstreamCallback<T> done);

  const std::shared_ptr<GatewayMetrics> metrics_;
  const std::function<absl::Time()> clock_;
};

}  // namespace lipsync::observability

#endif  // LIPSYNC_SERVICE_OBSERVABILITY_METRICS_UPSTREAM_CLIENT_H_
