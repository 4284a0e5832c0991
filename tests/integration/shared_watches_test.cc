// Three gateway replicas sharing one redis-server and one kling-sim: thirty
// watchers of one task, spread over the replicas, cost one poller's upstream
// reads; the polling replica's death hands the lease to another; a dead
// Redis leaves each replica polling for its own watchers.
#include <atomic>
#include <csignal>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/redis_server.h"
#include "tests/support/seed_requests.h"

namespace lipsync::testing {
namespace {

namespace v1 = ::kling::lipsync::v1;

constexpr char kLipSyncPath[] = "/v1/videos/advanced-lip-sync";
constexpr char kPrefix[] = "it-watch:";
constexpr int kReplicas = 3;

class SharedWatchesTest : public ::testing::Test {
 protected:
  // Replica 0 starts the sim (a task finishes `finish_after_ms` after its
  // creation); the others use it.
  // Every poll interval is 100 ms +-20%, so one poller makes at most
  // 2 + elapsed / 80 ms reads and three make about three times as many.
  void StartFleet(int finish_after_ms) {
    redis_ = std::make_unique<RedisServer>();
    ASSERT_TRUE(redis_->Start().ok());
    for (int i = 0; i < kReplicas; ++i) {
      HarnessOptions options;
      if (i == 0) {
        options.sim_args = {
            "--processing_after_ms=300",
            absl::StrCat("--finish_after_ms=", finish_after_ms)};
      } else {
        options.start_sim = false;
        options.upstream_base_url =
            absl::StrCat("http://127.0.0.1:", replicas_[0]->sim_port());
      }
      options.gateway_args = {
          "--redis_url=" + redis_->tcp_url(),
          std::string("--redis_key_prefix=") + kPrefix, "--redis_op_timeout=1s",
          "--watch_poll_initial=100ms", "--watch_poll_max=100ms"};
      replicas_[i] = std::make_unique<GatewayHarness>();
      absl::Status started = replicas_[i]->Start(options);
      ASSERT_TRUE(started.ok()) << started;
    }
  }

  void TearDown() override {
    for (int i = kReplicas - 1; i >= 0; --i) replicas_[i].reset();
    redis_.reset();
  }

  std::string CreateTask() {
    v1::LipSyncTask created;
    auto context = ContextWithTimeout(absl::Seconds(10));
    const grpc::Status status = replicas_[0]->stub().CreateLipSyncTask(
        context.get(), SeedRequest(), &created);
    EXPECT_TRUE(status.ok()) << status.error_message();
    replicas_[0]->ClearSimRequests();
    return created.task_id();
  }

  // Reads one watch to its end; true when it ended OK on SUCCEED.
  static bool WatchToSucceed(GatewayHarness& replica,
                             const std::string& task_id) {
    v1::WatchLipSyncTaskRequest request;
    request.set_task_id(task_id);
    auto context = ContextWithTimeout(absl::Seconds(40));
    auto reader = replica.stub().WatchLipSyncTask(context.get(), request);
    v1::LipSyncTask task;
    v1::TaskStatus last = v1::TASK_STATUS_UNSPECIFIED;
    while (reader->Read(&task)) last = task.task_status();
    return reader->Finish().ok() && last == v1::TASK_STATUS_SUCCEED;
  }

  int SimGetsOf(const std::string& task_id) {
    int n = 0;
    for (const auto& r :
         replicas_[0]->SimRequests(absl::StrCat(kLipSyncPath, "/", task_id))) {
      n += r["method"] == "GET";
    }
    return n;
  }

  std::string LeaseHolder(const std::string& task_id) {
    return redis_->Run({"GET", absl::StrCat(kPrefix, "watch:task:", task_id)})
        .value_or("");
  }

  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<GatewayHarness> replicas_[kReplicas];
};

TEST_F(SharedWatchesTest, ThirtyWatchersOnThreeReplicasCostOnePoller) {
  ASSERT_NO_FATAL_FAILURE(StartFleet(/*finish_after_ms=*/1500));
  const std::string task_id = CreateTask();
  std::atomic<int> succeeded{0};
  std::vector<std::thread> watchers;
  const absl::Time start = absl::Now();
  for (int i = 0; i < 30; ++i) {
    watchers.emplace_back([&, i] {
      if (WatchToSucceed(*replicas_[i % kReplicas], task_id)) ++succeeded;
    });
  }
  for (auto& t : watchers) t.join();
  const absl::Duration elapsed = absl::Now() - start;
  EXPECT_EQ(succeeded.load(), 30);
  // One poller: at most one poll per minimum interval (80 ms) plus the
  // first, plus two for a lease changing hands.
  const int polls = SimGetsOf(task_id);
  EXPECT_GE(polls, 1);
  EXPECT_LE(polls, 4 + static_cast<int>(elapsed / absl::Milliseconds(80)))
      << "elapsed " << elapsed;
}

TEST_F(SharedWatchesTest, AnotherReplicaTakesOverWhenThePollerDies) {
  ASSERT_NO_FATAL_FAILURE(StartFleet(/*finish_after_ms=*/3000));
  const std::string task_id = CreateTask();
  std::atomic<int> succeeded{0};
  // Replica 0's watcher comes first: replica 0 takes the lease.
  std::thread first([&] { WatchToSucceed(*replicas_[0], task_id); });
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (LeaseHolder(task_id) == "(nil)" && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  ASSERT_NE(LeaseHolder(task_id), "(nil)");
  std::vector<std::thread> watchers;
  for (int i = 0; i < 10; ++i) {
    watchers.emplace_back([&, i] {
      if (WatchToSucceed(*replicas_[1 + i % 2], task_id)) ++succeeded;
    });
  }
  replicas_[0]->KillGateway();
  first.join();
  for (auto& t : watchers) t.join();
  EXPECT_EQ(succeeded.load(), 10);
  // Through a takeover, not each replica polling on its own.
  for (int i = 1; i < kReplicas; ++i) {
    EXPECT_THAT(
        replicas_[i]->gateway().ReadLog(),
        ::testing::Not(::testing::HasSubstr("shared watches unavailable")));
  }
}

TEST_F(SharedWatchesTest, WithRedisDeadEachReplicaPollsForItsWatchers) {
  ASSERT_NO_FATAL_FAILURE(StartFleet(/*finish_after_ms=*/1500));
  const std::string task_id = CreateTask();
  redis_->Kill();
  std::atomic<int> succeeded{0};
  std::vector<std::thread> watchers;
  for (int i = 0; i < 9; ++i) {
    watchers.emplace_back([&, i] {
      if (WatchToSucceed(*replicas_[i % kReplicas], task_id)) ++succeeded;
    });
  }
  for (auto& t : watchers) t.join();
  EXPECT_EQ(succeeded.load(), 9);
  EXPECT_GE(SimGetsOf(task_id), 3);
  EXPECT_THAT(replicas_[1]->gateway().ReadLog(),
              ::testing::HasSubstr("shared watches unavailable"));
}

}  // namespace
}  // namespace lipsync::testing
