// LipSyncService's unary RPCs through an in-process gRPC server, with a
// StrictMock upstream: what reaches the upstream, and what the caller gets
// back (answers, validation failures, upstream failures with their details).
#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "absl/synchronization/mutex.h"
#include "service/common/status_details.h"
#include "tests/server/service_under_test.h"
#include "tests/server/unary_rpcs.h"
#include "tests/support/grpc_details.h"
#include "tests/support/mock_upstream_client.h"
#include "tests/support/poll.h"
#include "tests/support/seed_requests.h"
#include "tests/support/test_statuses.h"
#include "tests/support/valid_requests.h"

namespace lipsync::server_testing {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::lipsync::testing::FindDetail;
using ::lipsync::testing::SeedRequest;
using ::lipsync::testing::ViolatedFields;
using ::lipsync::testing_util::CompleteWith;
using ::lipsync::testing_util::KlingError;
using ::lipsync::testing_util::MockUpstreamClient;
using ::testing::_;
using ::testing::ElementsAre;
using ::testing::Optional;
using ::testing::StrictMock;
using ::testing::Truly;

// Matches a protobuf message equal to `expected`.
template <typename Message>
auto ProtoEq(const Message& expected) {
  return Truly([expected](const Message& actual) {
    return MessageDifferencer::Equals(expected, actual);
  });
}

// Matches a CreateRequest whose message equals `expected`.
auto CreateMessageEq(const v1::CreateLipSyncTaskRequest& expected) {
  return Truly([expected](const CreateRequest& actual) {
    return MessageDifferencer::Equals(expected, actual.message());
  });
}

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  return context;
}

v1::LipSyncTask Task(const std::string& id, v1::TaskStatus status) {
  v1::LipSyncTask task;
  task.set_task_id(id);
  task.set_task_status(status);
  task.set_request_id("req-" + id);
  task.mutable_task_info()->set_external_task_id("order-" + id);
  return task;
}

// An INVALID_ARGUMENT of the gateway's own validation.
void ExpectInvalidRequest(const grpc::Status& status) {
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << status.error_message();
  auto info = FindDetail<google::rpc::ErrorInfo>(status);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason(), "INVALID_REQUEST");
  EXPECT_EQ(info->domain(), kGatewayErrorDomain);
}

class LipSyncServiceUnaryTest : public ::testing::Test {
 protected:
  std::shared_ptr<StrictMock<MockUpstreamClient>> upstream_ =
      std::make_shared<StrictMock<MockUpstreamClient>>();
  ServiceUnderTest edge_{upstream_};
};

TEST_F(LipSyncServiceUnaryTest, IdentifyFaceWithoutAVideoIsRejectedUnsent) {
  auto context = Context();
  v1::IdentifyFaceResponse response;
  const grpc::Status status = edge_.stub().IdentifyFace(
      context.get(), v1::IdentifyFaceRequest(), &response);
  ExpectInvalidRequest(status);
  EXPECT_THAT(ViolatedFields(status), ElementsAre("video_id"));
  EXPECT_EQ(edge_.Handled("IdentifyFace", "InvalidArgument"), 1);
}

TEST_F(LipSyncServiceUnaryTest, CreateNamesEveryBadFieldAndIsRejectedUnsent) {
  v1::CreateLipSyncTaskRequest request = SeedRequest();
  request.clear_session_id();
  request.mutable_face_choose(0)->clear_face_id();
  request.set_callback_url("ftp://example.com/hook");
  auto context = Context();
  v1::LipSyncTask response;
  const grpc::Status status =
      edge_.stub().CreateLipSyncTask(context.get(), request, &response);
  ExpectInvalidRequest(status);
  EXPECT_THAT(
      ViolatedFields(status),
      ElementsAre("callback_url", "face_choose[0].face_id", "session_id"));
}

