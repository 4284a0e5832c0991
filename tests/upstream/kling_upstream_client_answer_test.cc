// KlingUpstreamClient turns the upstream's answers into values, and its error
// answers and transport failures into the statuses of docs/errors.md.
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/common/status_details.h"
#include "service/upstream/credentials.h"
#include "service/upstream/kling_upstream_client.h"
#include "service/upstream/transport_status.h"
#include "tests/support/fake_http_transport.h"
#include "tests/support/test_statuses.h"
#include "tests/translate/status_testing.h"
#include "tests/upstream/kling_client_operations.h"

namespace lipsync::upstream {
namespace {

using kling_testing::kApiKey;
using kling_testing::kBaseUrl;
using kling_testing::Operation;
using kling_testing::Outcome;
using ::lipsync::testing_util::FakeHttpTransport;
using ::lipsync::testing_util::HttpAnswer;
using ::lipsync::translate::testing::MetadataOf;
using ::lipsync::translate::testing::ReasonOf;
using ::lipsync::translate::testing::StatusIs;
using Code = absl::StatusCode;

class KlingUpstreamClientAnswerTest : public ::testing::Test {
 protected:
  std::shared_ptr<FakeHttpTransport> transport_ =
      std::make_shared<FakeHttpTransport>();
  KlingUpstreamClient client_{kBaseUrl, MakeStaticKeyCredentials(kApiKey),
                              transport_};
  std::shared_ptr<CallContext> call_ =
      std::make_shared<CallContext>(absl::InfiniteFuture());
};

std::string Envelope(const std::string& data, const std::string& request_id) {
  return R"({"code":0,"message":"SUCCEED","request_id":")" + request_id +
         R"(","data":)" + data + "}";
}

TEST_F(KlingUpstreamClientAnswerTest, IdentifyFaceAnswerGivesSessionAndFaces) {
  transport_->AnswerNextWith(HttpAnswer(200, Envelope(R"({
      "session_id": "sess-1",
      "final_unit_deduction": "1",
      "face_data": [
        {"face_id": "0", "face_image": "https://cdn.test/0.png",
         "start_time": 0, "end_time": 5200},
        {"face_id": "1", "face_image": "https://cdn.test/1.png",
         "start_time": 6000, "end_time": 9000}]})",
                                                      "req-identify")));
  v1::IdentifyFaceRequest request;
  request.set_video_id("v1");
  Outcome<v1::IdentifyFaceResponse> outcome;
  client_.IdentifyFace(call_, request, outcome.Callback());

  ASSERT_EQ(outcome.calls(), 1);
  ASSERT_TRUE(outcome.result().ok()) << outcome.result().status();
  const v1::IdentifyFaceResponse& got = *outcome.result();
  EXPECT_EQ(got.session_id(), "sess-1");
  EXPECT_EQ(got.request_id(), "req-identify");
  EXPECT_EQ(got.final_unit_deduction(), "1");
  ASSERT_EQ(got.face_data_size(), 2);
  EXPECT_EQ(got.face_data(1).face_id(), "1");
  EXPECT_EQ(got.face_data(1).face_image(), "https://cdn.test/1.png");
  EXPECT_EQ(got.face_data(1).start_time(), 6000);
  EXPECT_EQ(got.face_data(1).end_time(), 9000);
}

TEST_F(KlingUpstreamClientAnswerTest, CreateAnswerGivesTheNewTask) {
  transport_->AnswerNextWith(HttpAnswer(200, Envelope(R"({
      "task_id": "860998742405136384", "task_status": "submitted",
      "task_info": {"external_task_id": "caller-42"},
      "created_at": 1722769557708, "updated_at": 1722769557708})",
                                                      "req-create")));
  v1::CreateLipSyncTaskRequest request;
  request.set_session_id("s");
  Outcome<v1::LipSyncTask> outcome;
  client_.CreateLipSyncTask(call_, request, outcome.Callback());

  ASSERT_EQ(outcome.calls(), 1);
  ASSERT_TRUE(outcome.result().ok()) << outcome.result().status();
  EXPECT_EQ(outcome.result()->task_id(), "860998742405136384");
  EXPECT_EQ(outcome.result()->task_status(), v1::TASK_STATUS_SUBMITTED);
  EXPECT_EQ(outcome.result()->task_info().external_task_id(), "caller-42");
  EXPECT_EQ(outcome.result()->created_at(), 1722769557708);
  EXPECT_EQ(outcome.result()->request_id(), "req-create");
}

