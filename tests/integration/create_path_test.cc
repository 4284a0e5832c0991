// The create path end to end: real kling-sim and lipsync-gateway processes on
// loopback, called through the generated stub.
#include <grpcpp/grpcpp.h>

#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "service/common/base64.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/grpc_details.h"
#include "tests/support/seed_requests.h"
#include "tests/support/shared_gateway_test.h"
#include "tests/support/wav_builder.h"

namespace lipsync::testing {
namespace {

namespace v1 = ::kling::lipsync::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsSupersetOf;

constexpr char kLipSyncPath[] = "/v1/videos/advanced-lip-sync";

uint64_t Fnv1a64(const std::string& bytes) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

class CreatePathTest : public SharedGatewayTest {
 protected:
  grpc::Status Create(const v1::CreateLipSyncTaskRequest& request,
                      v1::LipSyncTask* task,
                      absl::Duration timeout = absl::Seconds(10)) {
    auto context = ContextWithTimeout(timeout);
    return harness_->stub().CreateLipSyncTask(context.get(), request, task);
  }
};

TEST_F(CreatePathTest, SeedExampleSucceedsAndSimReceivesExactJson) {
  v1::LipSyncTask task;
  grpc::Status status = Create(SeedRequest(), &task);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(task.task_id().empty());
  EXPECT_EQ(task.task_status(), v1::TASK_STATUS_SUBMITTED);
  EXPECT_FALSE(task.request_id().empty());
  EXPECT_GT(task.created_at(), 0);

  nlohmann::json requests = harness_->SimRequests(kLipSyncPath);
  ASSERT_EQ(requests.size(), 1u) << requests.dump();
  const nlohmann::json& sent = requests[0];
  EXPECT_EQ(sent["method"], "POST");
  EXPECT_EQ(sent["headers"]["authorization"],
            absl::StrCat("Bearer ", kSimApiKey));
  EXPECT_EQ(sent["headers"]["content-type"], "application/json");
  EXPECT_EQ(
      sent["body"],
      R"({"session_id":"825465778199224380","face_choose":[{"face_id":"-1",)"
      R"("audio_id":"825451760499568680","sound_start_time":0,)"
      R"("sound_end_time":5000,"sound_insert_time":1000,"sound_volume":1,)"
      R"("original_audio_volume":1}]})");
}

TEST_F(CreatePathTest, FiveMebibyteAudioBytesArriveIntactWithoutExpectStall) {
  // 5 MiB exactly: a 44.1 kHz mono WAV of 59.4 s, inside every limit.
  const std::string audio = MakeWavOfSize(44100, 5 * 1024 * 1024);
  v1::CreateLipSyncTaskRequest request = SeedRequest();
  auto* face = request.mutable_face_choose(0);
  face->clear_audio_id();
  face->set_sound_file_bytes(audio);

  v1::LipSyncTask task;
  grpc::Status status = Create(request, &task);
  ASSERT_TRUE(status.ok()) << status.error_message();

  nlohmann::json requests = harness_->SimRequests(kLipSyncPath);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0]["sound_file_decoded_size"], audio.size());
  char hash[17];
  std::snprintf(hash, sizeof(hash), "%016llx",
                static_cast<unsigned long long>(Fnv1a64(audio)));
  EXPECT_EQ(requests[0]["sound_file_fnv1a64"], std::string(hash));
  // libcurl would send "Expect: 100-continue" for bodies over 1 MiB.
  EXPECT_FALSE(requests[0]["headers"].contains("expect"));
}

