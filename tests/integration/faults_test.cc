// Upstream faults injected at kling-sim, one test per kind: the documented
// gRPC status comes back, the gateway keeps serving, and a create is never
// sent upstream twice.
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/grpc_details.h"
#include "tests/support/seed_requests.h"
#include "tests/support/shared_gateway_test.h"

namespace lipsync::testing {
namespace {

namespace v1 = ::kling::lipsync::v1;

class FaultsTest : public SharedGatewayTest {
 protected:
  void TearDown() override {
    // Whatever the fault did, the next plain call works.
    v1::LipSyncTask task;
    auto context = ContextWithTimeout(absl::Seconds(10));
    grpc::Status status =
        harness_->stub().CreateLipSyncTask(context.get(), SeedRequest(), &task);
    EXPECT_TRUE(status.ok())
        << "gateway not serving after the fault: " << status.error_message();
  }

  // Injects `fault` on the next create and returns the create's status.
  grpc::Status CreateWithFault(
      nlohmann::json fault, absl::Duration timeout = absl::Seconds(5),
      v1::CreateLipSyncTaskRequest request = SeedRequest()) {
    fault["path_prefix"] = kLipSyncPath;
    fault["method"] = "POST";
    harness_->AddSimFault(fault);
    v1::LipSyncTask task;
    auto context = ContextWithTimeout(timeout);
    grpc::Status status =
        harness_->stub().CreateLipSyncTask(context.get(), request, &task);
    creates_sent_ = 0;
    for (const auto& r : harness_->SimRequests(kLipSyncPath)) {
      creates_sent_ += r["method"] == "POST";
    }
    return status;
  }

  static std::string Reason(const grpc::Status& status) {
    auto info = FindDetail<google::rpc::ErrorInfo>(status);
    return info ? info->reason() : "";
  }

