#include "service/observability/gateway_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "kling/lipsync/v1/lipsync.grpc.pb.h"
#include "service/observability/resilience_metrics.h"
#include "tests/observability/exposition.h"

namespace lipsync::observability {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Optional;
using testing_util::Exposition;
using testing_util::SampleValue;

constexpr char kGet[] = "/kling.lipsync.v1.LipSyncService/GetLipSyncTask";
constexpr char kGetLabels[] =
    R"(grpc_method="GetLipSyncTask",grpc_service="kling.lipsync.v1.LipSyncService",grpc_type="unary")";

const google::protobuf::ServiceDescriptor& LipSyncDescriptor() {
  return *google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
      kling::lipsync::v1::LipSyncService::service_full_name());
}

GatewayMetricsOptions Options() {
  GatewayMetricsOptions options;
  options.version = "1.2.3";
  options.grpc_methods = GrpcMethodsOf(LipSyncDescriptor());
  options.upstream_operations = {"IdentifyFace", "CreateLipSyncTask",
                                 "GetLipSyncTask", "ListLipSyncTasks"};
  return options;
}

std::string Handled(const std::string& code) {
  return std::string("grpc_server_handled_total{grpc_code=\"") + code + "\"," +
         kGetLabels + "}";
}

TEST(GrpcMethodsOfTest, ListsEveryMethodWithItsType) {
  std::vector<GrpcMethod> methods = GrpcMethodsOf(LipSyncDescriptor());
  ASSERT_EQ(methods.size(), 5u);
  EXPECT_EQ(methods[0].full_name,
            "/kling.lipsync.v1.LipSyncService/IdentifyFace");
  EXPECT_EQ(methods[0].type, "unary");
  EXPECT_EQ(methods[4].full_name,
            "/kling.lipsync.v1.LipSyncService/WatchLipSyncTask");
  EXPECT_EQ(methods[4].type, "server_stream");
}

TEST(GatewayMetricsTest, PrecreatesSeriesAtZero) {
  GatewayMetrics metrics(Options());
  const std::string text = Exposition(*metrics.registry());
  EXPECT_THAT(SampleValue(text, Handled("OK")), Optional(0.0));
  EXPECT_THAT(SampleValue(text, Handled("Unauthenticated")), Optional(0.0));
  EXPECT_THAT(
      SampleValue(text, std::string("grpc_server_handling_seconds_count{") +
                            kGetLabels + "}"),
      Optional(0.0));
  EXPECT_THAT(
      SampleValue(
          text,
          R"(lipsync_upstream_retries_total{operation="CreateLipSyncTask"})"),
      Optional(0.0));
  EXPECT_THAT(SampleValue(text, "lipsync_in_flight_calls"), Optional(0.0));
  EXPECT_THAT(SampleValue(text, "lipsync_circuit_breaker_state"),
              Optional(0.0));
  EXPECT_THAT(
      SampleValue(
          text, R"(lipsync_circuit_breaker_transitions_total{to="half_open"})"),
      Optional(0.0));
  EXPECT_THAT(SampleValue(text, R"(lipsync_build_info{version="1.2.3"})"),
              Optional(1.0));
  EXPECT_THAT(text, HasSubstr("# TYPE grpc_server_handled_total counter"));
  EXPECT_THAT(text, HasSubstr("# TYPE grpc_server_handling_seconds histogram"));
}