TEST_F(CreatePathTest, InvalidRequestsReportEveryFieldAndNothingGoesUpstream) {
  struct Case {
    const char* name;
    std::function<void(v1::CreateLipSyncTaskRequest*)> mutate;
    std::vector<std::string> fields;
  };
  const std::vector<Case> cases = {
      {"missing session",
       [](auto* r) { r->clear_session_id(); },
       {"session_id"}},
      {"no face", [](auto* r) { r->clear_face_choose(); }, {"face_choose"}},
      {"two faces",
       [](auto* r) { *r->add_face_choose() = r->face_choose(0); },
       {"face_choose"}},
      {"trim 1999 ms",
       [](auto* r) { r->mutable_face_choose(0)->set_sound_end_time(1999); },
       {"face_choose[0].sound_end_time"}},
      {"volume above 2",
       [](auto* r) { r->mutable_face_choose(0)->set_sound_volume(2.0000001); },
       {"face_choose[0].sound_volume"}},
      {"both audio sources",
       [](auto* r) {
         r->mutable_face_choose(0)->set_sound_file("https://a.example/x.mp3");
       },
       {"face_choose[0]"}},
      {"missing times and volumes",
       [](auto* r) {
         auto* f = r->mutable_face_choose(0);
         f->clear_sound_start_time();
         f->clear_sound_end_time();
         f->clear_sound_insert_time();
         f->clear_sound_volume();
         f->clear_original_audio_volume();
       },
       {"face_choose[0].sound_start_time", "face_choose[0].sound_end_time",
        "face_choose[0].sound_insert_time", "face_choose[0].sound_volume",
        "face_choose[0].original_audio_volume"}},
      {"data: prefix",
       [](auto* r) {
         auto* f = r->mutable_face_choose(0);
         f->clear_audio_id();
         f->set_sound_file("data:audio/wav;base64,UklGRg==");
       },
       {"face_choose[0].sound_file"}},
      {"ftp callback",
       [](auto* r) { r->set_callback_url("ftp://example.com/cb"); },
       {"callback_url"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    v1::CreateLipSyncTaskRequest request = SeedRequest();
    c.mutate(&request);
    v1::LipSyncTask task;
    grpc::Status status = Create(request, &task);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    std::set<std::string> fields = ViolatedFields(status);
    for (const std::string& f : c.fields) {
      // "face_choose[0]" matches any field under that face.
      bool found = false;
      for (const std::string& got : fields) found |= got.rfind(f, 0) == 0;
      EXPECT_TRUE(found) << f << " not in: " << status.error_message();
    }
  }
  EXPECT_TRUE(harness_->SimRequests().empty())
      << harness_->SimRequests().dump();
}

TEST_F(CreatePathTest, InlineAudioIsSniffedBeforeTheUpstreamCall) {
  struct Case {
    const char* name;
    std::string audio;
    bool as_base64;
    int64_t sound_end_time;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"too short", MakeWav(16000, 1900), false, 2000,
       "face_choose[0].sound_file_bytes"},
      {"too long", MakeWav(8000, 60100), true, 5000,
       "face_choose[0].sound_file"},
      {"end beyond the audio", MakeWav(16000, 4000), false, 4500,
       "face_choose[0].sound_end_time"},
      {"not audio", std::string(4096, 'x'), true, 5000,
       "face_choose[0].sound_file"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    v1::CreateLipSyncTaskRequest request = SeedRequest();
    auto* face = request.mutable_face_choose(0);
    face->clear_audio_id();
    if (c.as_base64) {
      face->set_sound_file(Base64Encode(c.audio));
    } else {
      face->set_sound_file_bytes(c.audio);
    }
    face->set_sound_end_time(c.sound_end_time);
    v1::LipSyncTask task;
    grpc::Status status = Create(request, &task);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(ViolatedFields(status), ::testing::Contains(c.field))
        << status.error_message();
  }
  EXPECT_TRUE(harness_->SimRequests(kLipSyncPath).empty());

  // A valid 4 s WAV as Base64 goes through.
  v1::CreateLipSyncTaskRequest request = SeedRequest();
  request.mutable_face_choose(0)->clear_audio_id();
  request.mutable_face_choose(0)->set_sound_file(
      Base64Encode(MakeWav(16000, 4000)));
  request.mutable_face_choose(0)->set_sound_end_time(4000);
  v1::LipSyncTask task;
  grpc::Status status = Create(request, &task);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(CreatePathTest, UpstreamErrorCodesMapAsDocumented) {
  struct Row {
    int http_status;
    int code;
    grpc::StatusCode expected;
  };
  const std::vector<Row> rows = {
      {401, 1000, grpc::StatusCode::INTERNAL},
      {401, 1004, grpc::StatusCode::INTERNAL},
      {429, 1100, grpc::StatusCode::FAILED_PRECONDITION},
      {429, 1102, grpc::StatusCode::FAILED_PRECONDITION},
      {403, 1103, grpc::StatusCode::PERMISSION_DENIED},
      {400, 1200, grpc::StatusCode::INVALID_ARGUMENT},
      {400, 1201, grpc::StatusCode::INVALID_ARGUMENT},
      {404, 1203, grpc::StatusCode::NOT_FOUND},
      {400, 1301, grpc::StatusCode::FAILED_PRECONDITION},
      {429, 1302, grpc::StatusCode::RESOURCE_EXHAUSTED},
      {429, 1303, grpc::StatusCode::RESOURCE_EXHAUSTED},
      {429, 1304, grpc::StatusCode::PERMISSION_DENIED},
      {500, 5000, grpc::StatusCode::UNAVAILABLE},
      {503, 5001, grpc::StatusCode::UNAVAILABLE},
      {504, 5002, grpc::StatusCode::UNAVAILABLE},
      {200, 5000, grpc::StatusCode::UNAVAILABLE},  // code ≠ 0 inside HTTP 200
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(absl::StrCat("HTTP ", row.http_status, " code ", row.code));
    harness_->AddSimFault({{"path_prefix", kLipSyncPath},
                           {"fault", "error"},
                           {"http_status", row.http_status},
                           {"code", row.code},
                           {"message", "injected"}});
    v1::LipSyncTask task;
    grpc::Status status = Create(SeedRequest(), &task);
    EXPECT_EQ(status.error_code(), row.expected) << status.error_message();
    auto info = FindDetail<google::rpc::ErrorInfo>(status);
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->domain(), "klingai.com");
    EXPECT_EQ(info->metadata().at("kling_code"), absl::StrCat(row.code));
    EXPECT_EQ(info->metadata().at("http_status"),
              absl::StrCat(row.http_status));
    EXPECT_FALSE(info->metadata().at("kling_request_id").empty());
  }
}

TEST_F(CreatePathTest, UnparseableUpstreamAnswerIsInternal) {
  harness_->AddSimFault(
      {{"path_prefix", kLipSyncPath}, {"fault", "malformed_json"}});
  v1::LipSyncTask task;
  grpc::Status status = Create(SeedRequest(), &task);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  auto info = FindDetail<google::rpc::ErrorInfo>(status);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason(), "UPSTREAM_BAD_ANSWER");
}

TEST_F(CreatePathTest, ShortDeadlineAgainstSlowUpstreamIsDeadlineExceeded) {
  harness_->AddSimFault(
      {{"path_prefix", kLipSyncPath}, {"fault", "latency"}, {"ms", 3000}});
  v1::LipSyncTask task;
  grpc::Status status = Create(SeedRequest(), &task, absl::Milliseconds(500));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  // Normally the gateway answers just before the caller's own deadline
  // fires (it keeps a margin), with details; on a starved machine the
  // caller's deadline may win, and then there are none to check.
  if (auto info = FindDetail<google::rpc::ErrorInfo>(status)) {
    EXPECT_EQ(info->reason(), "UPSTREAM_DEADLINE_EXCEEDED");
  }
}

TEST_F(CreatePathTest, HealthReportsServing) {
  auto health = grpc::health::v1::Health::NewStub(harness_->channel());
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  auto context = ContextWithTimeout(absl::Seconds(5));
  ASSERT_TRUE(health->Check(context.get(), request, &response).ok());
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST(CreatePathUpstreamDownTest, UnreachableUpstreamIsUnavailable) {
  GatewayHarness harness;
  HarnessOptions options;
  options.start_sim = false;
  options.upstream_base_url =
      absl::StrCat("http://127.0.0.1:", UnusedLoopbackPort());
  ASSERT_TRUE(harness.Start(options).ok());
  v1::LipSyncTask task;
  auto context = ContextWithTimeout(absl::Seconds(10));
  grpc::Status status =
      harness.stub().CreateLipSyncTask(context.get(), SeedRequest(), &task);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  auto info = FindDetail<google::rpc::ErrorInfo>(status);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason(), "UPSTREAM_UNREACHABLE");
}

}  // namespace
}  // namespace lipsync::testing
