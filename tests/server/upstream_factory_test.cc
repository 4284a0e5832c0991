// MakeUpstreamClient: the stack it builds, observed at its two ends: calls
// go in at the top, HTTP exchanges come out at a scripted HttpTransport
// (what is sent, how often, and what the caller gets back), with the
// scheduler faked so retry backoff and breaker cool-down are under control.
#include "service/server/upstream_factory.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "service/common/status_details.h"
#include "tests/observability/exposition.h"
#include "tests/support/fake_credentials.h"
#include "tests/support/fake_http_transport.h"
#include "tests/support/fake_scheduler.h"
#include "tests/support/grpc_details.h"
#include "tests/support/seed_requests.h"
#include "tests/support/test_statuses.h"
#include "tests/support/valid_requests.h"

namespace lipsync::server {
namespace {

namespace v1 = ::kling::lipsync::v1;
using ::lipsync::testing_util::FakeScheduler;
using ::testing::Contains;
using ::testing::HasSubstr;
using upstream::HttpResponse;

HttpResponse Answer(long http_status, std::string body) {
  HttpResponse response;
  response.http_status = http_status;
  response.body = std::move(body);
  return response;
}
HttpResponse TaskAnswer(const std::string& task_id) {
  return Answer(200, R"({"code":0,"message":"SUCCEED","request_id":"r-ok",)"
                     R"("data":{"task_id":")" +
                         task_id + R"(","task_status":"submitted"}})");
}
HttpResponse Kling5000() {
  return Answer(500, R"({"code":5000,"message":"oops","request_id":"r-5"})");
}

class UpstreamFactoryTest : public ::testing::Test {
 protected:
  UpstreamFactoryTest() {
    options_.upstream_base_url = "http://127.0.0.1:9/kling";
    options_.api_key = "key-1";
    options_.retry.max_attempts = 3;
    options_.breaker.failure_threshold = 2;
    options_.breaker.cool_down = absl::Seconds(5);
  }

  void Build(bool with_metrics = false) {
    if (with_metrics) {
      observability::GatewayMetricsOptions metrics_options;
      metrics_options.upstream_operations = {"CreateLipSyncTask",
                                             "GetLipSyncTask"};
      metrics_ =
          std::make_shared<observability::GatewayMetrics>(metrics_options);
    }
    stack_ = MakeUpstreamClient(options_, transport_, &scheduler_, metrics_);
  }

  std::shared_ptr<CallContext> Call() {
    return std::make_shared<CallContext>(scheduler_.Now() + absl::Minutes(1));
  }

  // Starts a read of the valid task; its outcome lands in `*result`.
  void Get(std::optional<absl::StatusOr<v1::LipSyncTask>>* result) {
    stack_.client->GetLipSyncTask(Call(), testing_util::ValidGetTaskRequest(),
                                  [result](absl::StatusOr<v1::LipSyncTask> r) {
                                    *result = std::move(r);
                                  });
  }
  void Create(const v1::CreateLipSyncTaskRequest& request,
              std::optional<absl::StatusOr<v1::LipSyncTask>>* result) {
    stack_.client->CreateLipSyncTask(
        Call(), request, [result](absl::StatusOr<v1::LipSyncTask> r) {
          *result = std::move(r);
        });
  }

  double Sample(const std::string& series) const {
    return observability::testing_util::SampleValue(
               observability::testing_util::Exposition(*metrics_->registry()),
               series)
        .value_or(-1);
  }

  GatewayOptions options_;
  FakeScheduler scheduler_;
  std::shared_ptr<testing_util::FakeHttpTransport> transport_ =
      std::make_shared<testing_util::FakeHttpTransport>();
  std::shared_ptr<observability::GatewayMetrics> metrics_;
  UpstreamStack stack_;
};

