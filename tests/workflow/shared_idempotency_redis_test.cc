// Shared idempotency records against a real redis-server: the record codec,
// the lease (claim, wait, done, conflict, release, take-over), and two
// "replicas" (two clients, two IdempotentCreateClients) over one upstream
// fake that, like an upstream accepting a duplicate external_task_id, would
// make a second task if asked.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "service/resilience/timer_queue.h"
#include "service/workflow/idempotent_create_client.h"
#include "service/workflow/shared_idempotency.h"
#include "tests/support/redis_server.h"
#include "tests/support/redis_test_client.h"
#include "tests/support/std_notification.h"

namespace lipsync::workflow {
namespace {

using ::lipsync::testing::RedisServer;
using Claimed = SharedIdempotency::Claimed;
using Kind = SharedIdempotency::Claimed::Kind;

v1::LipSyncTask Task(const std::string& id) {
  v1::LipSyncTask task;
  task.set_task_id(id);
  return task;
}

TEST(IdempotencyRecordTest, RoundTripsBothStates) {
  IdempotencyRecord done;
  done.state = IdempotencyRecord::State::kDone;
  done.fingerprint = 18446744073709551615ULL;
  done.owner = "host/12/ab;c:d";
  done.lease_expires_at = absl::FromUnixMillis(123456789);
  done.task = Task("t-1");
  absl::StatusOr<IdempotencyRecord> back =
      DecodeIdempotencyRecord(EncodeIdempotencyRecord(done));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->state, IdempotencyRecord::State::kDone);
  EXPECT_EQ(back->fingerprint, done.fingerprint);
  EXPECT_EQ(back->owner, done.owner);
  EXPECT_EQ(back->lease_expires_at, done.lease_expires_at);
  EXPECT_EQ(back->task.task_id(), "t-1");

  IdempotencyRecord lease;
  lease.fingerprint = 7;
  lease.owner = "o";
  lease.lease_expires_at = absl::FromUnixMillis(99);
  back = DecodeIdempotencyRecord(EncodeIdempotencyRecord(lease));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->state, IdempotencyRecord::State::kInFlight);
  EXPECT_EQ(back->fingerprint, 7u);
  EXPECT_EQ(back->owner, "o");
}

