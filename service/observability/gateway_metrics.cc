#include "service/observability/gateway_metrics.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace lipsync::observability {
namespace {

using prometheus::Counter;
using prometheus::Gauge;
using prometheus::Histogram;

constexpr int kGrpcCodeCount = 17;

// go-grpc-prometheus spells codes as Go's codes.Code.String() does; keeping
// its spelling keeps the community dashboards and alerts working.
absl::string_view GrpcCodeLabel(int code) {
  static constexpr absl::string_view kNames[kGrpcCodeCount] = {
      "OK",
      "Canceled",
      "Unknown",
      "InvalidArgument",
      "DeadlineExceeded",
      "NotFound",
      "AlreadyExists",
      "PermissionDenied",
      "ResourceExhausted",
      "FailedPrecondition",
      "Aborted",
      "OutOfRange",
      "Unimplemented",
      "Internal",
      "Unavailable",
      "DataLoss",
      "Unauthenticated"};
  return code >= 0 && code < kGrpcCodeCount ? kNames[code] : kNames[2];
}

int ClampCode(int code) {
  return code >= 0 && code < kGrpcCodeCount ? code : 2;  // Unknown
}

// "/pkg.Service/Method" → ("pkg.Service", "Method"); anything else is kept
// whole as the method, with an empty service.
std::pair<std::string, std::string> SplitMethod(absl::string_view full) {
  if (!full.empty() && full.front() == '/') {
    const absl::string_view rest = full.substr(1);
    const std::size_t slash = rest.find('/');
    if (slash != absl::string_view::npos) {
      return {std::string(rest.substr(0, slash)),
              std::string(rest.substr(slash + 1))};
    }
  }
  return {"", std::string(full)};
}

bool IsDocumentedKlingCode(int64_t code) {
  return code == 0 || (code >= 1000 && code <= 1004) ||
         (code >= 1100 && code <= 1103) || (code >= 1200 && code <= 1203) ||
         (code >= 1300 && code <= 1304) || (code >= 5000 && code <= 5002);
}

std::string BoundedHttpStatus(absl::string_view http_status) {
  if (http_status == "none") return "none";
  int value = 0;
  if (absl::SimpleAtoi(http_status, &value) && value >= 100 && value <= 599) {
    return absl::StrCat(value);
  }
  return "other";
}

std::string BoundedKlingCode(absl::string_view kling_code) {
  if (kling_code == "none") return "none";
  int64_t value = 0;
  if (absl::SimpleAtoi(kling_code, &value) && IsDocumentedKlingCode(value)) {
    return absl::StrCat(value);
  }
  return "other";
}

// The family `name` in `registry`; `builder` is prometheus::BuildCounter(),
// BuildGauge() or BuildHistogram().
template <typename Builder>
auto& RegisterFamily(Builder builder, prometheus::Registry& registry,
                     const std::string& name, const std::string& help) {
  return builder.Name(name).Help(help).Register(registry);
}

// The one, unlabelled, gauge of the family `name`.
Gauge* RegisterGauge(prometheus::Registry& registry, const std::string& name,
                     const std::string& help) {
  return &RegisterFamily(prometheus::BuildGauge(), registry, name, help)
              .Add({});
}

}  // namespace

const std::vector<double> kLatencyBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025,
                                             0.05,  0.1,    0.25,  0.5,  1,
                                             2.5,   5,      10,    30,   60};

std::vector<GrpcMethod> GrpcMethodsOf(
    const google::protobuf::ServiceDescriptor& service) {
  std::vector<GrpcMethod> methods;
  for (int i = 0; i < service.method_count(); ++i) {
    const google::protobuf::MethodDescriptor& m = *service.method(i);
    const char* type =
        m.client_streaming()
            ? (m.server_streaming() ? "bidi_stream" : "client_stream")
            : (m.server_streaming() ? "server_stream" : "unary");
    methods.push_back(
        {absl::StrCat("/", service.full_name(), "/", m.name()), type});
  }
  return methods;
}

