#include "service/observability/metrics_upstream_client.h"

#include <curl/curl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "service/common/status_details.h"
#include "service/translate/kling_error.h"
#include "service/upstream/transport_status.h"
#include "tests/observability/exposition.h"
#include "tests/support/mock_upstream_client.h"

namespace lipsync::observability {
namespace {

namespace v1 = ::kling::lipsync::v1;
using ::lipsync::testing_util::CompleteWith;
using ::lipsync::testing_util::MockUpstreamClient;
using ::testing::_;
using ::testing::Optional;
using ::testing::StrictMock;
using testing_util::Exposition;
using testing_util::SampleValue;

// Advances by a fixed step on every reading, so each call "takes" one step.
class SteppingClock {
 public:
  explicit SteppingClock(absl::Duration step) : step_(step) {}
  std::function<absl::Time()> AsFunction() {
    return [this] {
      absl::MutexLock lock(&mu_);
      now_ += step_;
      return now_;
    };
  }

 private:
  const absl::Duration step_;
  absl::Mutex mu_;
  absl::Time now_ = absl::UnixEpoch();
};

absl::Status KlingError(int http_status, int64_t code) {
  translate::UpstreamError error;
  error.http_status = http_status;
  error.code = code;
  error.message = "refused";
  error.request_id = "req-1";
  return translate::UpstreamErrorToStatus(error);
}

absl::Status TransportError() {
  return upstream::CurlResultToStatus(
      CURLE_COULDNT_CONNECT, "Connection refused", {true, false, true});
}

// An answer that is not a Kling envelope (a proxy's error page): only the
// HTTP status is known.
absl::Status ProxyError() {
  google::rpc::ErrorInfo info;
  info.set_reason("UPSTREAM_UNAVAILABLE");
  info.set_domain(std::string(kGatewayErrorDomain));
  (*info.mutable_metadata())["http_status"] = "502";
  return WithErrorInfo(absl::UnavailableError("HTTP 502"), info);
}

TEST(LabelsForOutcomeTest, ReadsTheErrorInfo) {
  UpstreamOutcomeLabels ok = LabelsForOutcome(absl::OkStatus());
  EXPECT_EQ(ok.code, "OK");
  EXPECT_EQ(ok.http_status, "200");
  EXPECT_EQ(ok.kling_code, "0");

  UpstreamOutcomeLabels kling = LabelsForOutcome(KlingError(429, 1303));
  EXPECT_EQ(kling.code, "RESOURCE_EXHAUSTED");
  EXPECT_EQ(kling.http_status, "429");
  EXPECT_EQ(kling.kling_code, "1303");

  UpstreamOutcomeLabels transport = LabelsForOutcome(TransportError());
  EXPECT_EQ(transport.code, "UNAVAILABLE");
  EXPECT_EQ(transport.http_status, "none");
  EXPECT_EQ(transport.kling_code, "none");

  UpstreamOutcomeLabels proxy = LabelsForOutcome(ProxyError());
  EXPECT_EQ(proxy.http_status, "502");
  EXPECT_EQ(proxy.kling_code, "none");

  UpstreamOutcomeLabels bare =
      LabelsForOutcome(absl::DeadlineExceededError("deadline"));
  EXPECT_EQ(bare.code, "DEADLINE_EXCEEDED");
  EXPECT_EQ(bare.http_status, "none");
  EXPECT_EQ(bare.kling_code, "none");
}

class MetricsUpstreamClientTest : public ::testing::Test {
 protected:
  MetricsUpstreamClientTest()
      : mock_(std::make_shared<StrictMock<MockUpstreamClient>>()),
        metrics_(std::make_shared<GatewayMetrics>(GatewayMetricsOptions{})),
        clock_(absl::Milliseconds(250)),
        client_(mock_, metrics_, clock_.AsFunction()) {}

  std::shared_ptr<CallContext> Call() {
    return std::make_shared<CallContext>(absl::InfiniteFuture());
  }
  std::string Text() { return Exposition(*metrics_->registry()); }

