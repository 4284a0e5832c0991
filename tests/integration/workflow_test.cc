// The whole workflow through real processes: identify -> create -> watch,
// session-aware validation, shared watch pollers, and idempotent creates.
#include <httplib.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/grpc_details.h"
#include "tests/support/seed_requests.h"

namespace lipsync::testing {
namespace {

namespace v1 = ::kling::lipsync::v1;
using ::testing::Contains;
using ::testing::ElementsAre;

constexpr char kLipSyncPath[] = "/v1/videos/advanced-lip-sync";

class WorkflowTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { StartHarness(/*finish_after_ms=*/1200); }
  static void StartHarness(int finish_after_ms) {
    harness_ = new GatewayHarness();
    HarnessOptions options;
    options.sim_args = {"--processing_after_ms=300",
                        absl::StrCat("--finish_after_ms=", finish_after_ms)};
    options.gateway_args = {"--watch_poll_initial=100ms",
                            "--watch_poll_max=200ms"};
    absl::Status started = harness_->Start(options);
    ASSERT_TRUE(started.ok()) << started;
  }
  static void TearDownTestSuite() {
    delete harness_;
    harness_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(harness_, nullptr); }

  static v1::IdentifyFaceResponse Identify(const std::string& video_url) {
    v1::IdentifyFaceRequest request;
    request.set_video_url(video_url);
    v1::IdentifyFaceResponse response;
    auto context = ContextWithTimeout(absl::Seconds(10));
    grpc::Status status =
        harness_->stub().IdentifyFace(context.get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  // A create for `face`, inserting `length_ms` of audio at `insert_ms`.
  static v1::CreateLipSyncTaskRequest CreateFor(
      const v1::IdentifyFaceResponse& session, const v1::FaceData& face,
      int64_t insert_ms, int64_t length_ms = 3000) {
    v1::CreateLipSyncTaskRequest request;
    request.set_session_id(session.session_id());
    auto* choice = request.add_face_choose();
    choice->set_face_id(face.face_id());
    choice->set_audio_id("825451760499568680");
    choice->set_sound_start_time(0);
    choice->set_sound_end_time(length_ms);
    choice->set_sound_insert_time(insert_ms);
    choice->set_sound_volume(1);
    choice->set_original_audio_volume(1);
    return request;
  }

  static grpc::Status Create(const v1::CreateLipSyncTaskRequest& request,
                             v1::LipSyncTask* task) {
    auto context = ContextWithTimeout(absl::Seconds(10));
    return harness_->stub().CreateLipSyncTask(context.get(), request, task);
  }

  // Reads a watch stream to its end: the statuses seen and the final status.
  static grpc::Status WatchAll(const std::string& task_id,
                               absl::Duration timeout,
                               std::vector<v1::LipSyncTask>* seen) {
    v1::WatchLipSyncTaskRequest request;
    request.set_task_id(task_id);
    auto context = ContextWithTimeout(timeout);
    auto reader = harness_->stub().WatchLipSyncTask(context.get(), request);
    v1::LipSyncTask task;
    while (reader->Read(&task)) seen->push_back(task);
    return reader->Finish();
  }

  static int CountSimRequests(const std::string& method,
                              const std::string& path_prefix) {
    int n = 0;
    for (const auto& r : harness_->SimRequests(path_prefix)) {
      n += r["method"] == method;
    }
    return n;
  }

  static GatewayHarness* harness_;
};

GatewayHarness* WorkflowTest::harness_ = nullptr;

TEST_F(WorkflowTest, IdentifyCreateWatchReachesSucceedWithResultVideo) {
  v1::IdentifyFaceResponse session = Identify("https://example.com/wf-1.mp4");
  ASSERT_FALSE(session.session_id().empty());
  ASSERT_GT(session.face_data_size(), 0);
  const v1::FaceData& face = session.face_data(0);
  EXPECT_LT(face.start_time(), face.end_time());

  v1::LipSyncTask created;
  ASSERT_TRUE(
      Create(CreateFor(session, face, face.start_time()), &created).ok());

  std::vector<v1::LipSyncTask> seen;
  grpc::Status status = WatchAll(created.task_id(), absl::Seconds(20), &seen);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_FALSE(seen.empty());
  std::vector<v1::TaskStatus> statuses;
  for (const auto& t : seen) statuses.push_back(t.task_status());
  // Every status at most once, in order, ending with the terminal one.
  EXPECT_EQ(statuses.back(), v1::TASK_STATUS_SUCCEED);
  for (size_t i = 1; i < statuses.size(); ++i) {
    EXPECT_LT(statuses[i - 1], statuses[i]);
  }
  ASSERT_GT(seen.back().task_result().videos_size(), 0);
  EXPECT_FALSE(seen.back().task_result().videos(0).url().empty());
}

TEST_F(WorkflowTest, KnownSessionRejectsUnknownFaceBeforeAnyUpstreamCall) {
  v1::IdentifyFaceResponse session = Identify("https://example.com/wf-2.mp4");
  v1::CreateLipSyncTaskRequest request = CreateFor(
      session, session.face_data(0), session.face_data(0).start_time());
  request.mutable_face_choose(0)->set_face_id("no-such-face");
  harness_->ClearSimRequests();
  v1::LipSyncTask task;
  grpc::Status status = Create(request, &task);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(status), Contains("face_choose[0].face_id"));
  EXPECT_EQ(CountSimRequests("POST", kLipSyncPath), 0);
}

TEST_F(WorkflowTest, FaceOverlapOf1999MsIsRejectedAnd2000MsAccepted) {
  v1::IdentifyFaceResponse session = Identify("https://example.com/wf-3.mp4");
  const v1::FaceData& face = session.face_data(0);
  // Audio of 3000 ms ending 1999 / 2000 ms into the face's interval.
  v1::LipSyncTask task;
  grpc::Status short_overlap =
      Create(CreateFor(session, face, face.start_time() + 1999 - 3000), &task);
  if (face.start_time() + 1999 - 3000 >= 0) {
    EXPECT_EQ(short_overlap.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << short_overlap.error_message();
    EXPECT_THAT(ViolatedFields(short_overlap),
                Contains("face_choose[0].sound_insert_time"));
  }
  // Overlap at the end of the interval: starts 2000 / 1999 ms before its end.
  grpc::Status end_1999 =
      Create(CreateFor(session, face, face.end_time() - 1999), &task);
  EXPECT_EQ(end_1999.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  grpc::Status end_2000 =
      Create(CreateFor(session, face, face.end_time() - 2000), &task);
  EXPECT_TRUE(end_2000.ok()) << end_2000.error_message();
}

TEST_F(WorkflowTest, TenWatchersOfOneTaskShareOnePoller) {
  v1::IdentifyFaceResponse session = Identify("https://example.com/wf-4.mp4");
  v1::LipSyncTask created;
  ASSERT_TRUE(Create(CreateFor(session, session.face_data(0),
                               session.face_data(0).start_time()),
                     &created)
                  .ok());
  const std::string task_path =
      absl::StrCat(kLipSyncPath, "/", created.task_id());
  harness_->ClearSimRequests();
  std::atomic<int> succeeded{0};
  std::vector<std::thread> watchers;
  const absl::Time start = absl::Now();
  for (int i = 0; i < 10; ++i) {
    watchers.emplace_back([&] {
      std::vector<v1::LipSyncTask> seen;
      grpc::Status s = WatchAll(created.task_id(), absl::Seconds(20), &seen);
      if (s.ok() && !seen.empty() &&
          seen.back().task_status() == v1::TASK_STATUS_SUCCEED) {
        ++succeeded;
      }
    });
  }
  for (auto& t : watchers) t.join();
  const absl::Duration elapsed = absl::Now() - start;
  EXPECT_EQ(succeeded.load(), 10);
  // One poller: at most one poll per minimum interval (100 ms - 20% jitter)
  // plus the first; ten pollers would make at least ten times as many.
  const int polls = CountSimRequests("GET", task_path);
  const int one_poller_bound =
      2 + static_cast<int>(elapsed / absl::Milliseconds(80));
  EXPECT_GE(polls, 1);
  EXPECT_LE(polls, one_poller_bound) << "elapsed " << elapsed;
}

// Tasks that stay in processing for a minute, so that polling can stop only
// because the last watcher left (a finished task ends its poller anyway).
class UnfinishedTaskWatchTest : public WorkflowTest {
 protected:
  static void SetUpTestSuite() { StartHarness(/*finish_after_ms=*/60000); }
};

TEST_F(UnfinishedTaskWatchTest, WatchEndsAtDeadlineAndPollingStops) {
  v1::LipSyncTask created;
  v1::CreateLipSyncTaskRequest request = SeedRequest();
  ASSERT_TRUE(Create(request, &created).ok());
  std::vector<v1::LipSyncTask> seen;
  grpc::Status status =
      WatchAll(created.task_id(), absl::Milliseconds(250), &seen);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  ASSERT_FALSE(seen.empty());  // the current status arrives at once
  EXPECT_THAT(
      seen.back().task_status(),
      ::testing::AnyOf(v1::TASK_STATUS_SUBMITTED, v1::TASK_STATUS_PROCESSING));
  // Polling stops once the last watcher is gone: the count settles.
  const std::string task_path =
      absl::StrCat(kLipSyncPath, "/", created.task_id());
  // The gateway notices the cancelled stream and lets its poll in flight
  // finish; a second is a wide margin for both on a slow machine. A poller
  // left behind would poll 2-5 times (every 100-200 ms) in the 500 ms after.
  absl::SleepFor(absl::Seconds(1));
  const int settled = CountSimRequests("GET", task_path);
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_EQ(CountSimRequests("GET", task_path), settled);
}

TEST_F(WorkflowTest, WatchOfUnknownTaskIsNotFound) {
  std::vector<v1::LipSyncTask> seen;
  grpc::Status status = WatchAll("999999999999", absl::Seconds(10), &seen);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(seen.empty());
}

TEST_F(WorkflowTest,
       SameIdempotencyKeyFiveTimesConcurrentlyAndAgainCreatesOnce) {
  v1::CreateLipSyncTaskRequest request = SeedRequest();
  request.set_request_id(absl::StrCat("key-", absl::ToUnixNanos(absl::Now())));
  harness_->ClearSimRequests();
  std::vector<std::string> task_ids(5);
  std::vector<std::thread> callers;
  for (int i = 0; i < 5; ++i) {
    callers.emplace_back([&, i] {
      v1::LipSyncTask task;
      if (Create(request, &task).ok()) task_ids[i] = task.task_id();
    });
  }
  for (auto& t : callers) t.join();
  v1::LipSyncTask again;
  ASSERT_TRUE(Create(request, &again).ok());
  for (const auto& id : task_ids) EXPECT_EQ(id, again.task_id());
  EXPECT_EQ(CountSimRequests("POST", kLipSyncPath), 1);
  // The key travelled upstream as external_task_id.
  EXPECT_EQ(again.task_info().external_task_id(), request.request_id());
}

TEST_F(WorkflowTest, IdempotencyKeyReusedWithDifferentRequestIsRejected) {
  v1::CreateLipSyncTaskRequest request = SeedRequest();
  request.set_request_id(
      absl::StrCat("reuse-", absl::ToUnixNanos(absl::Now())));
  v1::LipSyncTask task;
  ASSERT_TRUE(Create(request, &task).ok());
  request.mutable_face_choose(0)->set_sound_end_time(6000);
  grpc::Status status = Create(request, &task);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  auto info = FindDetail<google::rpc::ErrorInfo>(status);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason(), "IDEMPOTENCY_KEY_REUSED");
}

TEST_F(WorkflowTest, UpstreamDuplicateExternalTaskIdResolvesToTheExistingTask) {
  // Another replica (here: a direct call) already created the task.
  const std::string external_id =
      absl::StrCat("ext-", absl::ToUnixNanos(absl::Now()));
  httplib::Client sim("127.0.0.1", harness_->sim_port());
  nlohmann::json body = nlohmann::json::parse(kSeedRequestJson);
  body["external_task_id"] = external_id;
  body["face_choose"][0].erase("sound_file");
  body.erase("callback_url");
  auto direct = sim.Post(
      kLipSyncPath, {{"Authorization", absl::StrCat("Bearer ", kSimApiKey)}},
      body.dump(), "application/json");
  ASSERT_TRUE(direct && direct->status == 200) << (direct ? direct->body : "");
  const std::string existing =
      nlohmann::json::parse(direct->body)["data"]["task_id"];

  v1::CreateLipSyncTaskRequest request = SeedRequest();
  request.set_external_task_id(external_id);
  v1::LipSyncTask task;
  grpc::Status status = Create(request, &task);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(task.task_id(), existing);
}

}  // namespace
}  // namespace lipsync::testing
