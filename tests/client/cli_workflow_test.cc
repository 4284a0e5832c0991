// lipsync-cli against an in-process fake gateway: the built binary in a
// child process, checked on its exit status, stdout and stderr.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "tests/client/cli_process.h"
#include "tests/client/fake_lipsync_service.h"

namespace lipsync::client {
namespace {

namespace v1 = ::kling::lipsync::v1;
using ::lipsync::client::testing::FakeLipSyncService;
using ::lipsync::client::testing::FakeServer;
using ::lipsync::client::testing::kExitTaskFailed;
using ::lipsync::client::testing::kExitUsage;
using ::lipsync::client::testing::ProcessOptions;
using ::lipsync::client::testing::ProcessResult;
using ::lipsync::client::testing::RunCli;
using ::lipsync::client::testing::StatusWithDetails;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::StartsWith;

v1::LipSyncTask Task(v1::TaskStatus status) {
  v1::LipSyncTask task;
  task.set_task_id("8391");
  task.set_task_status(status);
  if (status == v1::TASK_STATUS_SUCCEED) {
    task.mutable_task_result()->add_videos()->set_url(
        "https://cdn.example.com/result.mp4");
  }
  if (status == v1::TASK_STATUS_FAILED) task.set_task_status_msg("bad audio");
  return task;
}

class CliAgainstFakeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    service_.identify = [this](grpc::ServerContext*,
                               const v1::IdentifyFaceRequest& request,
                               v1::IdentifyFaceResponse* response) {
      last_identify_ = request;
      response->set_session_id("5551");
      auto* face = response->add_face_data();
      face->set_face_id("0");
      face->set_start_time(0);
      face->set_end_time(3000);
      face = response->add_face_data();
      face->set_face_id("1");
      face->set_start_time(1200);
      face->set_end_time(5600);
      return grpc::Status::OK;
    };
    service_.create = [this](grpc::ServerContext*,
                             const v1::CreateLipSyncTaskRequest& request,
                             v1::LipSyncTask* task) {
      last_create_ = request;
      *task = Task(v1::TASK_STATUS_SUBMITTED);
      return grpc::Status::OK;
    };
    service_.watch = [this](grpc::ServerContext*,
                            const v1::WatchLipSyncTaskRequest&,
                            grpc::ServerWriter<v1::LipSyncTask>* writer) {
      writer->Write(Task(v1::TASK_STATUS_SUBMITTED));
      writer->Write(Task(v1::TASK_STATUS_PROCESSING));
      writer->Write(Task(final_status_));
      return grpc::Status::OK;
    };
    server_ = std::make_unique<FakeServer>(&service_);
  }

  ProcessResult Run(std::vector<std::string> args) {
    args.push_back(absl::StrCat("--target=", server_->target()));
    return RunCli(args);
  }

  FakeLipSyncService service_;
  std::unique_ptr<FakeServer> server_;
  v1::IdentifyFaceRequest last_identify_;
  v1::CreateLipSyncTaskRequest last_create_;
  v1::TaskStatus final_status_ = v1::TASK_STATUS_SUCCEED;
};

