// RedisSubscriber against a real redis-server: messages of the channels
// subscribed arrive, a left channel's do not, and a restarted server gets
// every channel subscribed again.
#include "service/sharedstate/redis_subscriber.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "tests/support/redis_server.h"

namespace lipsync::sharedstate {
namespace {

using ::lipsync::testing::RedisServer;

class Inbox {
 public:
  void Add(const std::string& channel, std::string message) {
    absl::MutexLock lock(&mu_);
    got_.push_back(channel + "=" + message);
  }
  bool Has(const std::string& entry) {
    absl::MutexLock lock(&mu_);
    for (const auto& e : got_) {
      if (e == entry) return true;
    }
    return false;
  }
  std::size_t size() {
    absl::MutexLock lock(&mu_);
    return got_.size();
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> got_ ABSL_GUARDED_BY(mu_);
};

RedisClientOptions Options(const std::string& url) {
  RedisClientOptions options;
  options.endpoint = ParseRedisUrl(url).value();
  options.backoff_max = absl::Milliseconds(200);
  return options;
}

// Publishes `message` on `channel` until `inbox` has it (a subscription is
// asynchronous: a message published before it took effect is lost).
bool PublishUntilReceived(RedisServer& server, Inbox& inbox,
                          const std::string& channel,
                          const std::string& message) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    server.Run({"PUBLISH", channel, message}).IgnoreError();
    const absl::Time until = absl::Now() + absl::Milliseconds(20);
    while (absl::Now() < until) {
      if (inbox.Has(channel + "=" + message)) return true;
      absl::SleepFor(absl::Milliseconds(1));
    }
  }
  return false;
}

TEST(RedisSubscriberTest, DeliversMessagesOfSubscribedChannelsOnly) {
  RedisServer server;
  ASSERT_TRUE(server.Start().ok());
  Inbox inbox;
  RedisSubscriber subscriber(
      Options(server.unix_url()),
      [&](const std::string& channel, std::string message) {
        inbox.Add(channel, std::move(message));
      });
  subscriber.Subscribe("c:1");
  subscriber.Subscribe("c:2");
  EXPECT_TRUE(PublishUntilReceived(server, inbox, "c:1", "one"));
  EXPECT_TRUE(PublishUntilReceived(server, inbox, "c:2", "two"));
  subscriber.Unsubscribe("c:1");
  // Once c:2's next message is in, the unsubscribe (sent before) is too.
  ASSERT_TRUE(PublishUntilReceived(server, inbox, "c:2", "three"));
  server.Run({"PUBLISH", "c:1", "lost"}).IgnoreError();
  ASSERT_TRUE(PublishUntilReceived(server, inbox, "c:2", "four"));
  EXPECT_FALSE(inbox.Has("c:1=lost"));
}

TEST(RedisSubscriberTest, SubscribesAgainAfterARestart) {
  RedisServer server;
  ASSERT_TRUE(server.Start().ok());
  Inbox inbox;
  RedisSubscriber subscriber(
      Options(server.unix_url()),
      [&](const std::string& channel, std::string message) {
        inbox.Add(channel, std::move(message));
      });
  subscriber.Subscribe("c:1");
  ASSERT_TRUE(PublishUntilReceived(server, inbox, "c:1", "before"));
  server.Kill();
  ASSERT_TRUE(server.Start().ok());
  EXPECT_TRUE(PublishUntilReceived(server, inbox, "c:1", "after"));
}

TEST(RedisSubscriberTest, WithAPasswordAuthenticatesFirst) {
  RedisServer server("sub-pw-1");
  ASSERT_TRUE(server.Start().ok());
  Inbox inbox;
  RedisClientOptions options = Options(server.unix_url());
  options.password = "sub-pw-1";
  RedisSubscriber subscriber(
      options, [&](const std::string& channel, std::string message) {
        inbox.Add(channel, std::move(message));
      });
  subscriber.Subscribe("c:1");
  EXPECT_TRUE(PublishUntilReceived(server, inbox, "c:1", "authed"));
}

}  // namespace
}  // namespace lipsync::sharedstate
