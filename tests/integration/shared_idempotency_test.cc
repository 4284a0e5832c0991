// Three gateway replicas sharing one redis-server and one kling-sim that
// accepts a duplicate external_task_id: only the gateway's shared
// idempotency records can keep one key to one paid task.
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/redis_server.h"
#include "tests/support/seed_requests.h"

namespace lipsync::testing {
namespace {

namespace v1 = ::kling::lipsync::v1;

constexpr char kLipSyncPath[] = "/v1/videos/advanced-lip-sync";
constexpr char kPrefix[] = "it-idem:";
constexpr int kReplicas = 3;

class SharedIdempotencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_ = std::make_unique<RedisServer>();
    ASSERT_TRUE(redis_->Start().ok());
    for (int i = 0; i < kReplicas; ++i) {
      HarnessOptions options;
      options.gateway_args = {"--redis_url=" + redis_->tcp_url(),
                              std::string("--redis_key_prefix=") + kPrefix,
                              "--redis_op_timeout=500ms"};
      if (i == 0) {
        options.sim_args = {"--accept_duplicate_external_task_id"};
      } else {
        options.start_sim = false;
        options.upstream_base_url =
            absl::StrCat("http://127.0.0.1:", replicas_[0]->sim_port());
      }
      replicas_[i] = std::make_unique<GatewayHarness>();
      const absl::Status started = replicas_[i]->Start(options);
      ASSERT_TRUE(started.ok()) << started;
    }
  }

  void TearDown() override {
    for (int i = kReplicas - 1; i >= 0; --i) replicas_[i].reset();
    redis_.reset();
  }

  static v1::CreateLipSyncTaskRequest Keyed(const std::string& key,
                                            int64_t insert_ms = 1000) {
    v1::CreateLipSyncTaskRequest request = SeedRequest();
    request.set_request_id(key);
    request.mutable_face_choose(0)->set_sound_insert_time(insert_ms);
    return request;
  }

  static grpc::Status Create(GatewayHarness& replica,
                             const v1::CreateLipSyncTaskRequest& request,
                             v1::LipSyncTask* task,
                             absl::Duration timeout = absl::Seconds(20)) {
    auto context = ContextWithTimeout(timeout);
    return replica.stub().CreateLipSyncTask(context.get(), request, task);
  }

  int SimCreates() {
    int n = 0;
    for (const auto& r : replicas_[0]->SimRequests(kLipSyncPath)) {
      n += r["method"] == "POST";
    }
    return n;
  }

  // Polls `condition` for up to 20 s.
  template <typename F>
  static bool Eventually(F condition) {
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (!condition()) {
      if (absl::Now() > deadline) return false;
      absl::SleepFor(absl::Milliseconds(10));
    }
    return true;
  }

  static bool Serving(GatewayHarness& replica) {
    auto health = grpc::health::v1::Health::NewStub(replica.channel());
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
    auto context = ContextWithTimeout(absl::Seconds(5));
    return health->Check(context.get(), request, &response).ok() &&
           response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
  }

  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<GatewayHarness> replicas_[kReplicas];
};

TEST_F(SharedIdempotencyTest, OneKeyFifteenTimesOnThreeReplicasIsOneTask) {
  // A slow create keeps the lease in flight while the others arrive.
  replicas_[0]->AddSimFault({{"method", "POST"},
                             {"path_prefix", kLipSyncPath},
                             {"fault", "latency"},
                             {"ms", 500}});
  const v1::CreateLipSyncTaskRequest request = Keyed("fifteen");
  std::vector<grpc::Status> statuses(kReplicas * 5);
  std::vector<v1::LipSyncTask> tasks(kReplicas * 5);
  std::vector<std::thread> callers;
  for (size_t i = 0; i < statuses.size(); ++i) {
    callers.emplace_back([&, i] {
      statuses[i] = Create(*replicas_[i % kReplicas], request, &tasks[i]);
    });
  }
  for (std::thread& caller : callers) caller.join();
  for (size_t i = 0; i < statuses.size(); ++i) {
    ASSERT_TRUE(statuses[i].ok()) << i << ": " << statuses[i].error_message();
    EXPECT_EQ(tasks[i].task_id(), tasks[0].task_id()) << i;
  }
  EXPECT_FALSE(tasks[0].task_id().empty());
  EXPECT_EQ(SimCreates(), 1);
}

TEST_F(SharedIdempotencyTest, OwnerKilledMidCreateRetryGetsTheTaskWithoutPost) {
  replicas_[0]->AddSimFault({{"method", "POST"},
                             {"path_prefix", kLipSyncPath},
                             {"fault", "latency"},
                             {"ms", 10000}});
  const v1::CreateLipSyncTaskRequest request = Keyed("orphan");
  // The owner's call: its deadline (3 s) bounds its lease.
  std::thread owner([&] {
    v1::LipSyncTask ignored;
    Create(*replicas_[1], request, &ignored, absl::Seconds(3));
  });
  ASSERT_TRUE(Eventually([&] { return SimCreates() == 1; }));
  const std::string key = std::string(kPrefix) + "idem:1:-:orphan";
  ASSERT_TRUE(Eventually([&] {
    return redis_->Run({"EXISTS", key}).value_or("") == "(integer) 1";
  }));
  replicas_[1]->KillGateway();
  owner.join();

  v1::LipSyncTask task;
  const grpc::Status retried = Create(*replicas_[2], request, &task);
  ASSERT_TRUE(retried.ok()) << retried.error_message();
  EXPECT_FALSE(task.task_id().empty());
  EXPECT_EQ(SimCreates(), 1);
  // And the outcome is now shared: another replica answers it too.
  v1::LipSyncTask again;
  ASSERT_TRUE(Create(*replicas_[0], request, &again).ok());
  EXPECT_EQ(again.task_id(), task.task_id());
  EXPECT_EQ(SimCreates(), 1);
}

TEST_F(SharedIdempotencyTest, SameKeyOtherBodyOnAnotherReplicaIsRefused) {
  v1::LipSyncTask task;
  ASSERT_TRUE(Create(*replicas_[0], Keyed("reused"), &task).ok());
  v1::LipSyncTask other;
  const grpc::Status refused =
      Create(*replicas_[1], Keyed("reused", 2000), &other);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(refused.error_message(), ::testing::HasSubstr("already used"));
  EXPECT_EQ(SimCreates(), 1);
}

TEST_F(SharedIdempotencyTest, RedisDownKeyedCreatesStillWorkAndServing) {
  redis_->Kill();
  for (int i = 0; i < kReplicas; ++i) {
    v1::LipSyncTask first;
    const std::string key = absl::StrCat("down-", i);
    const grpc::Status created = Create(*replicas_[i], Keyed(key), &first);
    ASSERT_TRUE(created.ok()) << created.error_message();
    // The local record still answers a retry on the same replica.
    v1::LipSyncTask again;
    ASSERT_TRUE(Create(*replicas_[i], Keyed(key), &again).ok());
    EXPECT_EQ(again.task_id(), first.task_id());
    EXPECT_TRUE(Serving(*replicas_[i]));
  }
  EXPECT_EQ(SimCreates(), kReplicas);
}

}  // namespace
}  // namespace lipsync::testing