TEST_F(KlingUpstreamClientAnswerTest, CreateAnswerWithEmptyDataIsAnEmptyTask) {
  // The seed documents the create's success answer as `{}`.
  transport_->AnswerNextWith(HttpAnswer(200, Envelope("{}", "req-empty")));
  v1::CreateLipSyncTaskRequest request;
  Outcome<v1::LipSyncTask> outcome;
  client_.CreateLipSyncTask(call_, request, outcome.Callback());

  ASSERT_TRUE(outcome.result().ok()) << outcome.result().status();
  EXPECT_EQ(outcome.result()->task_id(), "");
  EXPECT_EQ(outcome.result()->request_id(), "req-empty");
}

TEST_F(KlingUpstreamClientAnswerTest, GetAnswerGivesTheTaskAndItsResult) {
  transport_->AnswerNextWith(HttpAnswer(200, Envelope(R"({
      "task_id": "825", "task_status": "succeed",
      "task_result": {"videos": [{"id": "v9", "url": "https://cdn.test/o.mp4",
                                  "duration": "5.2"}]},
      "updated_at": "1722769597708"})",
                                                      "req-get")));
  v1::GetLipSyncTaskRequest request;
  request.set_task_id("825");
  Outcome<v1::LipSyncTask> outcome;
  client_.GetLipSyncTask(call_, request, outcome.Callback());

  ASSERT_TRUE(outcome.result().ok()) << outcome.result().status();
  const v1::LipSyncTask& task = *outcome.result();
  EXPECT_EQ(task.task_id(), "825");
  EXPECT_EQ(task.task_status(), v1::TASK_STATUS_SUCCEED);
  ASSERT_EQ(task.task_result().videos_size(), 1);
  EXPECT_EQ(task.task_result().videos(0).url(), "https://cdn.test/o.mp4");
  EXPECT_EQ(task.task_result().videos(0).duration(), "5.2");
  EXPECT_EQ(task.updated_at(), 1722769597708);
  EXPECT_EQ(task.request_id(), "req-get");
}

TEST_F(KlingUpstreamClientAnswerTest, GetAnswerWithAnUnusableFieldIsBad) {
  transport_->AnswerNextWith(HttpAnswer(
      200, Envelope(R"({"task_id": "825", "task_result": "oops"})", "req-b")));
  v1::GetLipSyncTaskRequest request;
  request.set_task_id("825");
  Outcome<v1::LipSyncTask> outcome;
  client_.GetLipSyncTask(call_, request, outcome.Callback());

  EXPECT_THAT(outcome.result(), StatusIs(Code::kInternal));
  EXPECT_EQ(ReasonOf(outcome.result().status()), "UPSTREAM_BAD_ANSWER");
  EXPECT_EQ(MetadataOf(outcome.result().status(), "field"), "task_result");
  EXPECT_EQ(MetadataOf(outcome.result().status(), "kling_request_id"), "req-b");
}

TEST_F(KlingUpstreamClientAnswerTest, ListAnswerGivesTheTasksOfThePage) {
  const std::string two_tasks =
      R"([{"task_id": "1", "task_status": "processing"},
          {"task_id": "2", "task_status": "failed",
           "task_status_msg": "no face"}])";
  struct Row {
    int page_size;
    bool has_next_page;  // a full page says there may be more
  };
  for (const Row& row : {Row{2, true}, Row{3, false}}) {
    SCOPED_TRACE(row.page_size);
    transport_->AnswerNextWith(HttpAnswer(200, Envelope(two_tasks, "req-l")));
    v1::ListLipSyncTasksRequest request;
    request.set_page_size(row.page_size);
    Outcome<v1::ListLipSyncTasksResponse> outcome;
    client_.ListLipSyncTasks(call_, request, outcome.Callback());

    ASSERT_TRUE(outcome.result().ok()) << outcome.result().status();
    const v1::ListLipSyncTasksResponse& page = *outcome.result();
    ASSERT_EQ(page.tasks_size(), 2);
    EXPECT_EQ(page.tasks(0).task_status(), v1::TASK_STATUS_PROCESSING);
    EXPECT_EQ(page.tasks(1).task_status_msg(), "no face");
    EXPECT_EQ(page.has_next_page(), row.has_next_page);
    EXPECT_EQ(page.request_id(), "req-l");
  }
}

TEST_F(KlingUpstreamClientAnswerTest,
       CompletesOnTheThreadTheTransportAnswersOn) {
  v1::GetLipSyncTaskRequest request;
  request.set_task_id("825");
  std::thread::id completed_on;
  client_.GetLipSyncTask(call_, request,
                         [&completed_on](absl::StatusOr<v1::LipSyncTask>) {
                           completed_on = std::this_thread::get_id();
                         });
  ASSERT_EQ(transport_->held(), 1U);

  std::thread io(
      [this] { transport_->AnswerHeld(HttpAnswer(200, Envelope("{}", "r"))); });
  const std::thread::id io_id = io.get_id();
  io.join();
  EXPECT_EQ(completed_on, io_id);
}