TEST_F(LipSyncServiceUnaryTest, CreateBytesThatAreNoRequestAreRejectedUnsent) {
  // Field 1 (session_id) announces 10 bytes; 2 follow.
  grpc::Slice slice(std::string("\x0a\x0a\x41\x42"));
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  auto context = Context();
  absl::Mutex mu;
  std::optional<grpc::Status> status;
  grpc::GenericStub generic(edge_.channel());
  generic.UnaryCall(
      context.get(), "/kling.lipsync.v1.LipSyncService/CreateLipSyncTask",
      grpc::StubOptions(), &request, &response, [&](grpc::Status done) {
        absl::MutexLock lock(&mu);
        status = std::move(done);
      });
  const auto finished = [&] {
    absl::MutexLock lock(&mu);
    return status.has_value();
  };
  if (!testing_util::PollUntil(finished)) {
    context->TryCancel();  // the callback must not outlive this test
    testing_util::PollUntil(finished);
    FAIL() << "no answer";
  }
  absl::MutexLock lock(&mu);
  EXPECT_EQ(status->error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(
      status->error_message(),
      ::testing::HasSubstr("not a valid "
                           "kling.lipsync.v1.CreateLipSyncTaskRequest"));
}

TEST_F(LipSyncServiceUnaryTest, GetWithBothTaskReferencesIsRejectedUnsent) {
  v1::GetLipSyncTaskRequest request = testing_util::ValidGetTaskRequest();
  request.set_external_task_id("order-1");
  auto context = Context();
  v1::LipSyncTask response;
  const grpc::Status status =
      edge_.stub().GetLipSyncTask(context.get(), request, &response);
  ExpectInvalidRequest(status);
  EXPECT_THAT(ViolatedFields(status), ElementsAre("task_id"));
}

TEST_F(LipSyncServiceUnaryTest, ListOutsideThePagingBoundsIsRejectedUnsent) {
  v1::ListLipSyncTasksRequest request;
  request.set_page_num(-1);
  request.set_page_size(501);
  auto context = Context();
  v1::ListLipSyncTasksResponse response;
  const grpc::Status status =
      edge_.stub().ListLipSyncTasks(context.get(), request, &response);
  ExpectInvalidRequest(status);
  EXPECT_THAT(ViolatedFields(status), ElementsAre("page_num", "page_size"));
}

TEST_F(LipSyncServiceUnaryTest, CreateForAFaceTheSessionLacksIsRejectedUnsent) {
  const v1::CreateLipSyncTaskRequest request = SeedRequest();
  edge_.sessions().Remember(request.session_id(), {{"face-7", 0, 10000}});
  auto context = Context();
  v1::LipSyncTask response;
  const grpc::Status status =
      edge_.stub().CreateLipSyncTask(context.get(), request, &response);
  ExpectInvalidRequest(status);
  EXPECT_THAT(ViolatedFields(status), ElementsAre("face_choose[0].face_id"));
}

TEST_F(LipSyncServiceUnaryTest, IdentifyFaceAnswersAndRemembersTheSession) {
  const v1::IdentifyFaceRequest request =
      testing_util::ValidIdentifyFaceRequest();
  v1::IdentifyFaceResponse answer;
  answer.set_session_id("session-1");
  answer.set_request_id("req-1");
  auto* face = answer.add_face_data();
  face->set_face_id("face-7");
  face->set_start_time(0);
  face->set_end_time(8000);
  EXPECT_CALL(*upstream_, IdentifyFace(_, ProtoEq(request), _))
      .WillOnce(CompleteWith<v1::IdentifyFaceResponse>(answer));
  auto context = Context();
  v1::IdentifyFaceResponse response;
  const grpc::Status status =
      edge_.stub().IdentifyFace(context.get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(MessageDifferencer::Equals(response, answer))
      << response.DebugString();
  auto faces = edge_.sessions().Lookup("session-1");
  ASSERT_TRUE(faces.has_value());
  ASSERT_EQ(faces->size(), 1u);
  EXPECT_EQ((*faces)[0].face_id, "face-7");
  EXPECT_EQ((*faces)[0].end_time_ms, 8000);
}

TEST_F(LipSyncServiceUnaryTest, CreateSendsTheCallersRequestAndAnswersTheTask) {
  v1::CreateLipSyncTaskRequest request = SeedRequest();
  request.set_request_id("key-1");
  const v1::LipSyncTask answer = Task("t-1", v1::TASK_STATUS_SUBMITTED);
  EXPECT_CALL(*upstream_, CreateLipSyncTask(_, CreateMessageEq(request), _))
      .WillOnce(CompleteWith<v1::LipSyncTask>(answer));
  auto context = Context();
  v1::LipSyncTask response;
  const grpc::Status status =
      edge_.stub().CreateLipSyncTask(context.get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(MessageDifferencer::Equals(response, answer))
      << response.DebugString();
  EXPECT_EQ(edge_.Handled("CreateLipSyncTask", "OK"), 1);
}

TEST_F(LipSyncServiceUnaryTest, GetSendsTheReferenceAndAnswersTheTask) {
  v1::GetLipSyncTaskRequest request;
  request.set_external_task_id("order-9");
  const v1::LipSyncTask answer = Task("t-9", v1::TASK_STATUS_SUCCEED);
  EXPECT_CALL(*upstream_, GetLipSyncTask(_, ProtoEq(request), _))
      .WillOnce(CompleteWith<v1::LipSyncTask>(answer));
  auto context = Context();
  v1::LipSyncTask response;
  const grpc::Status status =
      edge_.stub().GetLipSyncTask(context.get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(MessageDifferencer::Equals(response, answer))
      << response.DebugString();
}

TEST_F(LipSyncServiceUnaryTest, ListSendsThePageAndAnswersTheTasks) {
  const v1::ListLipSyncTasksRequest request =
      testing_util::ValidListTasksRequest();
  v1::ListLipSyncTasksResponse answer;
  *answer.add_tasks() = Task("t-1", v1::TASK_STATUS_PROCESSING);
  *answer.add_tasks() = Task("t-2", v1::TASK_STATUS_FAILED);
  answer.set_has_next_page(true);
  answer.set_request_id("req-list");
  EXPECT_CALL(*upstream_, ListLipSyncTasks(_, ProtoEq(request), _))
      .WillOnce(CompleteWith<v1::ListLipSyncTasksResponse>(answer));
  auto context = Context();
  v1::ListLipSyncTasksResponse response;
  const grpc::Status status =
      edge_.stub().ListLipSyncTasks(context.get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(MessageDifferencer::Equals(response, answer))
      << response.DebugString();
}

TEST_F(LipSyncServiceUnaryTest, UpstreamRateLimitReachesTheCallerWithDetails) {
  for (Rpc rpc : kUnaryRpcs) {
    SCOPED_TRACE(RpcName(rpc));
    ExpectUpstreamFailure(*upstream_, rpc,
                          KlingError(1302, 429, absl::Seconds(3)));
    const RpcResult result = CallValid(edge_.stub(), rpc);
    EXPECT_EQ(result.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
    EXPECT_THAT(result.status.error_message(),
                ::testing::HasSubstr("Kling code 1302"));
    auto info = FindDetail<google::rpc::ErrorInfo>(result.status);
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->reason(), "UPSTREAM_RATE_LIMITED");
    EXPECT_EQ(info->domain(), kUpstreamErrorDomain);
    EXPECT_EQ(info->metadata().at("kling_code"), "1302");
    EXPECT_EQ(info->metadata().at("kling_request_id"), "req-test");
    auto retry = FindDetail<google::rpc::RetryInfo>(result.status);
    ASSERT_TRUE(retry.has_value());
    EXPECT_EQ(retry->retry_delay().seconds(), 3);
    EXPECT_THAT(result.trailers, ::testing::Contains(::testing::Pair(
                                     "grpc-retry-pushback-ms", "3000")));
    EXPECT_EQ(edge_.Handled(RpcName(rpc), "ResourceExhausted"), 1);
  }
}

TEST_F(LipSyncServiceUnaryTest, UpstreamNotFoundReachesTheCallerWithoutRetry) {
  for (Rpc rpc : kUnaryRpcs) {
    SCOPED_TRACE(RpcName(rpc));
    ExpectUpstreamFailure(*upstream_, rpc, KlingError(1203, 404));
    const RpcResult result = CallValid(edge_.stub(), rpc);
    EXPECT_EQ(result.status.error_code(), grpc::StatusCode::NOT_FOUND);
    auto info = FindDetail<google::rpc::ErrorInfo>(result.status);
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->reason(), "UPSTREAM_RESOURCE_NOT_FOUND");
    EXPECT_FALSE(FindDetail<google::rpc::RetryInfo>(result.status).has_value());
    EXPECT_EQ(result.trailers.count("grpc-retry-pushback-ms"), 0u);
  }
}

TEST_F(LipSyncServiceUnaryTest, UpstreamTransportFailureKeepsItsReason) {
  for (Rpc rpc : kUnaryRpcs) {
    SCOPED_TRACE(RpcName(rpc));
    const absl::Status refused = testing_util::ConnectionRefused();
    ExpectUpstreamFailure(*upstream_, rpc, refused);
    const RpcResult result = CallValid(edge_.stub(), rpc);
    EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_EQ(result.status.error_message(), refused.message());
    auto info = FindDetail<google::rpc::ErrorInfo>(result.status);
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->reason(), testing_util::ReasonOf(refused));
  }
}

}  // namespace
}  // namespace lipsync::server_testing