TEST(IdempotencyRecordTest, AnythingElseIsUnreadable) {
  IdempotencyRecord done;
  done.state = IdempotencyRecord::State::kDone;
  done.owner = "o";
  done.task = Task("t");
  const std::string good = EncodeIdempotencyRecord(done);
  for (const std::string& bad :
       {std::string(), std::string("v2;d;1;2;1:o;0:;"), std::string("garbage"),
        good.substr(0, good.size() - 1), good + "x",
        std::string("v1;x;1;2;1:o;0:;"), std::string("v1;d;1;2;1:o;0:;"),
        std::string("v1;i;-1;2;1:o;0:;"), std::string("v1;i;1;2;99:o;0:;"),
        std::string("v1;d;1;2;1:o;3:\xff\xff\xff;")}) {
    absl::StatusOr<IdempotencyRecord> record = DecodeIdempotencyRecord(bad);
    EXPECT_EQ(record.status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

using ::lipsync::testing_util::AwaitRedisUp;
using ::lipsync::testing_util::TestRedisClientOptions;

// A claim's outcome, awaited by the test thread.
class ClaimWaiter {
 public:
  SharedIdempotency::ClaimCallback Callback() {
    return [this](Claimed claimed) {
      claimed_ = std::move(claimed);
      done_.Notify();
    };
  }
  Claimed Wait() {
    done_.WaitForNotification();
    return claimed_;
  }
  bool HasCompleted() { return done_.HasBeenNotified(); }

 private:
  ::lipsync::testing::StdNotification done_;
  Claimed claimed_;
};

// Thread-safe upstream: counts creates, holds them until released, and
// finds tasks by external_task_id (NOT_FOUND otherwise). It never refuses a
// duplicate external_task_id.
class CountingUpstream final : public upstream::UpstreamClient {
 public:
  void CreateLipSyncTask(
      std::shared_ptr<CallContext> call, const CreateRequest&,
      upstream::UpstreamCallback<v1::LipSyncTask> done) override {
    absl::MutexLock lock(&mu_);
    ++creates_;
    const std::string id = "task-" + std::to_string(creates_);
    v1::LipSyncTask task;
    task.set_task_id(id);
    by_external_[call->upstream_external_task_id()] = task;
    held_.push_back([done = std::move(done), task] { done(task); });
  }
  void GetLipSyncTask(
      std::shared_ptr<CallContext>, const v1::GetLipSyncTaskRequest& request,
      upstream::UpstreamCallback<v1::LipSyncTask> done) override {
    std::optional<v1::LipSyncTask> found;
    {
      absl::MutexLock lock(&mu_);
      ++gets_;
      auto it = by_external_.find(request.external_task_id());
      if (it != by_external_.end()) found = it->second;
    }
    if (found.has_value()) return done(*found);
    done(absl::NotFoundError("no such task"));
  }
  void IdentifyFace(
      std::shared_ptr<CallContext>, const v1::IdentifyFaceRequest&,
      upstream::UpstreamCallback<v1::IdentifyFaceResponse> done) override {
    done(absl::UnimplementedError("not used"));
  }
  void ListLipSyncTasks(
      std::shared_ptr<CallContext>, const v1::ListLipSyncTasksRequest&,
      upstream::UpstreamCallback<v1::ListLipSyncTasksResponse> done) override {
    done(absl::UnimplementedError("not used"));
  }

  // Answers every held create.
  void ReleaseAll() {
    std::vector<std::function<void()>> held;
    {
      absl::MutexLock lock(&mu_);
      held.swap(held_);
    }
    for (auto& answer : held) answer();
  }
  // A task made upstream by an owner that died before storing it.
  void Seed(const std::string& external_id, v1::LipSyncTask task) {
    absl::MutexLock lock(&mu_);
    by_external_[external_id] = std::move(task);
  }
  int creates() {
    absl::MutexLock lock(&mu_);
    return creates_;
  }
  int held() {
    absl::MutexLock lock(&mu_);
    return static_cast<int>(held_.size());
  }
  int gets() {
    absl::MutexLock lock(&mu_);
    return gets_;
  }

 private:
  absl::Mutex mu_;
  int creates_ ABSL_GUARDED_BY(mu_) = 0;
  int gets_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, v1::LipSyncTask> by_external_ ABSL_GUARDED_BY(mu_);
  std::vector<std::function<void()>> held_ ABSL_GUARDED_BY(mu_);
};

v1::CreateLipSyncTaskRequest Request(const std::string& key,
                                     const std::string& face = "f") {
  v1::CreateLipSyncTaskRequest r;
  r.set_session_id("s");
  r.set_request_id(key);
  auto* f = r.add_face_choose();
  f->set_face_id(face);
  f->set_audio_id("a");
  f->set_sound_start_time(0);
  f->set_sound_end_time(3000);
  return r;
}

// Collects one create's answer.
class Answer {
 public:
  upstream::UpstreamCallback<v1::LipSyncTask> Callback() {
    return [this](absl::StatusOr<v1::LipSyncTask> result) {
      result_ = std::move(result);
      done_.Notify();
    };
  }
  absl::StatusOr<v1::LipSyncTask> Wait() {
    done_.WaitForNotification();
    return result_;
  }

 private:
  ::lipsync::testing::StdNotification done_;
  absl::StatusOr<v1::LipSyncTask> result_;
};

template <typename F>
bool Eventually(F condition) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!condition()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(2));
  }
  return true;
}

class SharedIdempotencyRedisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start().ok());
    for (int i = 0; i < 2; ++i) {
      clients_[i] = std::make_unique<sharedstate::RedisClient>(
          TestRedisClientOptions(server_.unix_url()));
      ASSERT_TRUE(AwaitRedisUp(*clients_[i]));
      SharedIdempotencyOptions options;
      options.key_prefix = "t:";
      options.ttl = absl::Hours(1);
      options.lease_margin = absl::Milliseconds(100);
      shared_[i] = std::make_shared<SharedIdempotency>(
          clients_[i].get(), &timers_, options, "replica-" + std::to_string(i));
      replicas_[i] = std::make_unique<IdempotentCreateClient>(
          upstream_, IdempotencyOptions{}, [] { return absl::Now(); },
          shared_[i]);
    }
  }

  std::shared_ptr<CallContext> Call(absl::Duration budget = absl::Seconds(20),
                                    const std::string& caller = "") {
    auto call = std::make_shared<CallContext>(absl::Now() + budget);
    if (!caller.empty()) call->SetCaller(caller);
    return call;
  }

  RedisServer server_;
  resilience::TimerQueue timers_;
  std::unique_ptr<sharedstate::RedisClient> clients_[2];
  std::shared_ptr<SharedIdempotency> shared_[2];
  std::shared_ptr<CountingUpstream> upstream_ =
      std::make_shared<CountingUpstream>();
  std::unique_ptr<IdempotentCreateClient> replicas_[2];
};

TEST_F(SharedIdempotencyRedisTest, FirstClaimOwnsOthersWaitForTheOutcome) {
  const std::string key = shared_[0]->KeyOf("", "k");
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  ClaimWaiter first;
  shared_[0]->Claim(key, 7, deadline, first.Callback());
  const Claimed owned = first.Wait();
  ASSERT_EQ(owned.kind, Kind::kOwned);
  EXPECT_FALSE(owned.took_over);
  // The lease lives until the owner's deadline plus the margin.
  const absl::StatusOr<std::string> pttl = server_.Run({"PTTL", key});
  ASSERT_TRUE(pttl.ok());
  EXPECT_NE(*pttl, "(integer) -1");

  ClaimWaiter second;
  shared_[1]->Claim(key, 7, deadline, second.Callback());
  ClaimWaiter conflict;
  shared_[1]->Claim(key, 8, deadline, conflict.Callback());
  EXPECT_EQ(conflict.Wait().kind, Kind::kConflict);
  EXPECT_FALSE(second.HasCompleted());

  const v1::LipSyncTask task = Task("t-1");
  shared_[0]->Finish(key, owned.lease, 7, &task);
  const Claimed done = second.Wait();
  ASSERT_EQ(done.kind, Kind::kDone);
  EXPECT_EQ(done.task.task_id(), "t-1");
  // The outcome is kept for the TTL, not the lease.
  const absl::StatusOr<std::string> ttl = server_.Run({"TTL", key});
  ASSERT_TRUE(ttl.ok());
  EXPECT_GT(std::stoll(ttl->substr(std::string("(integer) ").size())), 3000);
}

TEST_F(SharedIdempotencyRedisTest, AnUnboundedDeadlineGetsABoundedLease) {
  const std::string key = shared_[0]->KeyOf("", "k");
  ClaimWaiter claim;
  shared_[0]->Claim(key, 7, absl::InfiniteFuture(), claim.Callback());
  EXPECT_EQ(claim.Wait().kind, Kind::kOwned);
  const absl::StatusOr<std::string> ttl = server_.Run({"TTL", key});
  ASSERT_TRUE(ttl.ok());
  const int64_t seconds =
      std::stoll(ttl->substr(std::string("(integer) ").size()));
  EXPECT_GT(seconds, 0);
  EXPECT_LE(seconds, 3602);
}

