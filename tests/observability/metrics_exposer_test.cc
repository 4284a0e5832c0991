// Scrapes the exposer over real HTTP on loopback.
#include "service/observability/metrics_exposer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <string>

#include "service/observability/gateway_metrics.h"
#include "tests/observability/exposition.h"
#include "tests/translate/status_testing.h"

namespace lipsync::observability {
namespace {

using ::lipsync::translate::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Optional;
using testing_util::SampleValue;

GatewayMetricsOptions Options() {
  GatewayMetricsOptions options;
  options.version = "test";
  options.grpc_methods = {
      {"/kling.lipsync.v1.LipSyncService/GetLipSyncTask", "unary"}};
  return options;
}

httplib::Result Get(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(5);
  client.set_read_timeout(10);
  return client.Get(path.c_str());
}

// One exposer for the suite: prometheus-cpp's listener (civetweb) takes up
// to its 2 s poll quantum to stop.
class MetricsExposerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    metrics_ = new GatewayMetrics(Options());
    auto exposer = MetricsExposer::Start("127.0.0.1:0", metrics_->registry());
    ASSERT_TRUE(exposer.ok()) << exposer.status();
    exposer_ = exposer->release();
  }
  static void TearDownTestSuite() {
    delete exposer_;
    delete metrics_;
  }

  static GatewayMetrics* metrics_;
  static MetricsExposer* exposer_;
};
GatewayMetrics* MetricsExposerTest::metrics_ = nullptr;
MetricsExposer* MetricsExposerTest::exposer_ = nullptr;

TEST_F(MetricsExposerTest, ServesTheRegistryOnAnEphemeralPort) {
  ASSERT_GT(exposer_->port(), 0);
  metrics_->RecordCall("/kling.lipsync.v1.LipSyncService/GetLipSyncTask",
                       grpc::StatusCode::NOT_FOUND, absl::Milliseconds(12));
  metrics_->RecordUpstreamRequest("GetLipSyncTask", absl::StatusCode::kNotFound,
                                  "404", "1203", absl::Milliseconds(10));
  metrics_->AddWatchStreams(2);

  httplib::Result response = Get(exposer_->port(), "/metrics");
  ASSERT_TRUE(response) << httplib::to_string(response.error());
  EXPECT_EQ(response->status, 200);
  EXPECT_THAT(response->get_header_value("Content-Type"),
              HasSubstr("text/plain"));
  const std::string& body = response->body;
  EXPECT_THAT(
      SampleValue(
          body,
          R"(grpc_server_handled_total{grpc_code="NotFound",grpc_method="GetLipSyncTask",grpc_service="kling.lipsync.v1.LipSyncService",grpc_type="unary"})"),
      Optional(1.0));
  EXPECT_THAT(
      SampleValue(
          body,
          R"(lipsync_upstream_requests_total{code="NOT_FOUND",http_status="404",kling_code="1203",operation="GetLipSyncTask"})"),
      Optional(1.0));
  EXPECT_THAT(SampleValue(body, "lipsync_watch_streams"), Optional(2.0));
  EXPECT_THAT(SampleValue(body, R"(lipsync_build_info{version="test"})"),
              Optional(1.0));
  EXPECT_THAT(body, HasSubstr("# HELP lipsync_in_flight_calls"));
}

TEST_F(MetricsExposerTest, ServesOnlyTheMetricsPath) {
  httplib::Result response = Get(exposer_->port(), "/secret");
  ASSERT_TRUE(response) << httplib::to_string(response.error());
  EXPECT_EQ(response->status, 404);
}

TEST_F(MetricsExposerTest, ReportsAPortInUse) {
  const std::string address = "127.0.0.1:" + std::to_string(exposer_->port());
  auto second = MetricsExposer::Start(address, metrics_->registry());
  EXPECT_THAT(second, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(second.status().message(), HasSubstr(address));
}

TEST(MetricsExposerStartTest, RefusesAnEmptyAddress) {
  GatewayMetrics metrics(Options());
  EXPECT_THAT(MetricsExposer::Start("", metrics.registry()),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(MetricsExposerStartTest, StopsServingWhenDestroyed) {
  GatewayMetrics metrics(Options());
  auto exposer = MetricsExposer::Start("127.0.0.1:0", metrics.registry());
  ASSERT_TRUE(exposer.ok()) << exposer.status();
  const int port = (*exposer)->port();
  exposer->reset();
  EXPECT_FALSE(Get(port, "/metrics"));
}

}  // namespace
}  // namespace lipsync::observability
