// LipSyncClient against an in-process fake gateway on loopback: deadlines,
// the bearer token, error details and the published retry policy as gRPC
// actually applies it.
#include "client/lipsync_client.h"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "client/client_error.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "tests/client/fake_lipsync_service.h"

namespace lipsync::client {
namespace {

namespace v1 = ::kling::lipsync::v1;
using ::lipsync::client::testing::FakeLipSyncService;
using ::lipsync::client::testing::FakeServer;
using ::lipsync::client::testing::StatusWithDetails;
using ::lipsync::client::testing::WaitForCancellation;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr absl::Duration kTimeout = absl::Seconds(10);

grpc::Status Unavailable() {
  return grpc::Status(grpc::StatusCode::UNAVAILABLE, "try again");
}

v1::LipSyncTask Task(const std::string& id, v1::TaskStatus status) {
  v1::LipSyncTask task;
  task.set_task_id(id);
  task.set_task_status(status);
  return task;
}

class LipSyncClientTest : public ::testing::Test {
 protected:
  std::unique_ptr<LipSyncClient> Connect(const std::string& token = "") {
    ChannelOptions options;
    options.target = server_->target();
    options.bearer_token = token;
    auto client = MakeLipSyncClient(options, kTimeout);
    EXPECT_TRUE(client.ok()) << client.status();
    return *std::move(client);
  }

  void Start() { server_ = std::make_unique<FakeServer>(&service_); }