TEST_F(SharedIdempotencyRedisTest, ASlowSetIsAskedAgainAndFoundToBeOurs) {
  sharedstate::RedisClientOptions options =
      TestRedisClientOptions(server_.unix_url());
  options.op_timeout = absl::Milliseconds(20);
  sharedstate::RedisClient slow_client(options);
  ASSERT_TRUE(AwaitRedisUp(slow_client));
  SharedIdempotencyOptions idempotency;
  idempotency.key_prefix = "t:";
  SharedIdempotency slow(&slow_client, &timers_, idempotency, "slow");
  const std::string key = slow.KeyOf("", "k");
  // Writes wait, so the SET outlives its budget, then takes effect.
  ASSERT_TRUE(server_.Run({"CLIENT", "PAUSE", "50", "WRITE"}).ok());
  ClaimWaiter claim;
  slow.Claim(key, 7, absl::Now() + absl::Seconds(20), claim.Callback());
  const Claimed claimed = claim.Wait();
  // Never mistaken for another owner's lease (which would be waited on).
  ASSERT_TRUE(claimed.kind == Kind::kOwned || claimed.kind == Kind::kUnknown)
      << static_cast<int>(claimed.kind);
  if (claimed.kind == Kind::kOwned) {
    EXPECT_EQ(server_.Run({"GET", key}).value(), claimed.lease);
  }
}

TEST_F(SharedIdempotencyRedisTest, AFailedCreateReleasesAndTheWaiterTakesOver) {
  const std::string key = shared_[0]->KeyOf("", "k");
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  ClaimWaiter first;
  shared_[0]->Claim(key, 7, deadline, first.Callback());
  const Claimed owned = first.Wait();
  ASSERT_EQ(owned.kind, Kind::kOwned);
  ClaimWaiter second;
  shared_[1]->Claim(key, 7, deadline, second.Callback());
  // Commands on one connection are answered in order: once this probe is,
  // the second claim has seen the lease.
  ClaimWaiter probe;
  shared_[1]->Claim(shared_[1]->KeyOf("", "probe"), 1, deadline,
                    probe.Callback());
  probe.Wait();
  shared_[0]->Finish(key, owned.lease, 7, nullptr);
  const Claimed next = second.Wait();
  EXPECT_EQ(next.kind, Kind::kOwned);
  EXPECT_TRUE(next.took_over);
}

TEST_F(SharedIdempotencyRedisTest, ReleaseLeavesAnotherOwnersLease) {
  const std::string key = shared_[0]->KeyOf("", "k");
  ClaimWaiter first;
  shared_[0]->Claim(key, 7, absl::Now() + absl::Seconds(20), first.Callback());
  const Claimed owned = first.Wait();
  ASSERT_EQ(owned.kind, Kind::kOwned);
  ASSERT_TRUE(server_.Run({"SET", key, "someone else's lease"}).ok());
  shared_[0]->Finish(key, owned.lease, 7, nullptr);
  // Finish is asynchronous: a later command on the same connection runs
  // after it.
  ClaimWaiter probe;
  shared_[0]->Claim(shared_[0]->KeyOf("", "probe"), 1,
                    absl::Now() + absl::Seconds(20), probe.Callback());
  probe.Wait();
  EXPECT_EQ(server_.Run({"GET", key}).value(), "someone else's lease");
}

TEST_F(SharedIdempotencyRedisTest, WaitingEndsAtTheCallersDeadline) {
  const std::string key = shared_[0]->KeyOf("", "k");
  ClaimWaiter first;
  shared_[0]->Claim(key, 7, absl::Now() + absl::Seconds(20), first.Callback());
  ASSERT_EQ(first.Wait().kind, Kind::kOwned);
  ClaimWaiter second;
  shared_[1]->Claim(key, 7, absl::Now() + absl::Milliseconds(50),
                    second.Callback());
  EXPECT_EQ(second.Wait().kind, Kind::kWaitTimedOut);
}

