// RedisClient against a real redis-server started by the test.
#include "service/sharedstate/redis_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "tests/support/redis_server.h"
#include "tests/support/std_notification.h"

namespace lipsync::sharedstate {
namespace {

using ::lipsync::testing::RedisServer;
using ::testing::ElementsAre;

RedisClientOptions OptionsFor(const std::string& url) {
  RedisClientOptions options;
  absl::StatusOr<RedisEndpoint> endpoint = ParseRedisUrl(url);
  EXPECT_TRUE(endpoint.ok()) << endpoint.status();
  if (endpoint.ok()) options.endpoint = *endpoint;
  options.op_timeout = absl::Milliseconds(200);
  options.backoff_initial = absl::Milliseconds(20);
  options.backoff_max = absl::Milliseconds(100);
  return options;
}

bool WaitUntil(const std::function<bool()>& condition,
               absl::Duration timeout = absl::Seconds(10)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!condition()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(2));
  }
  return true;
}

absl::StatusOr<std::optional<std::string>> Get(RedisClient& client,
                                               const std::string& key) {
  ::lipsync::testing::StdNotification done;
  absl::StatusOr<std::optional<std::string>> result;
  client.Get(key, [&](absl::StatusOr<std::optional<std::string>> value) {
    result = std::move(value);
    done.Notify();
  });
  done.WaitForNotification();
  return result;
}

absl::Status SetPx(RedisClient& client, const std::string& key,
                   const std::string& value, absl::Duration ttl) {
  ::lipsync::testing::StdNotification done;
  absl::Status result;
  client.SetPx(key, value, ttl, [&](absl::Status status) {
    result = std::move(status);
    done.Notify();
  });
  done.WaitForNotification();
  return result;
}

class RecordingObserver final : public RedisClientObserver {
 public:
  void OnAvailability(bool up) override {
    absl::MutexLock lock(&mu_);
    transitions_.push_back(up);
  }
  void OnOperation(absl::string_view op, absl::StatusCode code,
                   absl::Duration) override {
    absl::MutexLock lock(&mu_);
    operations_.push_back(
        absl::StrCat(op, ":", absl::StatusCodeToString(code)));
  }
  std::vector<bool> transitions() {
    absl::MutexLock lock(&mu_);
    return transitions_;
  }
  std::vector<std::string> operations() {
    absl::MutexLock lock(&mu_);
    return operations_;
  }

 private:
  absl::Mutex mu_;
  std::vector<bool> transitions_;
  std::vector<std::string> operations_;
};

TEST(RedisClientTest, SetsWithExpiryAndGetsOverTcp) {
  RedisServer server;
  ASSERT_TRUE(server.Start().ok());
  RedisClient client(OptionsFor(server.tcp_url()));
  ASSERT_TRUE(WaitUntil([&] { return client.up(); }));

  ASSERT_TRUE(
      SetPx(client, "k", std::string("v\0x", 3), absl::Seconds(30)).ok());
  absl::StatusOr<std::optional<std::string>> value = Get(client, "k");
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ(*value, std::optional<std::string>(std::string("v\0x", 3)));
  absl::StatusOr<std::string> pttl = server.Run({"PTTL", "k"});
  ASSERT_TRUE(pttl.ok());
  int64_t ms = 0;
  ASSERT_TRUE(absl::SimpleAtoi(pttl->substr(10), &ms)) << *pttl;
  EXPECT_GT(ms, 29000);
  EXPECT_LE(ms, 30000);

  value = Get(client, "absent");
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_FALSE(value->has_value());
}

TEST(RedisClientTest, SelectsTheDatabaseOverAUnixSocket) {
  RedisServer server;
  ASSERT_TRUE(server.Start().ok());
  RedisClient client(OptionsFor(server.unix_url() + "?db=2"));
  ASSERT_TRUE(WaitUntil([&] { return client.up(); }));
  ASSERT_TRUE(SetPx(client, "in-db-2", "x", absl::Seconds(5)).ok());
  EXPECT_EQ(Get(client, "in-db-2").value(), std::optional<std::string>("x"));
  // The test's own connection is on db 0.
  EXPECT_EQ(server.Run({"GET", "in-db-2"}).value(), "(nil)");
}

