// WatchLipSyncTask through an in-process gRPC server: the WatchCall reactor
// over a real TaskWatchHub whose polls go to a StrictMock upstream and whose
// schedule (and the watch time limit) runs on a FakeScheduler.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "service/common/status_details.h"
#include "tests/server/service_under_test.h"
#include "tests/support/grpc_details.h"
#include "tests/support/mock_upstream_client.h"
#include "tests/support/poll.h"
#include "tests/support/test_statuses.h"
#include "tests/support/valid_requests.h"

namespace lipsync::server_testing {
namespace {

using ::lipsync::testing::FindDetail;
using ::lipsync::testing::ViolatedFields;
using ::lipsync::testing_util::CompleteWith;
using ::lipsync::testing_util::MockUpstreamClient;
using ::lipsync::testing_util::PollUntil;
using ::testing::_;
using ::testing::ElementsAre;
using ::testing::Property;
using ::testing::StrictMock;

v1::LipSyncTask Task(v1::TaskStatus status) {
  v1::LipSyncTask task;
  task.set_task_id(testing_util::ValidWatchTaskRequest().task_id());
  task.set_task_status(status);
  return task;
}

// The polls a watch of ValidWatchTaskRequest() makes.
auto PollOfTheWatchedTask() {
  return Property(&v1::GetLipSyncTaskRequest::task_id,
                  testing_util::ValidWatchTaskRequest().task_id());
}

class LipSyncServiceWatchTest : public ::testing::Test {
 protected:
  void Start(const server::ServiceOptions& options = {}) {
    edge_ = std::make_unique<ServiceUnderTest>(upstream_, options);
  }

  std::unique_ptr<grpc::ClientReader<v1::LipSyncTask>> Watch(
      grpc::ClientContext* context, const v1::WatchLipSyncTaskRequest& request =
                                        testing_util::ValidWatchTaskRequest()) {
    return edge_->stub().WatchLipSyncTask(context, request);
  }

  bool NoWatchLeft() {
    return edge_->service().open_watch_streams() == 0 &&
           edge_->hub().active_pollers() == 0 &&
           edge_->Sample("lipsync_watch_streams") == 0;
  }

  std::shared_ptr<StrictMock<MockUpstreamClient>> upstream_ =
      std::make_shared<StrictMock<MockUpstreamClient>>();
  std::unique_ptr<ServiceUnderTest> edge_;
};

TEST_F(LipSyncServiceWatchTest, WatchWithoutATaskIsRejectedUnpolled) {
  Start();
  grpc::ClientContext context;
  auto reader = Watch(&context, v1::WatchLipSyncTaskRequest());
  v1::LipSyncTask task;
  EXPECT_FALSE(reader->Read(&task));
  const grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(status), ElementsAre("task_id"));
  EXPECT_EQ(edge_->hub().polls_started(), 0u);
  EXPECT_EQ(
      edge_->Handled("WatchLipSyncTask", "InvalidArgument", "server_stream"),
      1);
}

TEST_F(LipSyncServiceWatchTest, StreamsEachNewStatusAndEndsOkAfterATerminal) {
  Start();
  EXPECT_CALL(*upstream_, GetLipSyncTask(_, PollOfTheWatchedTask(), _))
      .WillOnce(CompleteWith<v1::LipSyncTask>(Task(v1::TASK_STATUS_PROCESSING)))
      .WillOnce(CompleteWith<v1::LipSyncTask>(Task(v1::TASK_STATUS_PROCESSING)))
      .WillOnce(CompleteWith<v1::LipSyncTask>(Task(v1::TASK_STATUS_SUCCEED)));
  grpc::ClientContext context;
  auto reader = Watch(&context);
  v1::LipSyncTask task;
  ASSERT_TRUE(reader->Read(&task));
  EXPECT_EQ(task.task_status(), v1::TASK_STATUS_PROCESSING);
  // The next polls come from the hub's schedule (the first after 1 s).
  edge_->scheduler().AdvanceBy(absl::Seconds(1));
  edge_->scheduler().AdvanceBy(absl::Seconds(2));
  ASSERT_TRUE(reader->Read(&task));
  EXPECT_EQ(task.task_status(), v1::TASK_STATUS_SUCCEED);
  EXPECT_FALSE(reader->Read(&task));
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_TRUE(PollUntil([&] { return NoWatchLeft(); }));
  EXPECT_EQ(edge_->Handled("WatchLipSyncTask", "OK", "server_stream"), 1);
}

TEST_F(LipSyncServiceWatchTest, EndsWithTheUpstreamsPermanentError) {
  Start();
  EXPECT_CALL(*upstream_, GetLipSyncTask(_, PollOfTheWatchedTask(), _))
      .WillOnce(
          CompleteWith<v1::LipSyncTask>(testing_util::KlingError(1203, 404)));
  grpc::ClientContext context;
  auto reader = Watch(&context);
  v1::LipSyncTask task;
  EXPECT_FALSE(reader->Read(&task));
  const grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  auto info = FindDetail<google::rpc::ErrorInfo>(status);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason(), "UPSTREAM_RESOURCE_NOT_FOUND");
  EXPECT_EQ(info->domain(), kUpstreamErrorDomain);
  EXPECT_TRUE(PollUntil([&] { return NoWatchLeft(); }));
}