TEST(GatewayMetricsTest, RecordsCallsByMethodAndCode) {
  GatewayMetrics metrics(Options());
  metrics.RecordCall(kGet, grpc::StatusCode::OK, absl::Milliseconds(3));
  metrics.RecordCall(kGet, grpc::StatusCode::OK, absl::Milliseconds(40));
  metrics.RecordCall(kGet, absl::StatusCode::kUnauthenticated,
                     absl::Microseconds(200));
  const std::string text = Exposition(*metrics.registry());
  EXPECT_THAT(SampleValue(text, Handled("OK")), Optional(2.0));
  EXPECT_THAT(SampleValue(text, Handled("Unauthenticated")), Optional(1.0));
  const std::string histogram =
      std::string("grpc_server_handling_seconds_bucket{") + kGetLabels;
  EXPECT_THAT(SampleValue(text, histogram + R"(,le="0.001"})"), Optional(1.0));
  EXPECT_THAT(SampleValue(text, histogram + R"(,le="0.005"})"), Optional(2.0));
  EXPECT_THAT(SampleValue(text, histogram + R"(,le="0.05"})"), Optional(3.0));
  EXPECT_THAT(SampleValue(text, histogram + R"(,le="60"})"), Optional(3.0));
  EXPECT_THAT(SampleValue(text, histogram + R"(,le="+Inf"})"), Optional(3.0));
  std::optional<double> sum =
      SampleValue(text, std::string("grpc_server_handling_seconds_sum{") +
                            kGetLabels + "}");
  ASSERT_TRUE(sum.has_value());
  EXPECT_NEAR(*sum, 0.0432, 1e-9);
}

TEST(GatewayMetricsTest, AcceptsBareMethodNames) {
  GatewayMetrics metrics(Options());
  metrics.RecordCall("GetLipSyncTask", grpc::StatusCode::OK,
                     absl::Milliseconds(1));
  metrics.RecordCall(kGet, grpc::StatusCode::OK, absl::Milliseconds(1));
  EXPECT_THAT(SampleValue(Exposition(*metrics.registry()), Handled("OK")),
              Optional(2.0));
}

TEST(GatewayMetricsTest, RecordsMethodsItWasNotGiven) {
  GatewayMetrics metrics(Options());
  metrics.RecordCall("/other.Service/Do", grpc::StatusCode::INTERNAL,
                     absl::Milliseconds(1));
  metrics.RecordCall("/other.Service/Do", grpc::StatusCode::INTERNAL,
                     absl::Milliseconds(1));
  EXPECT_THAT(
      SampleValue(
          Exposition(*metrics.registry()),
          R"(grpc_server_handled_total{grpc_code="Internal",grpc_method="Do",grpc_service="other.Service",grpc_type="unknown"})"),
      Optional(2.0));
}

TEST(GatewayMetricsTest, GaugesGoUpAndDown) {
  GatewayMetrics metrics(Options());
  metrics.AddInFlightCalls(3);
  metrics.AddInFlightCalls(-1);
  metrics.AddWatchStreams(1);
  metrics.AddAudioBytesInFlight(5'000'000);
  metrics.AddAudioBytesInFlight(-1'000'000);
  const std::string text = Exposition(*metrics.registry());
  EXPECT_THAT(SampleValue(text, "lipsync_in_flight_calls"), Optional(2.0));
  EXPECT_THAT(SampleValue(text, "lipsync_watch_streams"), Optional(1.0));
  EXPECT_THAT(SampleValue(text, "lipsync_audio_bytes_in_flight"),
              Optional(4'000'000.0));
}

TEST(GatewayMetricsTest, BoundsUpstreamLabelValues) {
  GatewayMetrics metrics(Options());
  metrics.RecordUpstreamRequest("GetLipSyncTask", absl::StatusCode::kOk, "200",
                                "0", absl::Milliseconds(80));
  metrics.RecordUpstreamRequest("GetLipSyncTask",
                                absl::StatusCode::kResourceExhausted, "429",
                                "1303", absl::Milliseconds(5));
  // A hostile upstream's inventions collapse into "other".
  for (const char* code : {"98765", "-1", "1999", "abc"}) {
    metrics.RecordUpstreamRequest("GetLipSyncTask", absl::StatusCode::kUnknown,
                                  "700", code, absl::Milliseconds(5));
  }
  metrics.RecordUpstreamRequest("GetLipSyncTask",
                                absl::StatusCode::kUnavailable, "none", "none",
                                absl::Seconds(2));
  const std::string text = Exposition(*metrics.registry());
  const std::string prefix = "lipsync_upstream_requests_total{";
  EXPECT_THAT(
      SampleValue(
          text,
          prefix +
              R"(code="OK",http_status="200",kling_code="0",operation="GetLipSyncTask"})"),
      Optional(1.0));
  EXPECT_THAT(
      SampleValue(
          text,
          prefix +
              R"(code="RESOURCE_EXHAUSTED",http_status="429",kling_code="1303",operation="GetLipSyncTask"})"),
      Optional(1.0));
  EXPECT_THAT(
      SampleValue(
          text,
          prefix +
              R"(code="UNKNOWN",http_status="other",kling_code="other",operation="GetLipSyncTask"})"),
      Optional(4.0));
  EXPECT_THAT(
      SampleValue(
          text,
          prefix +
              R"(code="UNAVAILABLE",http_status="none",kling_code="none",operation="GetLipSyncTask"})"),
      Optional(1.0));
  EXPECT_THAT(text, Not(HasSubstr("98765")));
  EXPECT_THAT(
      SampleValue(
          text,
          R"(lipsync_upstream_request_seconds_count{operation="GetLipSyncTask"})"),
      Optional(7.0));
}