TEST(RedisClientTest, AuthenticatesWithThePassword) {
  RedisServer server("pw-for-the-test");
  ASSERT_TRUE(server.Start().ok());
  RedisClientOptions options = OptionsFor(server.tcp_url());
  options.password = "pw-for-the-test";
  RedisClient client(options);
  ASSERT_TRUE(WaitUntil([&] { return client.up(); }));
  EXPECT_TRUE(SetPx(client, "a", "b", absl::Seconds(5)).ok());
  EXPECT_EQ(server.Run({"GET", "a"}).value(), "b");
}

TEST(RedisClientTest, WrongPasswordStaysDownAndFailsFast) {
  RedisServer server("right-password");
  ASSERT_TRUE(server.Start().ok());
  RecordingObserver observer;
  RedisClientOptions options = OptionsFor(server.tcp_url());
  options.password = "wrong-password";
  RedisClient client(options, &observer);
  ASSERT_TRUE(WaitUntil([&] { return !observer.transitions().empty(); }));
  EXPECT_FALSE(client.up());
  const absl::Time start = absl::Now();
  absl::StatusOr<std::optional<std::string>> value = Get(client, "a");
  EXPECT_EQ(value.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(100));
  // Several refused attempts, one transition.
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_THAT(observer.transitions(), ElementsAre(false));
}

TEST(RedisClientTest, AnOperationWithoutReplyEndsAtItsBudget) {
  RedisServer server;
  ASSERT_TRUE(server.Start().ok());
  RedisClientOptions options = OptionsFor(server.tcp_url());
  options.op_timeout = absl::Milliseconds(50);
  RedisClient client(options);
  ASSERT_TRUE(WaitUntil([&] { return client.up(); }));
  ::lipsync::testing::StdNotification done;
  absl::Status status;
  const absl::Time start = absl::Now();
  // Blocks the connection for 1 s.
  client.Command({"BLPOP", "empty-list", "1"},
                 [&](absl::StatusOr<RedisReply> reply) {
                   status = reply.status();
                   done.Notify();
                 });
  done.WaitForNotification();
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_GE(took, absl::Milliseconds(45));
  EXPECT_LT(took, absl::Milliseconds(500));
  // The late reply is dropped and the connection serves again.
  ASSERT_TRUE(WaitUntil([&] { return Get(client, "k").ok(); }));
  EXPECT_TRUE(client.up());
}

TEST(RedisClientTest, ServerKilledFailsFastThenRecoversOnRestart) {
  RedisServer server;
  ASSERT_TRUE(server.Start().ok());
  RecordingObserver observer;
  RedisClient client(OptionsFor(server.tcp_url()), &observer);
  ASSERT_TRUE(WaitUntil([&] { return client.up(); }));
  ASSERT_TRUE(SetPx(client, "k", "before", absl::Seconds(30)).ok());

  server.Kill();
  ASSERT_TRUE(WaitUntil([&] { return !client.up(); }));
  for (int i = 0; i < 5; ++i) {
    const absl::Time start = absl::Now();
    EXPECT_EQ(Get(client, "k").status().code(), absl::StatusCode::kUnavailable);
    EXPECT_LT(absl::Now() - start, absl::Milliseconds(100));
  }

  ASSERT_TRUE(server.Start().ok());
  ASSERT_TRUE(WaitUntil([&] { return client.up(); }));
  ASSERT_TRUE(SetPx(client, "k", "after", absl::Seconds(30)).ok());
  EXPECT_EQ(Get(client, "k").value(), std::optional<std::string>("after"));
  EXPECT_THAT(observer.transitions(), ElementsAre(true, false, true));
}

TEST(RedisClientTest, NoServerMeansUnavailableNotAWait) {
  RedisServer server;  // never started: nothing listens on its port
  RedisClient client(OptionsFor(server.tcp_url()));
  const absl::Time start = absl::Now();
  EXPECT_EQ(Get(client, "k").status().code(), absl::StatusCode::kUnavailable);
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(100));
}

TEST(RedisClientTest, PendingOperationsCompleteWhenTheClientStops) {
  RedisServer server;
  ASSERT_TRUE(server.Start().ok());
  ::lipsync::testing::StdNotification done;
  absl::Status status;
  {
    RedisClientOptions options = OptionsFor(server.tcp_url());
    options.op_timeout = absl::Seconds(10);
    RedisClient client(options);
    ASSERT_TRUE(WaitUntil([&] { return client.up(); }));
    client.Command({"BLPOP", "empty-list", "5"},
                   [&](absl::StatusOr<RedisReply> reply) {
                     status = reply.status();
                     done.Notify();
                   });
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_TRUE(done.HasBeenNotified());
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace lipsync::sharedstate