TEST_F(LipSyncServiceWatchTest, CallerCancellationStopsThePolling) {
  Start();
  EXPECT_CALL(*upstream_, GetLipSyncTask(_, PollOfTheWatchedTask(), _))
      .WillOnce(
          CompleteWith<v1::LipSyncTask>(Task(v1::TASK_STATUS_PROCESSING)));
  grpc::ClientContext context;
  auto reader = Watch(&context);
  v1::LipSyncTask task;
  ASSERT_TRUE(reader->Read(&task));
  context.TryCancel();
  EXPECT_FALSE(reader->Read(&task));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  ASSERT_TRUE(PollUntil([&] { return NoWatchLeft(); }));
  // No poll is left on the schedule (the StrictMock allows no second one).
  edge_->scheduler().AdvanceBy(absl::Minutes(5));
}

TEST_F(LipSyncServiceWatchTest, WatchesOverTheStreamBoundAreRefusedUnpolled) {
  server::ServiceOptions options;
  options.max_watch_streams = 1;
  Start(options);
  EXPECT_CALL(*upstream_, GetLipSyncTask(_, PollOfTheWatchedTask(), _))
      .WillOnce(CompleteWith<v1::LipSyncTask>(Task(v1::TASK_STATUS_PROCESSING)))
      .WillOnce(CompleteWith<v1::LipSyncTask>(Task(v1::TASK_STATUS_SUCCEED)));
  grpc::ClientContext first_context;
  auto first = Watch(&first_context);
  v1::LipSyncTask task;
  ASSERT_TRUE(first->Read(&task));

  grpc::ClientContext refused_context;
  auto refused = Watch(&refused_context);
  EXPECT_FALSE(refused->Read(&task));
  const grpc::Status status = refused->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  auto info = FindDetail<google::rpc::ErrorInfo>(status);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason(), "GATEWAY_OVERLOADED");
  EXPECT_EQ(info->metadata().at("bound"), "watch streams");
  EXPECT_EQ(info->metadata().at("limit"), "1");
  EXPECT_TRUE(FindDetail<google::rpc::RetryInfo>(status).has_value());
  EXPECT_EQ(edge_->hub().polls_started(), 1u);

  // The slot is free again once the first stream is over.
  first_context.TryCancel();
  EXPECT_EQ(first->Finish().error_code(), grpc::StatusCode::CANCELLED);
  ASSERT_TRUE(PollUntil([&] { return NoWatchLeft(); }));
  grpc::ClientContext next_context;
  auto next = Watch(&next_context);
  ASSERT_TRUE(next->Read(&task));
  EXPECT_EQ(task.task_status(), v1::TASK_STATUS_SUCCEED);
  EXPECT_TRUE(next->Finish().ok());
}

TEST_F(LipSyncServiceWatchTest, GatewayEndsAWatchAtTheMaximumDuration) {
  server::ServiceOptions options;
  options.max_watch_duration = absl::Minutes(10);
  Start(options);
  EXPECT_CALL(*upstream_, GetLipSyncTask(_, PollOfTheWatchedTask(), _))
      .WillRepeatedly(
          CompleteWith<v1::LipSyncTask>(Task(v1::TASK_STATUS_PROCESSING)));
  grpc::ClientContext context;
  // A caller deadline beyond the maximum is cut to the maximum.
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Hours(1)));
  auto reader = Watch(&context);
  v1::LipSyncTask task;
  ASSERT_TRUE(reader->Read(&task));
  edge_->scheduler().AdvanceBy(absl::Minutes(11));
  EXPECT_FALSE(reader->Read(&task));
  const grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_THAT(status.error_message(),
              ::testing::HasSubstr("maximum watch duration"));
  EXPECT_TRUE(PollUntil([&] { return NoWatchLeft(); }));
}

}  // namespace
}  // namespace lipsync::server_testing
