// Two gateway replicas sharing one redis-server (with a password) and one
// kling-sim: a session identified on one replica is checked on the other;
// garbage under the prefix and a dead Redis only turn the check off.
#include <httplib.h>

#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/redis_server.h"

namespace lipsync::testing {
namespace {

namespace v1 = ::kling::lipsync::v1;

constexpr char kLipSyncPath[] = "/v1/videos/advanced-lip-sync";
// Also in tests/integration/CMakeLists.txt: integration_secret_scan looks
// for it in every gateway log.
constexpr char kRedisPassword[] = "redis-pw-3c8e1b5a";
constexpr char kPrefix[] = "it-shared:";

// Replica 1 starts the sim and reads the password from the environment;
// replica 2 uses that sim and reads it from a file.
class SharedSessionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_ = std::make_unique<RedisServer>(kRedisPassword);
    ASSERT_TRUE(redis_->Start().ok());
    metrics_port_files_[0] = absl::StrCat(redis_->dir(), "/replica1.port");
    metrics_port_files_[1] = absl::StrCat(redis_->dir(), "/replica2.port");
    HarnessOptions first;
    first.gateway_args = GatewayArgs(metrics_port_files_[0]);
    first.gateway_env = {{"LIPSYNC_REDIS_PASSWORD", kRedisPassword}};
    replica1_ = std::make_unique<GatewayHarness>();
    absl::Status started = replica1_->Start(first);
    ASSERT_TRUE(started.ok()) << started;

    const std::string password_file = replica1_->dir() + "/redis.password";
    std::ofstream(password_file) << kRedisPassword << "\n";
    HarnessOptions second;
    second.start_sim = false;
    second.upstream_base_url =
        absl::StrCat("http://127.0.0.1:", replica1_->sim_port());
    second.gateway_args = GatewayArgs(metrics_port_files_[1]);
    second.gateway_args.push_back("--redis_password_file=" + password_file);
    replica2_ = std::make_unique<GatewayHarness>();
    started = replica2_->Start(second);
    ASSERT_TRUE(started.ok()) << started;
    ASSERT_TRUE(AwaitSharedStateUp(1));
  }

  void TearDown() override {
    replica2_.reset();
    replica1_.reset();
    redis_.reset();
  }

  std::vector<std::string> GatewayArgs(const std::string& metrics_port_file) {
    return {"--redis_url=" + redis_->tcp_url(),
            std::string("--redis_key_prefix=") + kPrefix,
            "--redis_op_timeout=200ms", "--metrics_listen=127.0.0.1:0",
            "--metrics_port_file=" + metrics_port_file};
  }

