// SharedSessions against a real redis-server: two "replicas" (two local
// caches, two clients) share sessions; unreadable or expired values and a
// dead Redis are misses or errors, never a crash.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "service/workflow/shared_sessions.h"
#include "tests/support/redis_server.h"
#include "tests/support/redis_test_client.h"
#include "tests/support/std_notification.h"

namespace lipsync::workflow {
namespace {

using ::lipsync::testing::RedisServer;
using Faces = std::vector<validation::KnownFace>;

using ::lipsync::testing_util::AwaitRedisUp;
using ::lipsync::testing_util::TestRedisClientOptions;

absl::StatusOr<std::optional<Faces>> Lookup(SharedSessions& sessions,
                                            const std::string& id) {
  ::lipsync::testing::StdNotification done;
  absl::StatusOr<std::optional<Faces>> result;
  sessions.Lookup(id, [&](absl::StatusOr<std::optional<Faces>> faces) {
    result = std::move(faces);
    done.Notify();
  });
  done.WaitForNotification();
  return result;
}

class SharedSessionsRedisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start().ok());
    for (int i = 0; i < 2; ++i) {
      clients_[i] = std::make_unique<sharedstate::RedisClient>(
          TestRedisClientOptions(server_.unix_url()));
      ASSERT_TRUE(AwaitRedisUp(*clients_[i]));
      local_[i] = std::make_shared<SessionCache>(SessionCacheOptions{});
      SharedSessionsOptions options;
      options.key_prefix = "t:";
      options.ttl = absl::Hours(1);
      replicas_[i] = std::make_unique<SharedSessions>(clients_[i].get(),
                                                      local_[i], options);
    }
  }

  RedisServer server_;
  std::unique_ptr<sharedstate::RedisClient> clients_[2];
  std::shared_ptr<SessionCache> local_[2];
  std::unique_ptr<SharedSessions> replicas_[2];
};

TEST_F(SharedSessionsRedisTest, AnotherReplicaFindsTheSessionAndCachesIt) {
  replicas_[0]->Remember("s-1", {{"f-1", 1000, 9000}, {"f-2", 0, 4000}});
  EXPECT_TRUE(local_[0]->Lookup("s-1").has_value());
  // The write is asynchronous: wait until Redis holds it.
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (server_.Run({"EXISTS", "t:session:s-1"}).value() != "(integer) 1" &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(2));
  }
  absl::StatusOr<std::string> pttl = server_.Run({"PTTL", "t:session:s-1"});
  ASSERT_TRUE(pttl.ok());
  EXPECT_NE(*pttl, "(integer) -1") << "no expiry";

  EXPECT_FALSE(local_[1]->Lookup("s-1").has_value());
  absl::StatusOr<std::optional<Faces>> faces = Lookup(*replicas_[1], "s-1");
  ASSERT_TRUE(faces.ok()) << faces.status();
  ASSERT_TRUE(faces->has_value());
  ASSERT_EQ((*faces)->size(), 2u);
  EXPECT_EQ((**faces)[0].face_id, "f-1");
  EXPECT_EQ((**faces)[0].start_time_ms, 1000);
  EXPECT_EQ((**faces)[1].end_time_ms, 4000);
  EXPECT_TRUE(local_[1]->Lookup("s-1").has_value());
}

TEST_F(SharedSessionsRedisTest, AbsentUnreadableAndExpiredValuesAreMisses) {
  absl::StatusOr<std::optional<Faces>> faces = Lookup(*replicas_[1], "none");
  ASSERT_TRUE(faces.ok()) << faces.status();
  EXPECT_FALSE(faces->has_value());

  ASSERT_TRUE(server_.Run({"SET", "t:session:junk", "v9;whatever"}).ok());
  faces = Lookup(*replicas_[1], "junk");
  ASSERT_TRUE(faces.ok()) << faces.status();
  EXPECT_FALSE(faces->has_value());

  ASSERT_TRUE(server_
                  .Run({"SET", "t:session:old",
                        EncodeStoredSession({{{"f", 0, 5000}},
                                             absl::Now() - absl::Seconds(1)})})
                  .ok());
  faces = Lookup(*replicas_[1], "old");
  ASSERT_TRUE(faces.ok()) << faces.status();
  EXPECT_FALSE(faces->has_value());
  EXPECT_FALSE(local_[1]->Lookup("old").has_value());

  // A value of another type under the key: an error, not a crash.
  ASSERT_TRUE(server_.Run({"RPUSH", "t:session:list", "x"}).ok());
  faces = Lookup(*replicas_[1], "list");
  EXPECT_EQ(faces.status().code(), absl::StatusCode::kInternal);
}

TEST_F(SharedSessionsRedisTest, RedisDownIsAnErrorAndIdentifyStillRemembers) {
  server_.Kill();
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (clients_[1]->up() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(2));
  }
  absl::StatusOr<std::optional<Faces>> faces = Lookup(*replicas_[1], "s-1");
  EXPECT_EQ(faces.status().code(), absl::StatusCode::kUnavailable);
  replicas_[0]->Remember("s-2", {{"f", 0, 5000}});
  EXPECT_TRUE(local_[0]->Lookup("s-2").has_value());
}

}  // namespace
}  // namespace lipsync::workflow
