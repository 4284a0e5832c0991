// WatchUntilTerminal against an in-process fake gateway: re-opening broken
// streams, de-duplicating the repeated state, and knowing when to stop.
#include "client/watch_task.h"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "tests/client/fake_lipsync_service.h"

namespace lipsync::client {
namespace {

namespace v1 = ::kling::lipsync::v1;
using ::lipsync::client::testing::FakeLipSyncService;
using ::lipsync::client::testing::FakeServer;
using ::lipsync::client::testing::WaitForCancellation;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

using Writer = grpc::ServerWriter<v1::LipSyncTask>;

v1::LipSyncTask Task(v1::TaskStatus status, const std::string& msg = "") {
  v1::LipSyncTask task;
  task.set_task_id("42");
  task.set_task_status(status);
  task.set_task_status_msg(msg);
  return task;
}

WatchOptions FastOptions() {
  WatchOptions options;
  options.timeout = absl::Seconds(20);
  options.initial_backoff = absl::Milliseconds(1);
  options.max_backoff = absl::Milliseconds(5);
  options.max_consecutive_failures = 3;
  return options;
}

class WatchUntilTerminalTest : public ::testing::Test {
 protected:
  // Streams answer in turn: the n-th open runs scripts_[n] (the last one
  // repeats).
  using Script = std::function<grpc::Status(grpc::ServerContext*, Writer*)>;

  void Serve(std::vector<Script> scripts) {
    scripts_ = std::move(scripts);
    service_.watch = [this](grpc::ServerContext* context,
                            const v1::WatchLipSyncTaskRequest&,
                            Writer* writer) {
      const std::size_t n = opens_++;
      return scripts_[std::min(n, scripts_.size() - 1)](context, writer);
    };
    server_ = std::make_unique<FakeServer>(&service_);
    client_ = std::make_unique<LipSyncClient>(
        grpc::CreateChannel(server_->target(),
                            grpc::InsecureChannelCredentials()),
        absl::Seconds(10));
  }

  absl::StatusOr<v1::LipSyncTask> Watch(const WatchOptions& options) {
    v1::WatchLipSyncTaskRequest request;
    request.set_task_id("42");
    return WatchUntilTerminal(
        *client_, request, options,
        [this](const v1::LipSyncTask& task) {
          updates_.push_back(task.task_status());
        },
        [this](const absl::Status& why, absl::Duration) {
          reopen_reasons_.push_back(why.code());
        });
  }

  FakeLipSyncService service_;
  std::vector<Script> scripts_;
  std::atomic<std::size_t> opens_{0};
  std::unique_ptr<FakeServer> server_;
  std::unique_ptr<LipSyncClient> client_;
  std::vector<v1::TaskStatus> updates_;
  std::vector<absl::StatusCode> reopen_reasons_;
};

TEST_F(WatchUntilTerminalTest, ReturnsTheSucceededTask) {
  Serve({[](grpc::ServerContext*, Writer* writer) {
    writer->Write(Task(v1::TASK_STATUS_SUBMITTED));
    writer->Write(Task(v1::TASK_STATUS_PROCESSING));
    writer->Write(Task(v1::TASK_STATUS_SUCCEED));
    return grpc::Status::OK;
  }});
  auto task = Watch(FastOptions());
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ(task->task_status(), v1::TASK_STATUS_SUCCEED);
  EXPECT_THAT(updates_,
              ElementsAre(v1::TASK_STATUS_SUBMITTED, v1::TASK_STATUS_PROCESSING,
                          v1::TASK_STATUS_SUCCEED));
  EXPECT_EQ(opens_, 1u);
}

TEST_F(WatchUntilTerminalTest, AFailedTaskIsAResultNotAnError) {
  Serve({[](grpc::ServerContext*, Writer* writer) {
    writer->Write(Task(v1::TASK_STATUS_FAILED, "no face in range"));
    return grpc::Status::OK;
  }});
  auto task = Watch(FastOptions());
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ(task->task_status(), v1::TASK_STATUS_FAILED);
  EXPECT_EQ(task->task_status_msg(), "no face in range");
}

TEST_F(WatchUntilTerminalTest, ReopensABrokenStreamAndSkipsTheRepeat) {
  Serve({[](grpc::ServerContext*, Writer* writer) {
           writer->Write(Task(v1::TASK_STATUS_SUBMITTED));
           return grpc::Status(grpc::StatusCode::UNAVAILABLE, "restarting");
         },
         [](grpc::ServerContext*, Writer* writer) {
           writer->Write(Task(v1::TASK_STATUS_SUBMITTED));  // Current state.
           writer->Write(Task(v1::TASK_STATUS_PROCESSING));
           return grpc::Status::OK;  // Ends early, without a terminal status.
         },
         [](grpc::ServerContext*, Writer* writer) {
           writer->Write(Task(v1::TASK_STATUS_PROCESSING));
           writer->Write(Task(v1::TASK_STATUS_SUCCEED));
           return grpc::Status::OK;
         }});
  auto task = Watch(FastOptions());
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_THAT(updates_,
              ElementsAre(v1::TASK_STATUS_SUBMITTED, v1::TASK_STATUS_PROCESSING,
                          v1::TASK_STATUS_SUCCEED));
  EXPECT_EQ(opens_, 3u);
  EXPECT_THAT(reopen_reasons_, ElementsAre(absl::StatusCode::kUnavailable,
                                           absl::StatusCode::kOk));
}

TEST_F(WatchUntilTerminalTest, StopsAtAnErrorThatIsNotTransient) {
  Serve({[](grpc::ServerContext*, Writer*) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "no task 42");
  }});
  auto task = Watch(FastOptions());
  EXPECT_EQ(task.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(opens_, 1u);
  EXPECT_TRUE(reopen_reasons_.empty());
}

TEST_F(WatchUntilTerminalTest, GivesUpWhenTheGatewayStaysDown) {
  Serve({[](grpc::ServerContext*, Writer*) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "down");
  }});
  auto task = Watch(FastOptions());
  EXPECT_EQ(task.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(opens_, 3u);
  EXPECT_EQ(reopen_reasons_.size(), 2u);
}