TEST_F(SharedIdempotencyRedisTest, GarbageAndAnOutageMeanGoOnWithout) {
  const std::string key = shared_[0]->KeyOf("", "k");
  ASSERT_TRUE(server_.Run({"SET", key, "not a record"}).ok());
  ClaimWaiter garbage;
  shared_[0]->Claim(key, 7, absl::Now() + absl::Seconds(20),
                    garbage.Callback());
  EXPECT_EQ(garbage.Wait().kind, Kind::kUnavailable);
  server_.Kill();
  ASSERT_TRUE(Eventually([&] { return !clients_[0]->up(); }));
  ClaimWaiter down;
  shared_[0]->Claim(shared_[0]->KeyOf("", "k2"), 7,
                    absl::Now() + absl::Seconds(20), down.Callback());
  EXPECT_EQ(down.Wait().kind, Kind::kUnavailable);
}

TEST_F(SharedIdempotencyRedisTest, KeysAreScopedByCaller) {
  EXPECT_NE(shared_[0]->KeyOf("alice", "k"), shared_[0]->KeyOf("bob", "k"));
  EXPECT_NE(shared_[0]->KeyOf("a:b", "c"), shared_[0]->KeyOf("a", "b:c"));
  EXPECT_EQ(shared_[0]->KeyOf("", "k"), "t:idem:1:-:k");
}

TEST_F(SharedIdempotencyRedisTest, SameKeyOnTwoReplicasMakesOneTask) {
  const v1::CreateLipSyncTaskRequest request = Request("k");
  Answer answers[4];
  for (int i = 0; i < 4; ++i) {
    replicas_[i % 2]->CreateLipSyncTask(Call(), request, answers[i].Callback());
  }
  ASSERT_TRUE(Eventually([&] { return upstream_->held() == 1; }));
  upstream_->ReleaseAll();
  for (Answer& answer : answers) {
    absl::StatusOr<v1::LipSyncTask> task = answer.Wait();
    ASSERT_TRUE(task.ok()) << task.status();
    EXPECT_EQ(task->task_id(), "task-1");
  }
  EXPECT_EQ(upstream_->creates(), 1);
  // Later, on either replica: the stored outcome, no create.
  Answer later;
  replicas_[1]->CreateLipSyncTask(Call(), request, later.Callback());
  EXPECT_EQ(later.Wait()->task_id(), "task-1");
  EXPECT_EQ(upstream_->creates(), 1);
}

