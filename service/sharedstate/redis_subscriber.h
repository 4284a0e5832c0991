// The receiving side of Redis pub/sub: a second hiredis connection, in
// SUBSCRIBE mode, on a thread of its own (an upstream::EventPoll loop, as
// RedisClient's). A connection in SUBSCRIBE mode answers nothing but
// messages, so it cannot share RedisClient's one-reply-per-operation
// connection.
//
// The channels subscribed are kept across reconnects: after a refused
// connection, a failed AUTH or a dropped connection it reconnects after a
// capped exponential backoff and subscribes to every channel again. Messages
// published while it was down are lost: readers recover the latest value
// from a key (see SharedTaskWatches). Each up/down transition is logged
// once; the password is never logged.
#ifndef LIPSYNC_SERVICE_SHAREDSTATE_REDIS_SUBSCRIBER_H_
#define LIPSYNC_SERVICE_SHAREDSTATE_REDIS_SUBSCRIBER_H_

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "service/sharedstate/redis_client.h"
#include "service/upstream/event_poll.h"

struct redisAsyncContext;

namespace lipsync::sharedstate {

class RedisSubscriber {
 public:
  // Runs on the subscriber's thread, once per message; must not block.
  using MessageCallback =
      std::function<void(const std::string& channel, std::string message)>;

  // Uses `options`' endpoint, password, connect timeout and backoff. Starts
  // the thread and the first connection attempt.
  RedisSubscriber(RedisClientOptions options, MessageCallback on_message);
  // Stops the thread; no message is delivered once it returns.
  ~RedisSubscriber();
  RedisSubscriber(const RedisSubscriber&) = delete;
  RedisSubscriber& operator=(const RedisSubscriber&) = delete;

  // Thread-safe; idempotent. Take effect on the subscriber's thread.
  void Subscribe(std::string channel);
  void Unsubscribe(std::string channel);

  // Connected, and every channel asked for so far was sent to Redis.
  bool up() const { return up_.load(std::memory_order_relaxed); }

 private:
  enum class State { kDown, kConnecting, kUp };

  void Run();
  void Apply(bool subscribe, const std::string& channel);
  void Connect(absl::Time now);
  void GoDown(absl::string_view why);
  void SendSubscribe(const std::string& channel);
  int NextWaitMs(absl::Time now) const;
  void UpdateWatch();

  static void OnConnect(const redisAsyncContext* ac, int status);
  static void OnDisconnect(const redisAsyncContext* ac, int status);
  static void OnAuthReply(redisAsyncContext* ac, void* reply, void* privdata);
  static void OnMessage(redisAsyncContext* ac, void* reply, void* privdata);
  static void AddRead(void* privdata);
  static void DelRead(void* privdata);
  static void AddWrite(void* privdata);
  static void DelWrite(void* privdata);
  static void Cleanup(void* privdata);

  const RedisClientOptions options_;
  const MessageCallback on_message_;
  upstream::EventPoll poll_;
  std::atomic<bool> up_{false};

  absl::Mutex mu_;
  // (subscribe?, channel), in the order asked.
  std::vector<std::pair<bool, std::string>> requests_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  // Subscriber thread only.
  absl::flat_hash_set<std::string> channels_;
  State state_ = State::kDown;
  redisAsyncContext* context_ = nullptr;
  int fd_ = -1;
  bool want_read_ = false;
  bool want_write_ = false;
  absl::Time connect_deadline_ = absl::InfiniteFuture();
  absl::Time next_attempt_ = absl::InfinitePast();
  absl::Duration backoff_ = absl::ZeroDuration();
  bool announced_down_ = false;
  bool stopped_ = false;

  std::thread thread_;
};

}  // namespace lipsync::sharedstate

#endif  // LIPSYNC_SERVICE_SHAREDSTATE_REDIS_SUBSCRIBER_H_