TEST_F(UpstreamFactoryTest, SendsToTheBaseUrlWithTheApiKey) {
  Build();
  transport_->AnswerNextWith(TaskAnswer("t-1"));
  std::optional<absl::StatusOr<v1::LipSyncTask>> result;
  Get(&result);
  ASSERT_TRUE(result.has_value());
  ASSERT_TRUE(result->ok()) << result->status();
  EXPECT_EQ((*result)->task_id(), "t-1");
  ASSERT_EQ(transport_->sent(), 1u);
  EXPECT_EQ(transport_->requests()[0].url,
            "http://127.0.0.1:9/kling/v1/videos/advanced-lip-sync/" +
                testing_util::ValidGetTaskRequest().task_id());
  EXPECT_THAT(transport_->requests()[0].headers,
              Contains("Authorization: Bearer key-1"));
}

TEST_F(UpstreamFactoryTest, GivenCredentialsTakeThePlaceOfTheApiKey) {
  options_.credentials = std::make_shared<testing_util::FakeCredentials>(
      std::string("Authorization: Bearer signed-jwt"));
  Build();
  transport_->AnswerNextWith(TaskAnswer("t-1"));
  std::optional<absl::StatusOr<v1::LipSyncTask>> result;
  Get(&result);
  ASSERT_EQ(transport_->sent(), 1u);
  EXPECT_THAT(transport_->requests()[0].headers,
              Contains("Authorization: Bearer signed-jwt"));
}

TEST_F(UpstreamFactoryTest, RetriesAReadAfterAnUpstreamFailure) {
  Build();
  transport_->AnswerNextWith(Kling5000());
  transport_->AnswerNextWith(TaskAnswer("t-1"));
  std::optional<absl::StatusOr<v1::LipSyncTask>> result;
  Get(&result);
  EXPECT_FALSE(result.has_value());  // waiting out the backoff
  scheduler_.AdvanceBy(options_.retry.max_backoff);
  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE(result->ok()) << result->status();
  EXPECT_EQ(transport_->sent(), 2u);
}

TEST_F(UpstreamFactoryTest, OneAttemptMeansNoRetry) {
  options_.retry.max_attempts = 1;
  Build();
  transport_->AnswerNextWith(Kling5000());
  std::optional<absl::StatusOr<v1::LipSyncTask>> result;
  Get(&result);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(testing_util::ReasonOf(result->status()),
            "UPSTREAM_INTERNAL_ERROR");
  EXPECT_EQ(transport_->sent(), 1u);
}

TEST_F(UpstreamFactoryTest, NeverResendsACreateTheUpstreamMayHaveReceived) {
  Build();
  transport_->AnswerNextWith(Kling5000());
  std::optional<absl::StatusOr<v1::LipSyncTask>> result;
  const v1::CreateLipSyncTaskRequest request = testing::SeedRequest();
  Create(request, &result);
  scheduler_.AdvanceBy(options_.retry.max_backoff);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(transport_->sent(), 1u);
}

TEST_F(UpstreamFactoryTest, ResendsACreateThatNeverLeft) {
  Build();
  transport_->AnswerNextWith(testing_util::ConnectionRefused());
  transport_->AnswerNextWith(TaskAnswer("t-2"));
  std::optional<absl::StatusOr<v1::LipSyncTask>> result;
  const v1::CreateLipSyncTaskRequest request = testing::SeedRequest();
  Create(request, &result);
  scheduler_.AdvanceBy(options_.retry.max_backoff);
  ASSERT_TRUE(result.has_value());
  ASSERT_TRUE(result->ok()) << result->status();
  EXPECT_EQ((*result)->task_id(), "t-2");
  EXPECT_EQ(transport_->sent(), 2u);
}