TEST_F(SharedIdempotencyRedisTest, AnotherBodyOnAnotherReplicaIsRefused) {
  Answer first;
  replicas_[0]->CreateLipSyncTask(Call(), Request("k"), first.Callback());
  ASSERT_TRUE(Eventually([&] { return upstream_->held() == 1; }));
  upstream_->ReleaseAll();
  ASSERT_TRUE(first.Wait().ok());
  Answer other;
  replicas_[1]->CreateLipSyncTask(Call(), Request("k", "another-face"),
                                  other.Callback());
  EXPECT_EQ(other.Wait().status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(upstream_->creates(), 1);
}

TEST_F(SharedIdempotencyRedisTest,
       ExpiredLeaseIsResolvedUpstreamBeforeAnyPost) {
  // An owner that created the task upstream, then died holding a lease
  // that expires shortly.
  const std::string key = shared_[0]->KeyOf("", "k");
  const v1::CreateLipSyncTaskRequest request = Request("k");
  IdempotencyRecord lease;
  lease.fingerprint = StableCreateRequestFingerprint(request);
  lease.owner = "dead-replica";
  lease.lease_expires_at = absl::Now() + absl::Milliseconds(300);
  ASSERT_TRUE(
      server_.Run({"SET", key, EncodeIdempotencyRecord(lease), "PX", "300"})
          .ok());
  v1::LipSyncTask made = Task("made-by-the-dead-owner");
  upstream_->Seed("k", made);
  Answer retry;
  replicas_[1]->CreateLipSyncTask(Call(), request, retry.Callback());
  absl::StatusOr<v1::LipSyncTask> task = retry.Wait();
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ(task->task_id(), "made-by-the-dead-owner");
  EXPECT_EQ(upstream_->creates(), 0);
  EXPECT_GE(upstream_->gets(), 1);
}

TEST_F(SharedIdempotencyRedisTest, ExpiredLeaseWithNoTaskUpstreamCreates) {
  const std::string key = shared_[0]->KeyOf("", "k");
  const v1::CreateLipSyncTaskRequest request = Request("k");
  IdempotencyRecord lease;
  lease.fingerprint = StableCreateRequestFingerprint(request);
  lease.owner = "dead-replica";
  ASSERT_TRUE(
      server_.Run({"SET", key, EncodeIdempotencyRecord(lease), "PX", "200"})
          .ok());
  Answer retry;
  replicas_[1]->CreateLipSyncTask(Call(), request, retry.Callback());
  ASSERT_TRUE(Eventually([&] { return upstream_->held() == 1; }));
  upstream_->ReleaseAll();
  EXPECT_EQ(retry.Wait()->task_id(), "task-1");
  EXPECT_EQ(upstream_->gets(), 1);
}

TEST_F(SharedIdempotencyRedisTest, CallersDoNotShareKeys) {
  Answer alice;
  replicas_[0]->CreateLipSyncTask(Call(absl::Seconds(20), "alice"),
                                  Request("k"), alice.Callback());
  ASSERT_TRUE(Eventually([&] { return upstream_->held() == 1; }));
  upstream_->ReleaseAll();
  ASSERT_TRUE(alice.Wait().ok());
  Answer bob;
  replicas_[1]->CreateLipSyncTask(Call(absl::Seconds(20), "bob"),
                                  Request("k", "another-face"), bob.Callback());
  ASSERT_TRUE(Eventually([&] { return upstream_->held() == 1; }));
  upstream_->ReleaseAll();
  absl::StatusOr<v1::LipSyncTask> task = bob.Wait();
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ(task->task_id(), "task-2");
}

TEST_F(SharedIdempotencyRedisTest, RedisDownFallsBackToTheLocalPath) {
  server_.Kill();
  ASSERT_TRUE(Eventually([&] { return !clients_[0]->up(); }));
  const v1::CreateLipSyncTaskRequest request = Request("k");
  Answer answers[2];
  for (Answer& answer : answers) {
    replicas_[0]->CreateLipSyncTask(Call(), request, answer.Callback());
  }
  ASSERT_TRUE(Eventually([&] { return upstream_->held() == 1; }));
  upstream_->ReleaseAll();
  for (Answer& answer : answers) EXPECT_EQ(answer.Wait()->task_id(), "task-1");
}

TEST(StableFingerprintTest, DependsOnTheBodyNotTheKeyNorTheAudioChunks) {
  v1::CreateLipSyncTaskRequest a = Request("k1");
  v1::CreateLipSyncTaskRequest b = Request("k2");
  EXPECT_EQ(StableCreateRequestFingerprint(a),
            StableCreateRequestFingerprint(b));
  EXPECT_NE(StableCreateRequestFingerprint(a),
            StableCreateRequestFingerprint(Request("k1", "g")));
  std::string audio(200000, 'x');
  audio[150000] = 'y';
  absl::Cord whole(audio);
  absl::Cord pieces;
  pieces.Append(audio.substr(0, 7));
  pieces.Append(audio.substr(7, 70000));
  pieces.Append(audio.substr(70007));
  a.mutable_face_choose(0)->clear_audio_id();
  const CreateRequest one(a, {whole});
  const CreateRequest many(a, {pieces});
  EXPECT_EQ(StableCreateRequestFingerprint(one),
            StableCreateRequestFingerprint(many));
  audio[150000] = 'z';
  const CreateRequest other(a, {absl::Cord(audio)});
  EXPECT_NE(StableCreateRequestFingerprint(one),
            StableCreateRequestFingerprint(other));
}

}  // namespace
}  // namespace lipsync::workflow