// One error answer and the status every operation must give for it.
struct ErrorRow {
  std::string name;
  long http_status;
  std::string body;
  std::optional<absl::Duration> retry_after;
  Code code;
  std::string domain;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> metadata;
  std::optional<absl::Duration> retry_delay;
};

void PrintTo(const ErrorRow& row, std::ostream* os) { *os << row.name; }

std::string KlingError(int code, const std::string& message) {
  return R"({"code":)" + std::to_string(code) + R"(,"message":")" + message +
         R"(","request_id":"req-err"})";
}

const char kKling[] = "klingai.com";
const char kGateway[] = "lipsync-gateway";
const char kHtml[] = "<html><body>502 Bad Gateway</body></html>";

std::vector<ErrorRow> ErrorRows() {
  using M = std::vector<std::pair<std::string, std::string>>;
  const M kling_req = {{"kling_request_id", "req-err"}};
  return {
      {"KlingAuthFailedAs401", 401, KlingError(1004, "token expired"),
       std::nullopt, Code::kInternal, kKling, "UPSTREAM_AUTHENTICATION_FAILED",
       M{{"http_status", "401"},
         {"kling_code", "1004"},
         {"kling_request_id", "req-err"},
         {"kling_message", "token expired"}},
       std::nullopt},
      {"KlingArrearsAs429IgnoresRetryAfter", 429, KlingError(1101, "arrears"),
       absl::Seconds(30), Code::kFailedPrecondition, kKling,
       "UPSTREAM_ACCOUNT_UNAVAILABLE", M{{"kling_code", "1101"}}, std::nullopt},
      {"KlingNoPermissionAs403", 403, KlingError(1103, "no"), std::nullopt,
       Code::kPermissionDenied, kKling, "UPSTREAM_PERMISSION_DENIED", kling_req,
       std::nullopt},
      {"KlingInvalidParamsInsideHttp200", 200,
       KlingError(1201, "sound_volume out of range"), std::nullopt,
       Code::kInvalidArgument, kKling, "UPSTREAM_INVALID_REQUEST",
       M{{"http_status", "200"}, {"kling_code", "1201"}}, std::nullopt},
      {"KlingInvalidMethodAs404", 404, KlingError(1202, "method"), std::nullopt,
       Code::kInternal, kKling, "UPSTREAM_INVALID_METHOD", kling_req,
       std::nullopt},
      {"KlingNotFoundAs404", 404, KlingError(1203, "no such task"),
       std::nullopt, Code::kNotFound, kKling, "UPSTREAM_RESOURCE_NOT_FOUND",
       kling_req, std::nullopt},
      {"KlingContentPolicyAs400", 400, KlingError(1301, "policy"), std::nullopt,
       Code::kFailedPrecondition, kKling, "UPSTREAM_CONTENT_POLICY", kling_req,
       std::nullopt},
      {"KlingRateLimitedDefaultsToOneSecond", 429, KlingError(1302, "slow"),
       std::nullopt, Code::kResourceExhausted, kKling, "UPSTREAM_RATE_LIMITED",
       kling_req, absl::Seconds(1)},
      {"KlingConcurrencyLimitKeepsRetryAfter", 429, KlingError(1303, "busy"),
       absl::Seconds(7), Code::kResourceExhausted, kKling,
       "UPSTREAM_CONCURRENCY_LIMIT", kling_req, absl::Seconds(7)},
      {"KlingIpNotAllowedAs429", 429, KlingError(1304, "ip"), std::nullopt,
       Code::kPermissionDenied, kKling, "UPSTREAM_IP_NOT_ALLOWED", kling_req,
       std::nullopt},
      {"KlingInternalErrorAs500", 500, KlingError(5000, "oops"), std::nullopt,
       Code::kUnavailable, kKling, "UPSTREAM_INTERNAL_ERROR", kling_req,
       std::nullopt},
      {"KlingTimeoutAs504", 504, KlingError(5002, "timeout"), absl::Seconds(2),
       Code::kUnavailable, kKling, "UPSTREAM_TIMEOUT", kling_req,
       absl::Seconds(2)},
      {"KlingUnknownCodeAs503", 503, KlingError(9999, "new"), std::nullopt,
       Code::kUnavailable, kKling, "UPSTREAM_UNKNOWN_CODE",
       M{{"kling_code", "9999"}, {"http_status", "503"}}, std::nullopt},
      {"KlingUnknownCodeInsideHttp200", 200, KlingError(9999, "new"),
       std::nullopt, Code::kUnknown, kKling, "UPSTREAM_UNKNOWN_CODE", kling_req,
       std::nullopt},
      {"NotJsonInsideHttp200", 200, "<html>hello</html>", std::nullopt,
       Code::kInternal, kGateway, "UPSTREAM_BAD_ANSWER",
       M{{"http_status", "200"}, {"body_excerpt", "<html>hello</html>"}},
       std::nullopt},
      {"EmptyBodyInsideHttp200", 200, "", std::nullopt, Code::kInternal,
       kGateway, "UPSTREAM_BAD_ANSWER", M{{"http_status", "200"}},
       std::nullopt},
      {"EnvelopeWithoutCode", 200, R"({"message":"SUCCEED","data":{}})",
       std::nullopt, Code::kInternal, kGateway, "UPSTREAM_BAD_ANSWER", M{},
       std::nullopt},
      {"SuccessCodeWithHttp500", 500, R"({"code":0,"data":{}})", std::nullopt,
       Code::kInternal, kGateway, "UPSTREAM_BAD_ANSWER",
       M{{"http_status", "500"}}, std::nullopt},
      {"ProxyPageAs502", 502, kHtml, std::nullopt, Code::kUnavailable, kGateway,
       "UPSTREAM_UNAVAILABLE", M{{"http_status", "502"}}, std::nullopt},
      {"ProxyPageAs503WithRetryAfter", 503, kHtml, absl::Seconds(5),
       Code::kUnavailable, kGateway, "UPSTREAM_UNAVAILABLE",
       M{{"http_status", "503"}}, absl::Seconds(5)},
      {"ProxyPageAs429", 429, kHtml, std::nullopt, Code::kResourceExhausted,
       kGateway, "UPSTREAM_RATE_LIMITED", M{{"http_status", "429"}},
       std::nullopt},
      {"HtmlPageAs500IsNotRetryable", 500, kHtml, std::nullopt, Code::kInternal,
       kGateway, "UPSTREAM_BAD_ANSWER", M{{"http_status", "500"}},
       std::nullopt},
      {"HtmlPageAs404", 404, kHtml, std::nullopt, Code::kInternal, kGateway,
       "UPSTREAM_BAD_ANSWER", M{{"http_status", "404"}}, std::nullopt},
  };
}