  FakeLipSyncService service_;
  std::unique_ptr<FakeServer> server_;
};

TEST_F(LipSyncClientTest, IdentifyFaceReturnsTheAnswer) {
  service_.identify = [](grpc::ServerContext*,
                         const v1::IdentifyFaceRequest& request,
                         v1::IdentifyFaceResponse* response) {
    EXPECT_EQ(request.video_url(), "https://example.com/v.mp4");
    response->set_session_id("123");
    response->add_face_data()->set_face_id("0");
    return grpc::Status::OK;
  };
  Start();
  v1::IdentifyFaceRequest request;
  request.set_video_url("https://example.com/v.mp4");
  auto response = Connect()->IdentifyFace(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->session_id(), "123");
  EXPECT_EQ(response->face_data_size(), 1);
}

TEST_F(LipSyncClientTest, ErrorCarriesTheGatewayDetails) {
  service_.create = [](grpc::ServerContext*,
                       const v1::CreateLipSyncTaskRequest&, v1::LipSyncTask*) {
    google::rpc::BadRequest bad_request;
    auto* v = bad_request.add_field_violations();
    v->set_field("session_id");
    v->set_description("is required");
    return StatusWithDetails(grpc::StatusCode::INVALID_ARGUMENT,
                             "invalid request: session_id: is required",
                             {&bad_request});
  };
  Start();
  auto task = Connect()->CreateLipSyncTask(v1::CreateLipSyncTaskRequest());
  EXPECT_EQ(task.status().code(), absl::StatusCode::kInvalidArgument);
  const ClientError error = ClientErrorFromStatus(task.status());
  ASSERT_EQ(error.field_violations.size(), 1u);
  EXPECT_EQ(error.field_violations[0].field, "session_id");
  EXPECT_THAT(FormatClientError(task.status()),
              HasSubstr("\n  session_id: is required"));
}

TEST_F(LipSyncClientTest, PlaintextSendsTheTokenOnEachCall) {
  service_.get = [](grpc::ServerContext*, const v1::GetLipSyncTaskRequest&,
                    v1::LipSyncTask*) { return grpc::Status::OK; };
  Start();
  auto client = Connect("tok-123");
  ASSERT_TRUE(client->GetLipSyncTask(v1::GetLipSyncTaskRequest()).ok());
  EXPECT_EQ(service_.LastAuthorization(), "Bearer tok-123");
  ASSERT_TRUE(client->GetLipSyncTask(v1::GetLipSyncTaskRequest()).ok());
  EXPECT_EQ(service_.LastAuthorization(), "Bearer tok-123");
}

TEST_F(LipSyncClientTest, NoTokenNoHeader) {
  service_.get = [](grpc::ServerContext*, const v1::GetLipSyncTaskRequest&,
                    v1::LipSyncTask*) { return grpc::Status::OK; };
  Start();
  ASSERT_TRUE(Connect()->GetLipSyncTask(v1::GetLipSyncTaskRequest()).ok());
  EXPECT_EQ(service_.LastAuthorization(), "");
}

TEST_F(LipSyncClientTest, PerCallTimeoutBecomesTheDeadline) {
  service_.get = [](grpc::ServerContext* context,
                    const v1::GetLipSyncTaskRequest&, v1::LipSyncTask*) {
    WaitForCancellation(context);
    return grpc::Status::OK;
  };
  Start();
  const absl::Time start = absl::Now();
  auto task = Connect()->GetLipSyncTask(v1::GetLipSyncTaskRequest(),
                                        absl::Milliseconds(200));
  EXPECT_EQ(task.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST_F(LipSyncClientTest, DefaultTimeoutAppliesWithoutOne) {
  service_.get = [](grpc::ServerContext* context,
                    const v1::GetLipSyncTaskRequest&, v1::LipSyncTask*) {
    WaitForCancellation(context);
    return grpc::Status::OK;
  };
  Start();
  ChannelOptions options;
  options.target = server_->target();
  auto client = MakeLipSyncClient(options, absl::Milliseconds(200));
  ASSERT_TRUE(client.ok());
  EXPECT_EQ(
      (*client)->GetLipSyncTask(v1::GetLipSyncTaskRequest()).status().code(),
      absl::StatusCode::kDeadlineExceeded);
}

TEST_F(LipSyncClientTest, MakeLipSyncClientRefusesNonPositiveTimeout) {
  EXPECT_EQ(
      MakeLipSyncClient(ChannelOptions{}, absl::ZeroDuration()).status().code(),
      absl::StatusCode::kInvalidArgument);
}

TEST_F(LipSyncClientTest, GetIsRetriedOnUnavailable) {
  std::atomic<int> attempts{0};
  service_.get = [&attempts](grpc::ServerContext*,
                             const v1::GetLipSyncTaskRequest&,
                             v1::LipSyncTask* task) {
    if (++attempts < 3) return Unavailable();
    task->set_task_id("7");
    return grpc::Status::OK;
  };
  Start();
  auto task = Connect()->GetLipSyncTask(v1::GetLipSyncTaskRequest());
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ(task->task_id(), "7");
  EXPECT_EQ(service_.Calls("GetLipSyncTask"), 3);
}

TEST_F(LipSyncClientTest, ListGivesUpAfterThreeAttempts) {
  service_.list = [](grpc::ServerContext*, const v1::ListLipSyncTasksRequest&,
                     v1::ListLipSyncTasksResponse*) { return Unavailable(); };
  Start();
  auto tasks = Connect()->ListLipSyncTasks(v1::ListLipSyncTasksRequest());
  EXPECT_EQ(tasks.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(service_.Calls("ListLipSyncTasks"), 3);
}

TEST_F(LipSyncClientTest, GetIsNotRetriedOnOtherErrors) {
  service_.get = [](grpc::ServerContext*, const v1::GetLipSyncTaskRequest&,
                    v1::LipSyncTask*) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "no such task");
  };
  Start();
  EXPECT_EQ(
      Connect()->GetLipSyncTask(v1::GetLipSyncTaskRequest()).status().code(),
      absl::StatusCode::kNotFound);
  EXPECT_EQ(service_.Calls("GetLipSyncTask"), 1);
}

TEST_F(LipSyncClientTest, CreateIsNeverRetried) {
  service_.create = [](grpc::ServerContext*,
                       const v1::CreateLipSyncTaskRequest&,
                       v1::LipSyncTask*) { return Unavailable(); };
  Start();
  auto task = Connect()->CreateLipSyncTask(v1::CreateLipSyncTaskRequest());
  EXPECT_EQ(task.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(service_.Calls("CreateLipSyncTask"), 1);
}

TEST_F(LipSyncClientTest, IdentifyFaceIsNeverRetried) {
  service_.identify = [](grpc::ServerContext*, const v1::IdentifyFaceRequest&,
                         v1::IdentifyFaceResponse*) { return Unavailable(); };
  Start();
  auto response = Connect()->IdentifyFace(v1::IdentifyFaceRequest());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(service_.Calls("IdentifyFace"), 1);
}

TEST_F(LipSyncClientTest, SendsAFiveMebibyteAudio) {
  std::atomic<std::size_t> received{0};
  service_.create = [&received](grpc::ServerContext*,
                                const v1::CreateLipSyncTaskRequest& request,
                                v1::LipSyncTask* task) {
    received = request.face_choose(0).sound_file_bytes().size();
    task->set_task_id("1");
    return grpc::Status::OK;
  };
  Start();
  v1::CreateLipSyncTaskRequest request;
  request.add_face_choose()->set_sound_file_bytes(
      std::string(5 * 1024 * 1024, 'a'));
  auto task = Connect()->CreateLipSyncTask(request);
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ(received, 5u * 1024 * 1024);
}

TEST_F(LipSyncClientTest, RefusesToSendMoreThanTheSendLimit) {
  Start();
  v1::CreateLipSyncTaskRequest request;
  request.add_face_choose()->set_sound_file_bytes(
      std::string(9 * 1024 * 1024, 'a'));
  auto task = Connect()->CreateLipSyncTask(request);
  EXPECT_EQ(task.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(service_.Calls("CreateLipSyncTask"), 0);
}

TEST_F(LipSyncClientTest, WatchDeliversEachUpdateThenOk) {
  service_.watch = [](grpc::ServerContext*,
                      const v1::WatchLipSyncTaskRequest& request,
                      grpc::ServerWriter<v1::LipSyncTask>* writer) {
    for (auto status : {v1::TASK_STATUS_SUBMITTED, v1::TASK_STATUS_PROCESSING,
                        v1::TASK_STATUS_SUCCEED}) {
      writer->Write(Task(request.task_id(), status));
    }
    return grpc::Status::OK;
  };
  Start();
  v1::WatchLipSyncTaskRequest request;
  request.set_task_id("9");
  std::vector<v1::TaskStatus> seen;
  const absl::Status status = Connect()->WatchLipSyncTask(
      request, kTimeout, [&seen](const v1::LipSyncTask& task) {
        seen.push_back(task.task_status());
      });
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_THAT(seen,
              ElementsAre(v1::TASK_STATUS_SUBMITTED, v1::TASK_STATUS_PROCESSING,
                          v1::TASK_STATUS_SUCCEED));
}

TEST_F(LipSyncClientTest, WatchEndsAtItsDeadline) {
  service_.watch = [](grpc::ServerContext* context,
                      const v1::WatchLipSyncTaskRequest&,
                      grpc::ServerWriter<v1::LipSyncTask>* writer) {
    writer->Write(Task("9", v1::TASK_STATUS_PROCESSING));
    WaitForCancellation(context);
    return grpc::Status::OK;
  };
  Start();
  int updates = 0;
  const absl::Status status = Connect()->WatchLipSyncTask(
      v1::WatchLipSyncTaskRequest(), absl::Milliseconds(300),
      [&updates](const v1::LipSyncTask&) { ++updates; });
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(updates, 1);
}

}  // namespace
}  // namespace lipsync::client
