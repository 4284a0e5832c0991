// The gateway's Prometheus metrics: one registry, every family, and cheap
// recording methods for the hot paths.
//
// Families (names and labels follow the Prometheus naming guide and the
// go-grpc-prometheus conventions that Grafana dashboards expect):
//   grpc_server_handled_total{grpc_service, grpc_method, grpc_type,
//                             grpc_code}                        counter
//   grpc_server_handling_seconds{grpc_service, grpc_method,
//                                grpc_type}                     histogram
//   lipsync_in_flight_calls                                     gauge
//   lipsync_watch_streams                                       gauge
//   lipsync_audio_bytes_in_flight                               gauge
//   lipsync_upstream_requests_total{operation, code, http_status,
//                                   kling_code}                 counter
//   lipsync_upstream_request_seconds{operation}                 histogram
//   lipsync_upstream_retries_total{operation}                   counter
//   lipsync_upstream_retry_budget_exhausted_total{operation}    counter
//   lipsync_circuit_breaker_state        0 closed, 1 open, 2 half-open
//   lipsync_circuit_breaker_transitions_total{to}               counter
//   lipsync_build_info{version}                                 gauge = 1
// Latency histograms have buckets from 1 ms to 60 s (kLatencyBuckets).
#ifndef LIPSYNC_SERVICE_OBSERVABILITY_GATEWAY_METRICS_H_
#define LIPSYNC_SERVICE_OBSERVABILITY_GATEWAY_METRICS_H_

#include <google/protobuf/descriptor.h>
#include <grpcpp/support/status.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace lipsync::observability {

// Upper bounds, in seconds, of every latency histogram's buckets.
extern const std::vector<double> kLatencyBuckets;

// One gRPC method whose series are created up front.
struct GrpcMethod {
  // "/package.Service/Method", as gRPC names it (ServerRpcInfo::method()).
  std::string full_name;
  // "unary", "client_stream", "server_stream" or "bidi_stream".
  std::string type;
};

// Every method of `service`, with its type.
std::vector<GrpcMethod> GrpcMethodsOf(
    const google::protobuf::ServiceDescriptor& service);

struct GatewayMetricsOptions {
  // The lipsync_build_info `version` label.
  std::string version;
  // Methods whose series exist from the start (at 0, so rate() works from
  // the first scrape) and are recorded without any lock.
  std::vector<GrpcMethod> grpc_methods;
  // Upstream operations likewise (e.g. "GetLipSyncTask").
  std::vector<std::string> upstream_operations;
};

enum class BreakerState { kClosed = 0, kOpen = 1, kHalfOpen = 2 };

// Thread-safe. Recording a precreated method or operation costs a hash
// lookup in an immutable map plus the prometheus-cpp update (atomic
// counters; a short per-series lock for histograms); series met for the
// first time take a lock once. Label values that come from the upstream are
// bounded (see RecordUpstreamRequest), so a hostile upstream cannot blow up
// the number of series.
class GatewayMetrics {
 public:
  explicit GatewayMetrics(const GatewayMetricsOptions& options);
  GatewayMetrics(const GatewayMetrics&) = delete;
  GatewayMetrics& operator=(const GatewayMetrics&) = delete;

  // What the exposer serves.
  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

  // One finished RPC: `method` as in GrpcMethod::full_name, or the bare
  // method name ("GetLipSyncTask") when only one of the given services has
  // it; `code` its final status; `elapsed` from its start to Finish. Methods
  // not given at construction are recorded too (type "unknown"), under a
  // lock.
  void RecordCall(absl::string_view method, grpc::StatusCode code,
                  absl::Duration elapsed);
  void RecordCall(absl::string_view method, absl::StatusCode code,
                  absl::Duration elapsed);

  // Gauges; pass +n when something starts and -n when it ends.
  void AddInFlightCalls(double delta) { in_flight_calls_->Increment(delta); }
  void AddWatchStreams(double delta) { watch_streams_->Increment(delta); }
  void AddAudioBytesInFlight(double delta) {
    audio_bytes_in_flight_->Increment(delta);
  }

  // One upstream HTTP exchange. `code` is the outcome's canonical code;
  // `http_status` the HTTP status, or "none" when no answer came;
  // `kling_code` Kling's envelope code ("0" on success), or "none". An
  // http_status that is not 100-599 becomes "other", and a kling_code not
  // in Kling's documented table (0, 1000-1004, 1100-1103, 1200-1203,
  // 1300-1304, 5000-5002) becomes "other".
  void RecordUpstreamRequest(absl::string_view operation, absl::StatusCode code,
                             absl::string_view http_status,
                             absl::string_view kling_code,
                             absl::Duration elapsed);
  void RecordUpstreamRetry(absl::string_view operation);
  void RecordRetryBudgetExhausted(absl::string_view operation);

  // The breaker entered `to`: sets the state gauge, counts the transition.
  void RecordBreakerState(BreakerState to);

 private:
  struct MethodSeries {
    std::array<prometheus::Counter*, 17> handled{};  // by grpc::StatusCode
    prometheus::Histogram* seconds = nullptr;
  };
  struct OperationSeries {
    prometheus::Histogram* seconds = nullptr;
    prometheus::Counter* retries = nullptr;
    prometheus::Counter* budget_exhausted = nullptr;
  };

  MethodSeries MakeMethodSeries(const GrpcMethod& method);
  OperationSeries MakeOperationSeries(absl::string_view operation);
  // By value: entries of the late map move when it grows.
  OperationSeries Operation(absl::string_view operation);

  const std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Histogram>& handling_seconds_;
  prometheus::Family<prometheus::Counter>& upstream_requests_;
  prometheus::Family<prometheus::Histogram>& upstream_seconds_;
  prometheus::Family<prometheus::Counter>& upstream_retries_;
  prometheus::Family<prometheus::Counter>& retry_budget_exhausted_;
  prometheus::Gauge* const in_flight_calls_;
  prometheus::Gauge* const watch_streams_;
  prometheus::Gauge* const audio_bytes_in_flight_;
  prometheus::Gauge* const breaker_state_;
  std::array<prometheus::Counter*, 3> breaker_transitions_{};

  // Built in the constructor, never modified: read without a lock.
  absl::flat_hash_map<std::string, MethodSeries> methods_;
  absl::flat_hash_map<std::string, OperationSeries> operations_;

  // Series first met after construction.
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, MethodSeries> late_methods_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, OperationSeries> late_operations_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, prometheus::Counter*> upstream_outcomes_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace lipsync::observability

#endif  // LIPSYNC_SERVICE_OBSERVABILITY_GATEWAY_METRICS_H_