TEST(GatewayMetricsTest, ResilienceAdaptersFeedRetriesAndBreaker) {
  auto metrics = std::make_shared<GatewayMetrics>(Options());
  auto observer = MakeRetryMetricsObserver(metrics);
  observer->OnRetry(resilience::Operation::kGetTask, 2,
                    absl::UnavailableError("x"));
  observer->OnRetry(resilience::Operation::kGetTask, 3,
                    absl::UnavailableError("x"));
  observer->OnRetryBudgetExhausted(resilience::Operation::kListTasks,
                                   absl::UnavailableError("x"));
  auto listener = MakeBreakerMetricsListener(metrics);
  using State = resilience::CircuitBreaker::State;
  listener(State::kClosed, State::kOpen);
  listener(State::kOpen, State::kHalfOpen);

  std::string text = Exposition(*metrics->registry());
  EXPECT_THAT(
      SampleValue(
          text,
          R"(lipsync_upstream_retries_total{operation="GetLipSyncTask"})"),
      Optional(2.0));
  EXPECT_THAT(
      SampleValue(
          text,
          R"(lipsync_upstream_retry_budget_exhausted_total{operation="ListLipSyncTasks"})"),
      Optional(1.0));
  EXPECT_THAT(SampleValue(text, "lipsync_circuit_breaker_state"),
              Optional(2.0));
  EXPECT_THAT(
      SampleValue(text,
                  R"(lipsync_circuit_breaker_transitions_total{to="open"})"),
      Optional(1.0));

  listener(State::kHalfOpen, State::kClosed);
  text = Exposition(*metrics->registry());
  EXPECT_THAT(SampleValue(text, "lipsync_circuit_breaker_state"),
              Optional(0.0));
  EXPECT_THAT(
      SampleValue(text,
                  R"(lipsync_circuit_breaker_transitions_total{to="closed"})"),
      Optional(1.0));
}

// Run under TSan: no count is lost when threads record at once.
TEST(GatewayMetricsTest, CountsExactlyUnderConcurrency) {
  GatewayMetrics metrics(Options());
  constexpr int kThreads = 4;
  constexpr int kCalls = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kCalls; ++i) {
        metrics.RecordCall(kGet, grpc::StatusCode::OK, absl::Milliseconds(1));
        metrics.RecordCall("/late.Service/M", grpc::StatusCode::OK,
                           absl::Milliseconds(1));
        metrics.RecordUpstreamRequest("GetLipSyncTask", absl::StatusCode::kOk,
                                      "200", "0", absl::Milliseconds(1));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  const std::string text = Exposition(*metrics.registry());
  EXPECT_THAT(SampleValue(text, Handled("OK")),
              Optional(kThreads * kCalls * 1.0));
  EXPECT_THAT(
      SampleValue(
          text,
          R"(grpc_server_handled_total{grpc_code="OK",grpc_method="M",grpc_service="late.Service",grpc_type="unknown"})"),
      Optional(kThreads * kCalls * 1.0));
  EXPECT_THAT(
      SampleValue(
          text,
          R"(lipsync_upstream_requests_total{code="OK",http_status="200",kling_code="0",operation="GetLipSyncTask"})"),
      Optional(kThreads * kCalls * 1.0));
}

}  // namespace
}  // namespace lipsync::observability