  std::shared_ptr<StrictMock<MockUpstreamClient>> mock_;
  std::shared_ptr<GatewayMetrics> metrics_;
  SteppingClock clock_;
  MetricsUpstreamClient client_;
};

TEST_F(MetricsUpstreamClientTest, CountsAndTimesEachOutcome) {
  v1::LipSyncTask task;
  task.set_task_id("t1");
  const absl::Status not_found = KlingError(404, 1203);
  EXPECT_CALL(*mock_, GetLipSyncTask(_, _, _))
      .WillOnce(CompleteWith<v1::LipSyncTask>(task))
      .WillOnce(CompleteWith<v1::LipSyncTask>(not_found))
      .WillOnce(CompleteWith<v1::LipSyncTask>(TransportError()));

  std::vector<absl::StatusOr<v1::LipSyncTask>> outcomes;
  for (int i = 0; i < 3; ++i) {
    client_.GetLipSyncTask(Call(), v1::GetLipSyncTaskRequest(),
                           [&](absl::StatusOr<v1::LipSyncTask> outcome) {
                             outcomes.push_back(std::move(outcome));
                           });
  }
  // The outcome passes through unchanged.
  ASSERT_EQ(outcomes.size(), 3u);
  ASSERT_TRUE(outcomes[0].ok());
  EXPECT_EQ(outcomes[0]->task_id(), "t1");
  EXPECT_EQ(outcomes[1].status(), not_found);
  EXPECT_EQ(outcomes[2].status().code(), absl::StatusCode::kUnavailable);

  const std::string text = Text();
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
              R"(code="NOT_FOUND",http_status="404",kling_code="1203",operation="GetLipSyncTask"})"),
      Optional(1.0));
  EXPECT_THAT(
      SampleValue(
          text,
          prefix +
              R"(code="UNAVAILABLE",http_status="none",kling_code="none",operation="GetLipSyncTask"})"),
      Optional(1.0));
  // The clock steps 250 ms per reading: start and end of each call.
  EXPECT_THAT(
      SampleValue(
          text,
          R"(lipsync_upstream_request_seconds_count{operation="GetLipSyncTask"})"),
      Optional(3.0));
  EXPECT_THAT(
      SampleValue(
          text,
          R"(lipsync_upstream_request_seconds_sum{operation="GetLipSyncTask"})"),
      Optional(0.75));
}

TEST_F(MetricsUpstreamClientTest, NamesEveryOperation) {
  EXPECT_CALL(*mock_, IdentifyFace(_, _, _))
      .WillOnce(CompleteWith<v1::IdentifyFaceResponse>(KlingError(400, 1201)));
  EXPECT_CALL(*mock_, CreateLipSyncTask(_, _, _))
      .WillOnce(CompleteWith<v1::LipSyncTask>(KlingError(429, 1303)));
  EXPECT_CALL(*mock_, ListLipSyncTasks(_, _, _))
      .WillOnce(CompleteWith<v1::ListLipSyncTasksResponse>(ProxyError()));
  int done = 0;
  client_.IdentifyFace(Call(), v1::IdentifyFaceRequest(),
                       [&](auto) { ++done; });
  client_.CreateLipSyncTask(Call(), v1::CreateLipSyncTaskRequest(),
                            [&](auto) { ++done; });
  client_.ListLipSyncTasks(Call(), v1::ListLipSyncTasksRequest(),
                           [&](auto) { ++done; });
  EXPECT_EQ(done, 3);

  const std::string text = Text();
  const std::string prefix = "lipsync_upstream_requests_total{";
  EXPECT_THAT(
      SampleValue(
          text,
          prefix +
              R"(code="INVALID_ARGUMENT",http_status="400",kling_code="1201",operation="IdentifyFace"})"),
      Optional(1.0));
  EXPECT_THAT(
      SampleValue(
          text,
          prefix +
              R"(code="RESOURCE_EXHAUSTED",http_status="429",kling_code="1303",operation="CreateLipSyncTask"})"),
      Optional(1.0));
  EXPECT_THAT(
      SampleValue(
          text,
          prefix +
              R"(code="UNAVAILABLE",http_status="502",kling_code="none",operation="ListLipSyncTasks"})"),
      Optional(1.0));
}

TEST_F(MetricsUpstreamClientTest, RecordsACompletionAfterTheDecoratorIsGone) {
  upstream::UpstreamCallback<v1::LipSyncTask> pending;
  EXPECT_CALL(*mock_, GetLipSyncTask(_, _, _))
      .WillOnce(
          [&](auto, const auto&, auto done) { pending = std::move(done); });
  bool completed = false;
  {
    MetricsUpstreamClient short_lived(mock_, metrics_, clock_.AsFunction());
    short_lived.GetLipSyncTask(Call(), v1::GetLipSyncTaskRequest(),
                               [&](auto) { completed = true; });
  }
  pending(KlingError(503, 5001));
  EXPECT_TRUE(completed);
  EXPECT_THAT(
      SampleValue(
          Text(),
          R"(lipsync_upstream_requests_total{code="UNAVAILABLE",http_status="503",kling_code="5001",operation="GetLipSyncTask"})"),
      Optional(1.0));
}

}  // namespace
}  // namespace lipsync::observability