class ErrorAnswerTest
    : public KlingUpstreamClientAnswerTest,
      public ::testing::WithParamInterface<std::tuple<Operation, ErrorRow>> {};

TEST_P(ErrorAnswerTest, MapsTheAnswerPerDocsErrors) {
  const auto& [op, row] = GetParam();
  transport_->AnswerNextWith(
      HttpAnswer(row.http_status, row.body, row.retry_after));
  std::optional<absl::Status> got;
  op.start(client_, call_, [&got](absl::Status s) { got = std::move(s); });

  ASSERT_TRUE(got.has_value());
  EXPECT_THAT(*got, StatusIs(row.code));
  const auto info = GetErrorInfo(*got);
  ASSERT_TRUE(info.has_value()) << *got;
  EXPECT_EQ(info->domain(), row.domain);
  EXPECT_EQ(info->reason(), row.reason);
  for (const auto& [key, value] : row.metadata) {
    EXPECT_EQ(MetadataOf(*got, key), value) << key;
  }
  EXPECT_EQ(GetRetryDelay(*got), row.retry_delay);
}

INSTANTIATE_TEST_SUITE_P(
    AllOperations, ErrorAnswerTest,
    ::testing::Combine(::testing::ValuesIn(kling_testing::AllOperations()),
                       ::testing::ValuesIn(ErrorRows())),
    [](const ::testing::TestParamInfo<std::tuple<Operation, ErrorRow>>& info) {
      return std::get<0>(info.param).name + "_" + std::get<1>(info.param).name;
    });

// A transport failure (already a Status, transport_status.h) reaches the
// caller unchanged: its code, message, ErrorInfo and "not reached" mark.
class TransportFailureTest : public KlingUpstreamClientAnswerTest,
                             public ::testing::WithParamInterface<Operation> {};

TEST_P(TransportFailureTest, PassesTheTransportsStatusThrough) {
  const std::vector<absl::Status> failures = {
      testing_util::ConnectionRefused(),
      testing_util::ResetAfterSend(),
      testing_util::CallerDeadline(),
      absl::CancelledError("call cancelled by the caller"),
  };
  for (const absl::Status& failure : failures) {
    SCOPED_TRACE(failure.ToString());
    transport_->AnswerNextWith(failure);
    std::optional<absl::Status> got;
    GetParam().start(client_, call_,
                     [&got](absl::Status s) { got = std::move(s); });

    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(*got, failure);
    EXPECT_EQ(UpstreamNotReached(*got), UpstreamNotReached(failure));
  }
}

INSTANTIATE_TEST_SUITE_P(AllOperations, TransportFailureTest,
                         ::testing::ValuesIn(kling_testing::AllOperations()),
                         [](const ::testing::TestParamInfo<Operation>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace lipsync::upstream