  int creates_sent_ = 0;
};

TEST_F(FaultsTest, HangUntilTheCallerGivesUpIsDeadlineExceeded) {
  grpc::Status s =
      CreateWithFault({{"fault", "hang"}}, absl::Milliseconds(600));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(creates_sent_, 1);
}

TEST_F(FaultsTest, RateLimitIsResourceExhaustedWithRetryDelay) {
  grpc::Status s =
      CreateWithFault({{"fault", "rate_limit"}, {"retry_after_s", 3}});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(Reason(s), "UPSTREAM_RATE_LIMITED");
  auto retry = FindDetail<google::rpc::RetryInfo>(s);
  ASSERT_TRUE(retry.has_value());
  EXPECT_EQ(retry->retry_delay().seconds(), 3);
  EXPECT_EQ(creates_sent_, 1);
}

TEST_F(FaultsTest, ConnectionResetMidBodyIsUnavailableAndNotResent) {
  grpc::Status s = CreateWithFault({{"fault", "reset"}});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Reason(s), "UPSTREAM_UNREACHABLE");
  EXPECT_EQ(creates_sent_,
            1);  // a create that reached the upstream is never re-sent
}

TEST_F(FaultsTest, TruncatedJsonIsInternal) {
  grpc::Status s = CreateWithFault({{"fault", "truncated_json"}});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(Reason(s), "UPSTREAM_BAD_ANSWER");
  EXPECT_EQ(creates_sent_, 1);
}

TEST_F(FaultsTest, MalformedJsonIsInternal) {
  grpc::Status s = CreateWithFault({{"fault", "malformed_json"}});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(creates_sent_, 1);
}

TEST_F(FaultsTest, NonZeroCodeInsideHttp200IsAnError) {
  grpc::Status s = CreateWithFault({{"fault", "code_in_200"}, {"code", 1303}});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(Reason(s), "UPSTREAM_CONCURRENCY_LIMIT");
  EXPECT_EQ(creates_sent_, 1);
}

TEST_F(FaultsTest, EmptyBodyIsInternal) {
  grpc::Status s = CreateWithFault({{"fault", "empty_body"}});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(creates_sent_, 1);
}

TEST_F(FaultsTest, EmptyObjectAnswerIsInternalNotACrash) {
  grpc::Status s = CreateWithFault({{"fault", "empty_object"}});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(Reason(s), "UPSTREAM_BAD_ANSWER");
  EXPECT_EQ(creates_sent_, 1);
}

TEST_F(FaultsTest, HundredMegabyteAnswerIsCutOff) {
  grpc::Status s = CreateWithFault({{"fault", "huge"}}, absl::Seconds(10));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(Reason(s), "UPSTREAM_ANSWER_TOO_LARGE");
  EXPECT_EQ(creates_sent_, 1);
}

TEST_F(FaultsTest, SlowDripPastTheDeadlineIsDeadlineExceeded) {
  grpc::Status s = CreateWithFault(
      {{"fault", "slow_drip"}, {"interval_ms", 100}}, absl::Milliseconds(700));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(creates_sent_, 1);
}

TEST_F(FaultsTest, AddedLatencyWithinTheDeadlineSucceeds) {
  grpc::Status s = CreateWithFault({{"fault", "latency"}, {"ms", 300}});
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(creates_sent_, 1);
}

TEST_F(FaultsTest, EveryDocumentedErrorCodeKeepsTheGatewayServing) {
  for (int code :
       {1000, 1001, 1002, 1003, 1004, 1100, 1101, 1102, 1103, 1200, 1201,
        1202, 1203, 1300, 1301, 1302, 1303, 1304, 5000, 5001, 5002}) {
    SCOPED_TRACE(code);
    harness_->ClearSimRequests();
    grpc::Status s = CreateWithFault(
        {{"fault", "error"}, {"http_status", 400}, {"code", code}});
    EXPECT_FALSE(s.ok());
    EXPECT_EQ(creates_sent_, 1);
  }
}

TEST_F(FaultsTest, ResetAfterTheTaskWasCreatedThenRetryWithTheKeyPaysOnce) {
  v1::CreateLipSyncTaskRequest request = SeedRequest();
  request.set_request_id(
      absl::StrCat("reset-", absl::ToUnixNanos(absl::Now())));
  // The sim creates the task, then breaks the answer: the classic "did my
  // paid call go through?".
  grpc::Status first =
      CreateWithFault({{"fault", "reset"}}, absl::Seconds(5), request);
  EXPECT_EQ(first.error_code(), grpc::StatusCode::UNAVAILABLE);
  v1::LipSyncTask task;
  auto context = ContextWithTimeout(absl::Seconds(10));
  grpc::Status retry =
      harness_->stub().CreateLipSyncTask(context.get(), request, &task);
  ASSERT_TRUE(retry.ok()) << retry.error_message();
  // The retry found the task the first attempt created: exactly one exists.
  v1::ListLipSyncTasksRequest list;
  list.set_page_size(500);
  v1::ListLipSyncTasksResponse tasks;
  auto list_context = ContextWithTimeout(absl::Seconds(10));
  ASSERT_TRUE(
      harness_->stub().ListLipSyncTasks(list_context.get(), list, &tasks).ok());
  int with_key = 0;
  for (const auto& t : tasks.tasks()) {
    with_key += t.task_info().external_task_id() == request.request_id();
  }
  EXPECT_EQ(with_key, 1);
  EXPECT_EQ(task.task_info().external_task_id(), request.request_id());
}

TEST_F(FaultsTest, ReadsAreRetriedOnUpstreamUnavailable) {
  v1::LipSyncTask created;
  ASSERT_NO_FATAL_FAILURE(CreateSeedTask(&created));
  const std::string path = FailNextReadOf(created.task_id());
  v1::GetLipSyncTaskRequest get;
  get.set_task_id(created.task_id());
  v1::LipSyncTask task;
  auto context = ContextWithTimeout(absl::Seconds(10));
  grpc::Status s = harness_->stub().GetLipSyncTask(context.get(), get, &task);
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(task.task_id(), created.task_id());
  EXPECT_EQ(harness_->SimRequests(path).size(), 2u);  // the failure + one retry
}

TEST(CircuitBreakerTest,
     RepeatedUpstreamFailuresFailFastAndHealthStaysServing) {
  GatewayHarness harness;
  HarnessOptions options;
  options.start_sim = false;
  options.upstream_base_url =
      absl::StrCat("http://127.0.0.1:", UnusedLoopbackPort());
  options.gateway_args = {"--breaker_failure_threshold=2",
                          "--breaker_cool_down=30s", "--retry_max_attempts=1"};
  ASSERT_TRUE(harness.Start(options).ok());
  std::vector<std::string> reasons;
  for (int i = 0; i < 4; ++i) {
    v1::LipSyncTask task;
    auto context = ContextWithTimeout(absl::Seconds(10));
    grpc::Status s =
        harness.stub().CreateLipSyncTask(context.get(), SeedRequest(), &task);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
    auto info = FindDetail<google::rpc::ErrorInfo>(s);
    reasons.push_back(info ? info->reason() : "");
  }
  EXPECT_EQ(reasons[0], "UPSTREAM_UNREACHABLE");
  EXPECT_EQ(reasons[1], "UPSTREAM_UNREACHABLE");
  EXPECT_EQ(reasons[2], "UPSTREAM_CIRCUIT_OPEN");
  EXPECT_EQ(reasons[3], "UPSTREAM_CIRCUIT_OPEN");
  // An upstream outage must not take the replica out of its Service.
  auto health = grpc::health::v1::Health::NewStub(harness.channel());
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  auto context = ContextWithTimeout(absl::Seconds(5));
  ASSERT_TRUE(health->Check(context.get(), request, &response).ok());
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_NE(harness.gateway().ReadLog().find("circuit breaker"),
            std::string::npos);
}

}  // namespace
}  // namespace lipsync::testing