TEST_F(CliAgainstFakeTest, GetPrintsJson) {
  service_.get = [](grpc::ServerContext*, const v1::GetLipSyncTaskRequest& r,
                    v1::LipSyncTask* task) {
    *task = Task(v1::TASK_STATUS_PROCESSING);
    task->mutable_task_info()->set_external_task_id(r.external_task_id());
    return grpc::Status::OK;
  };
  const ProcessResult r = Run({"get", "--external_task_id=order-1", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "{\"task_id\":\"8391\",\"task_status\":\"TASK_STATUS_PROCESSING\","
            "\"task_info\":{\"external_task_id\":\"order-1\"}}\n");
}

TEST_F(CliAgainstFakeTest, ValidationErrorExitsThreeWithEachField) {
  service_.create = [](grpc::ServerContext*,
                       const v1::CreateLipSyncTaskRequest&, v1::LipSyncTask*) {
    google::rpc::BadRequest bad_request;
    auto* v = bad_request.add_field_violations();
    v->set_field("face_choose[0].sound_end_time");
    v->set_description("must be ≥ sound_start_time + 2000");
    v = bad_request.add_field_violations();
    v->set_field("session_id");
    v->set_description("is required");
    return StatusWithDetails(grpc::StatusCode::INVALID_ARGUMENT,
                             "invalid request (2 problems): ...",
                             {&bad_request});
  };
  const ProcessResult r =
      Run({"create", "--session_id=x", "--face_id=0", "--audio_id=a",
           "--sound_end_time=1000", "--request_id=k-1"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("error: INVALID_ARGUMENT: invalid request (2 "
                               "problems): ...\n"
                               "  face_choose[0].sound_end_time: must be ≥ "
                               "sound_start_time + 2000\n"
                               "  session_id: is required\n"));
  // Not a "maybe created" failure: no retry hint.
  EXPECT_THAT(r.err, Not(HasSubstr("--request_id=k-1")));
  EXPECT_EQ(service_.Calls("CreateLipSyncTask"), 1);
}

TEST_F(CliAgainstFakeTest, CreateGeneratesAndAnnouncesARequestId) {
  const ProcessResult r = Run({"create", "--session_id=5551", "--face_id=1",
                               "--audio_id=tts-1", "--sound_end_time=3000"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::string& key = last_create_.request_id();
  EXPECT_THAT(key, MatchesRegex("[0-9a-f-]{36}"));
  EXPECT_THAT(r.err, HasSubstr(absl::StrCat("--request_id=", key)));
  EXPECT_THAT(r.out, HasSubstr("task_id:           8391"));
  // Every timing and volume is sent, defaults included: the gateway
  // requires them all.
  const v1::FaceChoose& face = last_create_.face_choose(0);
  EXPECT_TRUE(face.has_sound_start_time());
  EXPECT_TRUE(face.has_sound_end_time());
  EXPECT_TRUE(face.has_sound_insert_time());
  EXPECT_EQ(face.sound_insert_time(), 0);
  EXPECT_TRUE(face.has_sound_volume());
  EXPECT_TRUE(face.has_original_audio_volume());
}

TEST_F(CliAgainstFakeTest, CreateKeepsAGivenRequestId) {
  const ProcessResult r =
      Run({"create", "--session_id=5551", "--face_id=1", "--audio_id=tts-1",
           "--sound_end_time=3000", "--request_id=my-key-1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(last_create_.request_id(), "my-key-1");
  EXPECT_THAT(r.err, IsEmpty());
}

TEST_F(CliAgainstFakeTest, UnavailableCreateTellsHowToRetrySafely) {
  service_.create = [](grpc::ServerContext*,
                       const v1::CreateLipSyncTaskRequest&, v1::LipSyncTask*) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "upstream timeout");
  };
  const ProcessResult r =
      Run({"create", "--session_id=5551", "--face_id=1", "--audio_id=tts-1",
           "--sound_end_time=3000", "--request_id=k-9"});
  EXPECT_EQ(r.exit_code, 14);
  EXPECT_THAT(r.err, HasSubstr("re-run with the same --request_id=k-9"));
  EXPECT_EQ(service_.Calls("CreateLipSyncTask"), 1);
}

TEST_F(CliAgainstFakeTest, WatchPrintsOneLinePerChangeInAPipe) {
  const ProcessResult r = Run({"watch", "--task_id=8391"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> lines =
      absl::StrSplit(r.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 3u) << r.out;
  EXPECT_THAT(lines[0], MatchesRegex("\\+[0-9.]+s +task 8391  submitted"));
  EXPECT_THAT(lines[1], HasSubstr("processing"));
  EXPECT_THAT(lines[2],
              HasSubstr("succeed  https://cdn.example.com/result.mp4"));
  EXPECT_THAT(r.out, Not(HasSubstr("\r")));
}

TEST_F(CliAgainstFakeTest, WatchJsonIsOneDocumentPerLine) {
  const ProcessResult r = Run({"watch", "--task_id=8391", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> lines =
      absl::StrSplit(r.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 3u);
  for (const std::string& line : lines) {
    EXPECT_THAT(line, StartsWith("{\"task_id\":\"8391\""));
  }
}

TEST_F(CliAgainstFakeTest, WatchOfAFailedTaskExitsTaskFailed) {
  final_status_ = v1::TASK_STATUS_FAILED;
  const ProcessResult r = Run({"watch", "--task_id=8391"});
  EXPECT_EQ(r.exit_code, kExitTaskFailed);
  EXPECT_THAT(r.err, HasSubstr("task 8391 failed: bad audio"));
}

TEST_F(CliAgainstFakeTest, RunDoesTheWholeWorkflow) {
  const ProcessResult r =
      Run({"run", "--video_url=https://example.com/v.mp4", "--audio_id=tts-1",
           "--sound_end_time=4000", "--face_index=1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // stdout holds only the result, for scripts.
  EXPECT_EQ(r.out, "https://cdn.example.com/result.mp4\n");
  EXPECT_THAT(r.err, HasSubstr("[1] face_id 1  1.200s - 5.600s"));
  EXPECT_EQ(last_identify_.video_url(), "https://example.com/v.mp4");
  EXPECT_EQ(last_create_.session_id(), "5551");
  EXPECT_EQ(last_create_.face_choose(0).face_id(), "1");
  // The audio starts where the chosen face does.
  EXPECT_EQ(last_create_.face_choose(0).sound_insert_time(), 1200);
  EXPECT_EQ(last_create_.face_choose(0).sound_end_time(), 4000);
}

TEST_F(CliAgainstFakeTest, RunWithAFaceIndexOutOfRangeStopsBeforeCreate) {
  const ProcessResult r = Run({"run", "--video_id=v1", "--audio_id=tts-1",
                               "--sound_end_time=4000", "--face_index=2"});
  EXPECT_EQ(r.exit_code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("--face_index=2, but the video has 2 face(s)"));
  EXPECT_THAT(r.err, HasSubstr("lipsync-cli create --session_id=5551"));
  EXPECT_EQ(service_.Calls("CreateLipSyncTask"), 0);
}

TEST_F(CliAgainstFakeTest, PlaintextTokenFromTheEnvironment) {
  service_.list = [](grpc::ServerContext*, const v1::ListLipSyncTasksRequest&,
                     v1::ListLipSyncTasksResponse* response) {
    *response->add_tasks() = Task(v1::TASK_STATUS_SUCCEED);
    response->set_has_next_page(true);
    return grpc::Status::OK;
  };
  ProcessOptions options;
  options.set_env["LIPSYNC_TOKEN"] = "env-token";
  const ProcessResult r = RunCli(
      {"list", "--page_size=1", absl::StrCat("--target=", server_->target())},
      options);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(service_.LastAuthorization(), "Bearer env-token");
  EXPECT_THAT(r.out, HasSubstr("8391"));
  EXPECT_THAT(r.out, HasSubstr("more: lipsync-cli list --page_num=2 "
                               "--page_size=1"));
  // Loopback: no warning about a plaintext token.
  EXPECT_THAT(r.err, IsEmpty());
}

constexpr char kTraceId[] = "4bf92f3577b34da6a3ce929d0e0e4736";

TEST_F(CliAgainstFakeTest, TraceIdFlagIsSentAndPrintedWithTheError) {
  service_.get = [](grpc::ServerContext*, const v1::GetLipSyncTaskRequest&,
                    v1::LipSyncTask*) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "no such task");
  };
  const ProcessResult r =
      Run({"get", "--task_id=1", absl::StrCat("--trace_id=", kTraceId)});
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_THAT(r.err, HasSubstr(absl::StrCat("\n  trace id: ", kTraceId)));
  const std::vector<std::string> sent = service_.Traceparents();
  ASSERT_FALSE(sent.empty());
  for (const std::string& traceparent : sent) {
    EXPECT_THAT(traceparent, MatchesRegex(absl::StrCat("00-", kTraceId,
                                                       "-[0-9a-f]{16}-00")));
  }
}

TEST_F(CliAgainstFakeTest, EveryCallOfARunJoinsOneGeneratedTrace) {
  const ProcessResult r = Run({"run", "--video_url=https://example.com/v.mp4",
                               "--audio_id=a1", "--sound_end_time=2000"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> sent = service_.Traceparents();
  ASSERT_EQ(sent.size(), 3u);  // identify, create, watch
  for (const std::string& traceparent : sent) {
    EXPECT_THAT(traceparent, MatchesRegex("00-[0-9a-f]{32}-[0-9a-f]{16}-00"));
    EXPECT_EQ(traceparent.substr(3, 32), sent[0].substr(3, 32));
  }
  EXPECT_NE(sent[0].substr(36, 16), sent[1].substr(36, 16));
}

TEST_F(CliAgainstFakeTest, JsonErrorIsOneDocumentWithTheTraceId) {
  service_.get = [](grpc::ServerContext*, const v1::GetLipSyncTaskRequest&,
                    v1::LipSyncTask*) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "no \"such\" task");
  };
  const ProcessResult r = Run(
      {"get", "--task_id=1", "--json", absl::StrCat("--trace_id=", kTraceId)});
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, absl::StrCat(R"({"error":{"code":"NOT_FOUND",)",
                                R"("message":"no \"such\" task",)",
                                R"("trace_id":")", kTraceId, "\"}}\n"));
}

TEST_F(CliAgainstFakeTest, MalformedTraceIdIsAUsageError) {
  for (const std::string& bad :
       {std::string("4BF92F3577B34DA6A3CE929D0E0E4736"), std::string(32, '0'),
        std::string("abc"), std::string(33, 'a')}) {
    SCOPED_TRACE(bad);
    const ProcessResult r = Run({"get", "--task_id=1", "--trace_id=" + bad});
    EXPECT_EQ(r.exit_code, kExitUsage);
    EXPECT_THAT(r.err, HasSubstr("--trace_id"));
  }
  EXPECT_TRUE(service_.Traceparents().empty());
}

}  // namespace
}  // namespace lipsync::client