GatewayMetrics::GatewayMetrics(const GatewayMetricsOptions& options)
    : registry_(std::make_shared<prometheus::Registry>()),
      handled_(RegisterFamily(
          prometheus::BuildCounter(), *registry_, "grpc_server_handled_total",
          "RPCs completed on the server, by final status code.")),
      handling_seconds_(
          RegisterFamily(prometheus::BuildHistogram(), *registry_,
                         "grpc_server_handling_seconds",
                         "Time from the start of an RPC to its final status.")),
      upstream_requests_(
          RegisterFamily(prometheus::BuildCounter(), *registry_,
                         "lipsync_upstream_requests_total",
                         "HTTP exchanges with the Kling API, by outcome.")),
      upstream_seconds_(RegisterFamily(prometheus::BuildHistogram(), *registry_,
                                       "lipsync_upstream_request_seconds",
                                       "Duration of one Kling API exchange.")),
      upstream_retries_(
          RegisterFamily(prometheus::BuildCounter(), *registry_,
                         "lipsync_upstream_retries_total",
                         "Upstream calls re-sent after a retryable failure.")),
      retry_budget_exhausted_(RegisterFamily(
          prometheus::BuildCounter(), *registry_,
          "lipsync_upstream_retry_budget_exhausted_total",
          "Retries refused because the retry budget was spent.")),
      in_flight_calls_(RegisterGauge(*registry_, "lipsync_in_flight_calls",
                                     "RPCs currently being handled.")),
      watch_streams_(RegisterGauge(*registry_, "lipsync_watch_streams",
                                   "Open WatchLipSyncTask streams.")),
      audio_bytes_in_flight_(
          RegisterGauge(*registry_, "lipsync_audio_bytes_in_flight",
                        "Bytes of audio held by calls in progress.")),
      breaker_state_(RegisterGauge(
          *registry_, "lipsync_circuit_breaker_state",
          "Upstream circuit breaker: 0 closed, 1 open, 2 half-open.")) {
  auto& transitions =
      RegisterFamily(prometheus::BuildCounter(), *registry_,
                     "lipsync_circuit_breaker_transitions_total",
                     "Circuit breaker state changes, by new state.");
  breaker_transitions_ = {&transitions.Add({{"to", "closed"}}),
                          &transitions.Add({{"to", "open"}}),
                          &transitions.Add({{"to", "half_open"}})};
  RegisterFamily(prometheus::BuildGauge(), *registry_, "lipsync_build_info",
                 "Always 1; the labels describe the running build.")
      .Add({{"version", options.version}})
      .Set(1);

  // Bare method names ("GetLipSyncTask", as the service's access log names
  // calls) resolve too, when no two services share them.
  absl::flat_hash_map<std::string, int> bare_name_count;
  for (const GrpcMethod& method : options.grpc_methods) {
    ++bare_name_count[SplitMethod(method.full_name).second];
  }
  for (const GrpcMethod& method : options.grpc_methods) {
    const MethodSeries series = MakeMethodSeries(method);
    methods_.emplace(method.full_name, series);
    std::string bare = SplitMethod(method.full_name).second;
    if (bare_name_count[bare] == 1) methods_.emplace(std::move(bare), series);
  }
  for (const std::string& operation : options.upstream_operations) {
    operations_.emplace(operation, MakeOperationSeries(operation));
  }
}

GatewayMetrics::MethodSeries GatewayMetrics::MakeMethodSeries(
    const GrpcMethod& method) {
  auto [service, name] = SplitMethod(method.full_name);
  const prometheus::Labels labels = {{"grpc_service", service},
                                     {"grpc_method", name},
                                     {"grpc_type", method.type}};
  MethodSeries series;
  for (int code = 0; code < kGrpcCodeCount; ++code) {
    prometheus::Labels with_code = labels;
    with_code.emplace("grpc_code", std::string(GrpcCodeLabel(code)));
    series.handled[code] = &handled_.Add(with_code);
  }
  series.seconds = &handling_seconds_.Add(labels, kLatencyBuckets);
  return series;
}

