// Shared watches against a real redis-server: two hubs ("replicas") with
// their own Redis clients, upstreams and FakeSchedulers watch one task. Only
// the lease owner polls; the other learns each status from Redis, takes the
// lease over when it is free, and polls for itself when Redis is gone.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "service/sharedstate/redis_subscriber.h"
#include "service/workflow/shared_task_watches.h"
#include "service/workflow/task_watch_hub.h"
#include "tests/support/fake_scheduler.h"
#include "tests/support/mock_upstream_client.h"
#include "tests/support/recording_task_watcher.h"
#include "tests/support/redis_server.h"

namespace lipsync::workflow {
namespace {

using ::lipsync::testing::RedisServer;
using ::lipsync::testing_util::FakeScheduler;
using ::lipsync::testing_util::MockUpstreamClient;
using ::lipsync::testing_util::RecordingTaskWatcher;
using ::testing::NiceMock;

v1::LipSyncTask Task(v1::TaskStatus status) {
  v1::LipSyncTask task;
  task.set_task_id("825");
  task.set_task_status(status);
  return task;
}

v1::WatchLipSyncTaskRequest ByTaskId() {
  v1::WatchLipSyncTaskRequest request;
  request.set_task_id("825");
  return request;
}

// Polls `done` in real time (Redis replies arrive on the client's thread).
bool Eventually(const std::function<bool()>& done) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!done()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return true;
}

TEST(WatchedTaskCodecTest, RoundTrips) {
  v1::LipSyncTask task = Task(v1::TASK_STATUS_SUCCEED);
  task.set_task_status_msg("done");
  absl::StatusOr<v1::LipSyncTask> decoded =
      DecodeWatchedTask(EncodeWatchedTask(task));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->SerializeAsString(), task.SerializeAsString());
}

TEST(WatchedTaskCodecTest, RefusesOtherVersionsAndGarbage) {
  const std::string bytes = Task(v1::TASK_STATUS_SUCCEED).SerializeAsString();
  EXPECT_EQ(DecodeWatchedTask("v2;" + bytes).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeWatchedTask("").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeWatchedTask("v1;\xff\xff\xff").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeWatchedTask(std::string(2 << 20, 'x')).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// One replica: its own Redis client, upstream, clock and hub.
struct Replica {
  Replica(const std::string& url, const std::string& owner,
          bool subscribe = false) {
    sharedstate::RedisClientOptions redis_options;
    redis_options.endpoint = sharedstate::ParseRedisUrl(url).value();
    redis_options.op_timeout = absl::Milliseconds(500);
    redis_options.backoff_max = absl::Milliseconds(200);
    redis = std::make_unique<sharedstate::RedisClient>(redis_options);
    SharedWatchOptions options;
    options.key_prefix = "t:";
    options.owner_id = owner;
    options.lease_ttl = absl::Seconds(30);
    options.follow_interval = absl::Seconds(1);
    options.on_local_fallback = [this] { ++fallbacks_reported; };
    shared = std::make_shared<SharedTaskWatches>(redis.get(), options);
    if (subscribe) {
      subscriber = std::make_unique<sharedstate::RedisSubscriber>(
          redis_options, [shared = shared.get()](const std::string& channel,
                                                 std::string message) {
            shared->OnMessage(channel, std::move(message));
          });
      shared->SetSubscribeFunction(
          [subscriber = subscriber.get()](bool on, std::string channel) {
            if (on) {
              subscriber->Subscribe(std::move(channel));
            } else {
              subscriber->Unsubscribe(std::move(channel));
            }
          });
    }
    ON_CALL(*upstream, GetLipSyncTask)
        .WillByDefault(
            [this](std::shared_ptr<CallContext>,
                   const v1::GetLipSyncTaskRequest&,
                   upstream::UpstreamCallback<v1::LipSyncTask> done) {
              v1::TaskStatus answer;
              {
                absl::MutexLock lock(&mu);
                answer = status;
              }
              done(Task(answer));
            });
    hub = std::make_shared<TaskWatchHub>(
        upstream, &scheduler, WatchPollOptions{}, [] { return 0.5; }, shared);
  }
  // The Redis client stops before `shared` goes: its last callbacks use it.
  ~Replica() {
    hub->Shutdown();
    subscriber.reset();
    redis.reset();
  }

  void Answer(v1::TaskStatus s) {
    absl::MutexLock lock(&mu);
    status = s;
  }
  std::shared_ptr<RecordingTaskWatcher> Watch() {
    auto watcher = std::make_shared<RecordingTaskWatcher>();
    hub->Watch(ByTaskId(), watcher);
    return watcher;
  }
  // Moves the clock one step at a time until `done` (each step waits a
  // little for the Redis replies its timers asked for).
  bool AdvanceUntil(absl::Duration step, const std::function<bool()>& done,
                    int steps = 100) {
    for (int i = 0; i < steps; ++i) {
      if (done()) return true;
      scheduler.AdvanceBy(step);
      const absl::Time until = absl::Now() + absl::Milliseconds(50);
      while (!done() && absl::Now() < until) {
        absl::SleepFor(absl::Milliseconds(1));
      }
    }
    return done();
  }

  std::unique_ptr<sharedstate::RedisClient> redis;
  std::atomic<int> fallbacks_reported{0};
  std::shared_ptr<SharedTaskWatches> shared;
  std::unique_ptr<sharedstate::RedisSubscriber> subscriber;
  std::shared_ptr<NiceMock<MockUpstreamClient>> upstream =
      std::make_shared<NiceMock<MockUpstreamClient>>();
  FakeScheduler scheduler;
  std::shared_ptr<TaskWatchHub> hub;
  absl::Mutex mu;
  v1::TaskStatus status ABSL_GUARDED_BY(mu) = v1::TASK_STATUS_PROCESSING;
};

bool Has(const RecordingTaskWatcher& watcher, v1::TaskStatus status) {
  for (v1::TaskStatus s : watcher.statuses()) {
    if (s == status) return true;
  }
  return false;
}

class SharedTaskWatchesRedisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start().ok());
    a_ = std::make_unique<Replica>(server_.unix_url(), "replica-a");
    b_ = std::make_unique<Replica>(server_.unix_url(), "replica-b");
    ASSERT_TRUE(Eventually([&] { return a_->redis->up() && b_->redis->up(); }));
  }
  void TearDown() override {
    b_.reset();
    a_.reset();
  }

  std::string LeaseHolder() {
    return server_.Run({"GET", "t:watch:task:825"}).value();
  }

  RedisServer server_;
  std::unique_ptr<Replica> a_;
  std::unique_ptr<Replica> b_;
};