  // lipsync_shared_state_up of both replicas reads `value`, within 10 s.
  bool AwaitSharedStateUp(int value) {
    return AwaitSharedStateUp(metrics_port_files_[0], value) &&
           AwaitSharedStateUp(metrics_port_files_[1], value);
  }
  static bool AwaitSharedStateUp(const std::string& metrics_port_file,
                                 int value) {
    const std::string wanted =
        absl::StrCat("\nlipsync_shared_state_up ", value, "\n");
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (absl::Now() < deadline) {
      std::ifstream in(metrics_port_file);
      int port = 0;
      if (in >> port && port > 0) {
        httplib::Client client("127.0.0.1", port);
        auto res = client.Get("/metrics");
        if (res && res->status == 200 && absl::StrContains(res->body, wanted)) {
          return true;
        }
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
    return false;
  }

  static v1::IdentifyFaceResponse Identify(GatewayHarness& replica,
                                           const std::string& video_url) {
    v1::IdentifyFaceRequest request;
    request.set_video_url(video_url);
    v1::IdentifyFaceResponse response;
    auto context = ContextWithTimeout(absl::Seconds(10));
    grpc::Status status =
        replica.stub().IdentifyFace(context.get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  // A create whose 3000 ms of audio overlap the end of the session's first
  // face by `overlap_ms`.
  static grpc::Status CreateOverlapping(GatewayHarness& replica,
                                        const v1::IdentifyFaceResponse& session,
                                        int64_t overlap_ms) {
    const v1::FaceData& face = session.face_data(0);
    v1::CreateLipSyncTaskRequest request;
    request.set_session_id(session.session_id());
    auto* choice = request.add_face_choose();
    choice->set_face_id(face.face_id());
    choice->set_audio_id("825451760499568680");
    choice->set_sound_start_time(0);
    choice->set_sound_end_time(3000);
    choice->set_sound_insert_time(face.end_time() - overlap_ms);
    choice->set_sound_volume(1);
    choice->set_original_audio_volume(1);
    v1::LipSyncTask task;
    auto context = ContextWithTimeout(absl::Seconds(10));
    return replica.stub().CreateLipSyncTask(context.get(), request, &task);
  }

  int SimCreates() {
    int n = 0;
    for (const auto& r : replica1_->SimRequests(kLipSyncPath)) {
      n += r["method"] == "POST";
    }
    return n;
  }

  static bool Serving(GatewayHarness& replica) {
    auto health = grpc::health::v1::Health::NewStub(replica.channel());
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
    auto context = ContextWithTimeout(absl::Seconds(5));
    return health->Check(context.get(), request, &response).ok() &&
           response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
  }

  void ExpectNoPasswordInLogs() {
    for (GatewayHarness* replica : {replica1_.get(), replica2_.get()}) {
      EXPECT_THAT(replica->gateway().ReadLog(),
                  ::testing::Not(::testing::HasSubstr(kRedisPassword)));
    }
  }

  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<GatewayHarness> replica1_;
  std::unique_ptr<GatewayHarness> replica2_;
  std::string metrics_port_files_[2];
};

TEST_F(SharedSessionsTest, IdentifyOnOneReplicaChecksCreatesOnTheOther) {
  const v1::IdentifyFaceResponse session =
      Identify(*replica1_, "https://example.com/shared-1.mp4");
  ASSERT_GT(session.face_data_size(), 0);
  replica1_->ClearSimRequests();

  const grpc::Status refused = CreateOverlapping(*replica2_, session, 1999);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << refused.error_message();
  EXPECT_EQ(SimCreates(), 0);

  const grpc::Status accepted = CreateOverlapping(*replica2_, session, 2000);
  EXPECT_TRUE(accepted.ok()) << accepted.error_message();
  EXPECT_EQ(SimCreates(), 1);
  EXPECT_THAT(replica2_->gateway().ReadLog(),
              ::testing::HasSubstr("\"session_checked\":\"shared\""));
  ExpectNoPasswordInLogs();
}

TEST_F(SharedSessionsTest, GarbageUnderThePrefixIsAMissNotACrash) {
  const v1::IdentifyFaceResponse session =
      Identify(*replica1_, "https://example.com/shared-2.mp4");
  ASSERT_GT(session.face_data_size(), 0);
  const std::string key =
      absl::StrCat(kPrefix, "session:", session.session_id());
  ASSERT_EQ(redis_->Run({"EXISTS", key}).value(), "(integer) 1");
  ASSERT_TRUE(
      redis_->Run({"SET", key, std::string("v1;\xff\x00garbage", 12)}).ok());
  replica1_->ClearSimRequests();

  // Unchecked: the create reaches the upstream, whatever it answers.
  CreateOverlapping(*replica2_, session, 1999);
  EXPECT_EQ(SimCreates(), 1);
  EXPECT_TRUE(Serving(*replica2_));
  EXPECT_THAT(replica2_->gateway().ReadLog(),
              ::testing::HasSubstr("shared session unreadable"));
  ExpectNoPasswordInLogs();
}

TEST_F(SharedSessionsTest, RedisDownMeansUncheckedCreatesAndStillServing) {
  const v1::IdentifyFaceResponse session =
      Identify(*replica1_, "https://example.com/shared-3.mp4");
  ASSERT_GT(session.face_data_size(), 0);
  redis_->Kill();
  ASSERT_TRUE(AwaitSharedStateUp(0));
  replica1_->ClearSimRequests();

  // As without shared state: the session is unknown to replica 2.
  const absl::Time start = absl::Now();
  CreateOverlapping(*replica2_, session, 1999);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_EQ(SimCreates(), 1);
  EXPECT_TRUE(Serving(*replica1_));
  EXPECT_TRUE(Serving(*replica2_));
  // An identify while Redis is down still answers (remembered locally).
  EXPECT_GT(
      Identify(*replica1_, "https://example.com/shared-4.mp4").face_data_size(),
      0);

  // Restarted (empty): shared state resumes on both replicas.
  ASSERT_TRUE(redis_->Start().ok());
  ASSERT_TRUE(AwaitSharedStateUp(1));
  const v1::IdentifyFaceResponse again =
      Identify(*replica1_, "https://example.com/shared-5.mp4");
  ASSERT_GT(again.face_data_size(), 0);
  replica1_->ClearSimRequests();
  EXPECT_EQ(CreateOverlapping(*replica2_, again, 1999).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(SimCreates(), 0);
  ExpectNoPasswordInLogs();
}

}  // namespace
}  // namespace lipsync::testing