GatewayMetrics::OperationSeries GatewayMetrics::MakeOperationSeries(
    absl::string_view operation) {
  const prometheus::Labels labels = {{"operation", std::string(operation)}};
  OperationSeries series;
  series.seconds = &upstream_seconds_.Add(labels, kLatencyBuckets);
  series.retries = &upstream_retries_.Add(labels);
  series.budget_exhausted = &retry_budget_exhausted_.Add(labels);
  return series;
}

void GatewayMetrics::RecordCall(absl::string_view method, grpc::StatusCode code,
                                absl::Duration elapsed) {
  const int index = ClampCode(static_cast<int>(code));
  const double seconds = absl::ToDoubleSeconds(elapsed);
  auto it = methods_.find(method);
  if (it != methods_.end()) {
    it->second.handled[index]->Increment();
    it->second.seconds->Observe(seconds);
    return;
  }
  MethodSeries series;
  {
    absl::MutexLock lock(&mu_);
    auto late = late_methods_.find(method);
    if (late == late_methods_.end()) {
      late = late_methods_
                 .emplace(std::string(method),
                          MakeMethodSeries({std::string(method), "unknown"}))
                 .first;
    }
    series = late->second;
  }
  series.handled[index]->Increment();
  series.seconds->Observe(seconds);
}

void GatewayMetrics::RecordCall(absl::string_view method, absl::StatusCode code,
                                absl::Duration elapsed) {
  // absl and gRPC share the canonical code numbers.
  RecordCall(method, static_cast<grpc::StatusCode>(static_cast<int>(code)),
             elapsed);
}

GatewayMetrics::OperationSeries GatewayMetrics::Operation(
    absl::string_view operation) {
  auto it = operations_.find(operation);
  if (it != operations_.end()) return it->second;
  absl::MutexLock lock(&mu_);
  auto late = late_operations_.find(operation);
  if (late == late_operations_.end()) {
    late = late_operations_
               .emplace(std::string(operation), MakeOperationSeries(operation))
               .first;
  }
  return late->second;
}

void GatewayMetrics::RecordUpstreamRequest(absl::string_view operation,
                                           absl::StatusCode code,
                                           absl::string_view http_status,
                                           absl::string_view kling_code,
                                           absl::Duration elapsed) {
  Operation(operation).seconds->Observe(absl::ToDoubleSeconds(elapsed));

  const std::string status = BoundedHttpStatus(http_status);
  const std::string kling = BoundedKlingCode(kling_code);
  const std::string code_name = absl::StatusCodeToString(code);
  const std::string key =
      absl::StrCat(operation, "|", code_name, "|", status, "|", kling);
  Counter* counter = nullptr;
  {
    absl::ReaderMutexLock lock(&mu_);
    auto it = upstream_outcomes_.find(key);
    if (it != upstream_outcomes_.end()) counter = it->second;
  }
  if (counter == nullptr) {
    absl::MutexLock lock(&mu_);
    Counter*& slot = upstream_outcomes_[key];
    if (slot == nullptr) {
      slot = &upstream_requests_.Add({{"operation", std::string(operation)},
                                      {"code", code_name},
                                      {"http_status", status},
                                      {"kling_code", kling}});
    }
    counter = slot;
  }
  counter->Increment();
}

void GatewayMetrics::RecordUpstreamRetry(absl::string_view operation) {
  Operation(operation).retries->Increment();
}

void GatewayMetrics::RecordRetryBudgetExhausted(absl::string_view operation) {
  Operation(operation).budget_exhausted->Increment();
}

void GatewayMetrics::RecordBreakerState(BreakerState to) {
  const int index = static_cast<int>(to);
  if (index < 0 || index >= static_cast<int>(breaker_transitions_.size())) {
    return;
  }
  breaker_state_->Set(index);
  breaker_transitions_[index]->Increment();
}

}  // namespace lipsync::observability
