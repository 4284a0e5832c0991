#include "service/observability/metrics_upstream_client.h"

#include <utility>

#include "service/common/status_details.h"

namespace lipsync::observability {
namespace {

std::string MetadataOr(const google::rpc::ErrorInfo& info, const char* key,
                       const char* fallback) {
  auto it = info.metadata().find(key);
  return it == info.metadata().end() || it->second.empty() ? fallback
                                                           : it->second;
}

}  // namespace

UpstreamOutcomeLabels LabelsForOutcome(const absl::Status& status) {
  if (status.ok()) return {"OK", "200", "0"};
  UpstreamOutcomeLabels labels{absl::StatusCodeToString(status.code()), "none",
                               "none"};
  if (std::optional<google::rpc::ErrorInfo> info = GetErrorInfo(status)) {
    labels.http_status = MetadataOr(*info, "http_status", "none");
    labels.kling_code = MetadataOr(*info, "kling_code", "none");
  }
  return labels;
}

MetricsUpstreamClient::MetricsUpstreamClient(
    std::shared_ptr<upstream::UpstreamClient> child,
    std::shared_ptr<GatewayMetrics> metrics, std::function<absl::Time()> clock)
    : ForwardingUpstreamClient(std::move(child)),
      metrics_(std::move(metrics)),
      clock_(std::move(clock)) {}

template <typename T>
upstream::UpstreamCallback<T> MetricsUpstreamClient::Measured(
    absl::string_view operation, upstream::UpstreamCallback<T> done) {
  // The callback holds the metrics and clock by value: it may run after
  // this decorator is gone.
  return [metrics = metrics_, clock = clock_, operation, start = clock_(),
          done = std::move(done)](absl::StatusOr<T> outcome) {
    const UpstreamOutcomeLabels labels = LabelsForOutcome(outcome.status());
    metrics->RecordUpstreamRequest(operation, outcome.status().code(),
                                   labels.http_status, labels.kling_code,
                                   clock() - start);
    done(std::move(outcome));
  };
}

void MetricsUpstreamClient::IdentifyFace(
    std::shared_ptr<CallContext> call,
    const upstream::v1::IdentifyFaceRequest& request,
    upstream::UpstreamCallback<upstream::v1::IdentifyFaceResponse> done) {
  child()->IdentifyFace(std::move(call), request,
                        Measured("IdentifyFace", std::move(done)));
}

void MetricsUpstreamClient::CreateLipSyncTask(
    std::shared_ptr<CallContext> call, const CreateRequest& request,
    upstream::UpstreamCallback<upstream::v1::LipSyncTask> done) {
  child()->CreateLipSyncTask(std::move(call), request,
                             Measured("CreateLipSyncTask", std::move(done)));
}

void MetricsUpstreamClient::GetLipSyncTask(
    std::shared_ptr<CallContext> call,
    const upstream::v1::GetLipSyncTaskRequest& request,
    upstream::UpstreamCallback<upstream::v1::LipSyncTask> done) {
  child()->GetLipSyncTask(std::move(call), request,
                          Measured("GetLipSyncTask", std::move(done)));
}

void MetricsUpstreamClient::ListLipSyncTasks(
    std::shared_ptr<CallContext> call,
    const upstream::v1::ListLipSyncTasksRequest& request,
    upstream::UpstreamCallback<upstream::v1::ListLipSyncTasksResponse> done) {
  child()->ListLipSyncTasks(std::move(call), request,
                            Measured("ListLipSyncTasks", std::move(done)));
}

}  // namespace lipsync::observability