TEST_F(SharedTaskWatchesRedisTest, OnlyTheLeaseOwnerPollsAndOthersFollow) {
  auto first = a_->Watch();
  ASSERT_TRUE(
      Eventually([&] { return Has(*first, v1::TASK_STATUS_PROCESSING); }));
  EXPECT_EQ(LeaseHolder(), "replica-a");
  // The status is stored before the late joiner on B looks.
  ASSERT_TRUE(Eventually([&] {
    return server_.Run({"EXISTS", "t:task:task:825"}).value() == "(integer) 1";
  }));
  auto second = b_->Watch();
  ASSERT_TRUE(
      Eventually([&] { return Has(*second, v1::TASK_STATUS_PROCESSING); }));
  // B follows for a while (its lease attempts refused): A alone polls.
  EXPECT_FALSE(b_->AdvanceUntil(
      absl::Seconds(1), [&] { return b_->hub->polls_started() > 0; },
      /*steps=*/5));

  // Both ask the same upstream: a lease freed by the finished owner may be
  // taken by B before it reads the final status, and B then polls once.
  a_->Answer(v1::TASK_STATUS_SUCCEED);
  b_->Answer(v1::TASK_STATUS_SUCCEED);
  ASSERT_TRUE(a_->AdvanceUntil(
      absl::Seconds(1), [&] { return Has(*first, v1::TASK_STATUS_SUCCEED); }));
  ASSERT_TRUE(b_->AdvanceUntil(
      absl::Seconds(1), [&] { return Has(*second, v1::TASK_STATUS_SUCCEED); }));
  EXPECT_LE(b_->hub->polls_started(), 1u);
  EXPECT_EQ(b_->hub->active_pollers(), 0u);
  // The finished owner freed the lease.
  EXPECT_TRUE(Eventually([&] { return LeaseHolder() == "(nil)"; }));
}