TEST_F(WatchUntilTerminalTest, ATaskThatNeverEndsHitsTheTimeout) {
  Serve({[](grpc::ServerContext* context, Writer* writer) {
    writer->Write(Task(v1::TASK_STATUS_PROCESSING));
    WaitForCancellation(context);
    return grpc::Status::OK;
  }});
  WatchOptions options = FastOptions();
  options.timeout = absl::Milliseconds(300);
  auto task = Watch(options);
  EXPECT_EQ(task.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(task.status().message(), HasSubstr("task 42"));
  EXPECT_THAT(task.status().message(), HasSubstr("last status: processing"));
  EXPECT_THAT(updates_, ElementsAre(v1::TASK_STATUS_PROCESSING));
}

TEST_F(WatchUntilTerminalTest, PollsGetWhenTheGatewayCannotStream) {
  std::atomic<int> polls{0};
  service_.get = [&polls](grpc::ServerContext*,
                          const v1::GetLipSyncTaskRequest& request,
                          v1::LipSyncTask* task) {
    EXPECT_EQ(request.task_id(), "42");
    const int n = ++polls;
    *task = Task(n < 3 ? v1::TASK_STATUS_PROCESSING : v1::TASK_STATUS_SUCCEED);
    return grpc::Status::OK;
  };
  Serve({[](grpc::ServerContext*, Writer*) {
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "not yet");
  }});
  WatchOptions options = FastOptions();
  options.poll_interval = absl::Milliseconds(1);
  auto task = Watch(options);
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ(task->task_status(), v1::TASK_STATUS_SUCCEED);
  EXPECT_THAT(updates_,
              ElementsAre(v1::TASK_STATUS_PROCESSING, v1::TASK_STATUS_SUCCEED));
  EXPECT_EQ(polls, 3);
  EXPECT_THAT(reopen_reasons_, ElementsAre(absl::StatusCode::kUnimplemented));
}

TEST_F(WatchUntilTerminalTest, PollingStopsAtAnErrorThatIsNotTransient) {
  service_.get = [](grpc::ServerContext*, const v1::GetLipSyncTaskRequest&,
                    v1::LipSyncTask*) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "no task 42");
  };
  Serve({[](grpc::ServerContext*, Writer*) {
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "not yet");
  }});
  EXPECT_EQ(Watch(FastOptions()).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(WatchUntilTerminalTest, NoPollingWhenTurnedOff) {
  Serve({[](grpc::ServerContext*, Writer*) {
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "not yet");
  }});
  WatchOptions options = FastOptions();
  options.poll_interval = absl::ZeroDuration();
  EXPECT_EQ(Watch(options).status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(service_.Calls("GetLipSyncTask"), 0);
}

}  // namespace
}  // namespace lipsync::client