TEST_F(UpstreamFactoryTest, BreakerOpensAndRefusesWithoutSending) {
  options_.retry.max_attempts = 1;
  Build();
  for (int i = 0; i < 2; ++i) {
    transport_->AnswerNextWith(Kling5000());
    std::optional<absl::StatusOr<v1::LipSyncTask>> failed;
    Get(&failed);
  }
  EXPECT_EQ(stack_.breaker->state(), resilience::CircuitBreaker::State::kOpen);
  std::optional<absl::StatusOr<v1::LipSyncTask>> refused;
  Get(&refused);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(testing_util::ReasonOf(refused->status()), "UPSTREAM_CIRCUIT_OPEN");
  EXPECT_EQ(transport_->sent(), 2u);
  // After the cool-down one probe goes out; its success closes the breaker.
  scheduler_.AdvanceBy(options_.breaker.cool_down);
  transport_->AnswerNextWith(TaskAnswer("t-3"));
  std::optional<absl::StatusOr<v1::LipSyncTask>> probe;
  Get(&probe);
  ASSERT_TRUE(probe.has_value());
  EXPECT_TRUE(probe->ok()) << probe->status();
  EXPECT_EQ(stack_.breaker->state(),
            resilience::CircuitBreaker::State::kClosed);
}

TEST_F(UpstreamFactoryTest, CountsEachExchangeRetryAndBreakerChange) {
  Build(/*with_metrics=*/true);
  transport_->AnswerNextWith(Kling5000());
  transport_->AnswerNextWith(TaskAnswer("t-1"));
  std::optional<absl::StatusOr<v1::LipSyncTask>> retried;
  Get(&retried);
  scheduler_.AdvanceBy(options_.retry.max_backoff);
  ASSERT_TRUE(retried.has_value());
  const std::string requests = "lipsync_upstream_requests_total{";
  EXPECT_EQ(
      Sample(requests + R"(code="UNAVAILABLE",http_status="500",)"
                        R"(kling_code="5000",operation="GetLipSyncTask"})"),
      1);
  EXPECT_EQ(Sample(requests + R"(code="OK",http_status="200",kling_code="0",)"
                              R"(operation="GetLipSyncTask"})"),
            1);
  EXPECT_EQ(
      Sample(R"(lipsync_upstream_retries_total{operation="GetLipSyncTask"})"),
      1);

  // Two failed creates (never re-sent) open the breaker; the call it
  // refuses is no HTTP exchange and is not counted as one.
  const v1::CreateLipSyncTaskRequest request = testing::SeedRequest();
  for (int i = 0; i < 3; ++i) {
    if (i < 2) transport_->AnswerNextWith(Kling5000());
    std::optional<absl::StatusOr<v1::LipSyncTask>> result;
    Create(request, &result);
  }
  EXPECT_EQ(transport_->sent(), 4u);
  EXPECT_EQ(Sample(requests + R"(code="UNAVAILABLE",http_status="500",)"
                              R"(kling_code="5000",)"
                              R"(operation="CreateLipSyncTask"})"),
            2);
  EXPECT_EQ(Sample(R"(lipsync_circuit_breaker_transitions_total{to="open"})"),
            1);
  EXPECT_EQ(Sample("lipsync_circuit_breaker_state"), 1);
}

TEST_F(UpstreamFactoryTest, ConcurrentCreatesOfOneRequestIdShareOneSend) {
  Build();
  v1::CreateLipSyncTaskRequest request = testing::SeedRequest();
  request.set_request_id("order-77");
  std::optional<absl::StatusOr<v1::LipSyncTask>> first;
  std::optional<absl::StatusOr<v1::LipSyncTask>> second;
  Create(request, &first);
  Create(request, &second);
  ASSERT_EQ(transport_->sent(), 1u);
  EXPECT_THAT(transport_->requests()[0].body,
              HasSubstr(R"("external_task_id":"order-77")"));
  ASSERT_TRUE(transport_->AnswerHeld(TaskAnswer("t-77")));
  ASSERT_TRUE(first.has_value() && second.has_value());
  ASSERT_TRUE(first->ok() && second->ok());
  EXPECT_EQ((*first)->task_id(), "t-77");
  EXPECT_EQ((*second)->task_id(), "t-77");
}

}  // namespace
}  // namespace lipsync::server