TEST_F(SharedTaskWatchesRedisTest, FollowersHearEachChangeAtOnceOnTheChannel) {
  b_.reset();
  b_ = std::make_unique<Replica>(server_.unix_url(), "replica-b",
                                 /*subscribe=*/true);
  ASSERT_TRUE(Eventually([&] { return b_->redis->up(); }));
  auto first = a_->Watch();
  ASSERT_TRUE(
      Eventually([&] { return Has(*first, v1::TASK_STATUS_PROCESSING); }));
  auto second = b_->Watch();
  ASSERT_TRUE(
      Eventually([&] { return Has(*second, v1::TASK_STATUS_PROCESSING); }));
  // B has subscribed once a message reaches one receiver (this one is not a
  // task: dropped with a log line).
  ASSERT_TRUE(Eventually([&] {
    return server_.Run({"PUBLISH", "t:task:task:825", "garbage"}).value() ==
           "(integer) 1";
  }));

  a_->Answer(v1::TASK_STATUS_SUCCEED);
  ASSERT_TRUE(a_->AdvanceUntil(
      absl::Seconds(1), [&] { return Has(*first, v1::TASK_STATUS_SUCCEED); }));
  // B's clock stands still: the change came through the channel.
  EXPECT_TRUE(
      Eventually([&] { return Has(*second, v1::TASK_STATUS_SUCCEED); }));
  EXPECT_EQ(b_->hub->polls_started(), 0u);
  EXPECT_EQ(b_->hub->active_pollers(), 0u);
}

TEST_F(SharedTaskWatchesRedisTest, AnotherReplicaTakesOverAFreeLease) {
  auto first = a_->Watch();
  ASSERT_TRUE(
      Eventually([&] { return Has(*first, v1::TASK_STATUS_PROCESSING); }));
  auto second = b_->Watch();
  ASSERT_TRUE(
      Eventually([&] { return Has(*second, v1::TASK_STATUS_PROCESSING); }));
  EXPECT_EQ(b_->hub->polls_started(), 0u);

  // The owner dies: its lease expires (deleted here, as the TTL would), and
  // the replica is gone.
  server_.Run({"DEL", "t:watch:task:825"}).IgnoreError();
  a_.reset();
  b_->Answer(v1::TASK_STATUS_SUCCEED);
  ASSERT_TRUE(b_->AdvanceUntil(
      absl::Seconds(1), [&] { return Has(*second, v1::TASK_STATUS_SUCCEED); }));
  EXPECT_GE(b_->hub->polls_started(), 1u);
}

TEST_F(SharedTaskWatchesRedisTest, TheLastWatcherLeavingHandsTheLeaseOver) {
  auto first = a_->Watch();
  ASSERT_TRUE(
      Eventually([&] { return Has(*first, v1::TASK_STATUS_PROCESSING); }));
  auto second = b_->Watch();
  ASSERT_TRUE(
      Eventually([&] { return Has(*second, v1::TASK_STATUS_PROCESSING); }));

  a_->hub->Unwatch(ByTaskId(), first.get());
  ASSERT_TRUE(Eventually([&] { return LeaseHolder() == "(nil)"; }));
  ASSERT_TRUE(b_->AdvanceUntil(absl::Seconds(1),
                               [&] { return b_->hub->polls_started() >= 1; }));
  EXPECT_EQ(LeaseHolder(), "replica-b");
}

TEST_F(SharedTaskWatchesRedisTest, RedisDownEachReplicaPollsForItsWatchers) {
  server_.Kill();
  ASSERT_TRUE(Eventually([&] { return !a_->redis->up() && !b_->redis->up(); }));
  a_->Answer(v1::TASK_STATUS_SUCCEED);
  b_->Answer(v1::TASK_STATUS_SUCCEED);
  auto first = a_->Watch();
  auto second = b_->Watch();
  EXPECT_TRUE(Eventually([&] { return Has(*first, v1::TASK_STATUS_SUCCEED); }));
  EXPECT_TRUE(
      Eventually([&] { return Has(*second, v1::TASK_STATUS_SUCCEED); }));
  EXPECT_GE(a_->shared->local_fallbacks(), 1u);
  EXPECT_GE(b_->shared->local_fallbacks(), 1u);
  EXPECT_EQ(a_->fallbacks_reported.load(),
            static_cast<int>(a_->shared->local_fallbacks()));
}

TEST_F(SharedTaskWatchesRedisTest, LeasesResumeWhenRedisReturns) {
  server_.Kill();
  ASSERT_TRUE(Eventually([&] { return !a_->redis->up(); }));
  auto first = a_->Watch();
  ASSERT_TRUE(
      Eventually([&] { return Has(*first, v1::TASK_STATUS_PROCESSING); }));
  ASSERT_TRUE(server_.Start().ok());
  ASSERT_TRUE(Eventually([&] { return a_->redis->up(); }));
  ASSERT_TRUE(a_->AdvanceUntil(absl::Seconds(1), [&] {
    return server_.Run({"GET", "t:watch:task:825"}).value() == "replica-a";
  }));
}

}  // namespace
}  // namespace lipsync::workflow
