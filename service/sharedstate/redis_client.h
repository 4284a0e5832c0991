// An asynchronous Redis client (hiredis 0.14) on one thread of its own: an
// epoll loop (upstream::EventPoll) drives one connection through hiredis'
// event hooks, and other threads hand it commands through a queue and the
// poll's eventfd. No caller ever waits on Redis: every operation completes
// through its callback, on the client's thread, within the operation budget.
//
// Connection: AUTH (when a password is given), SELECT (db != 0) and PING on
// every (re)connect; the client is "up" once they succeed. A refused
// connection, a failed handshake, a connection error or a stalled server
// (no reply for `stall_limit`) takes it down; it reconnects after a capped
// exponential backoff. Each up/down transition is logged once and reported
// to the observer; the password is never logged.
//
// While the client is not up, operations fail at once with UNAVAILABLE: a
// Redis outage costs callers one hop to the client's thread, never a queue.
#ifndef LIPSYNC_SERVICE_SHAREDSTATE_REDIS_CLIENT_H_
#define LIPSYNC_SERVICE_SHAREDSTATE_REDIS_CLIENT_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "service/sharedstate/redis_endpoint.h"
#include "service/upstream/event_poll.h"

struct redisAsyncContext;

namespace lipsync::sharedstate {

struct RedisClientOptions {
  RedisEndpoint endpoint;
  // AUTH password; empty: none. Secret: never logged.
  std::string password;
  // Budget of one operation, from its submission to its reply.
  absl::Duration op_timeout = absl::Milliseconds(50);
  // Budget of a connection attempt, handshake included.
  absl::Duration connect_timeout = absl::Seconds(1);
  // Reconnect delays: doubling from `backoff_initial` up to `backoff_max`.
  absl::Duration backoff_initial = absl::Milliseconds(100);
  absl::Duration backoff_max = absl::Seconds(5);
  // No reply at all for this long while commands wait: the connection is
  // dropped and re-established (a stopped or wedged server).
  absl::Duration stall_limit = absl::Seconds(2);
  // Commands sent and not yet answered; beyond, new ones fail UNAVAILABLE.
  std::size_t max_pending = 10000;
};

// Receives the client's availability and each operation's outcome (on the
// client's thread). Implementations must be cheap; they may submit
// operations.
class RedisClientObserver {
 public:
  virtual ~RedisClientObserver() = default;
  virtual void OnAvailability(bool up) = 0;
  // `op` is the command name in lower case ("get", "set", ...).
  virtual void OnOperation(absl::string_view op, absl::StatusCode code,
                           absl::Duration elapsed) = 0;
};

// One reply, detached from hiredis.
struct RedisReply {
  enum class Type { kNil, kString, kStatus, kInteger, kArray };
  Type type = Type::kNil;
  // kString and kStatus.
  std::string str;
  int64_t integer = 0;
  std::vector<RedisReply> elements;
};

class RedisClient {
 public:
  using ReplyCallback = std::function<void(absl::StatusOr<RedisReply>)>;
  // The value, or nullopt when the key does not exist.
  using GetCallback =
      std::function<void(absl::StatusOr<std::optional<std::string>>)>;
  using DoneCallback = std::function<void(absl::Status)>;

  // Starts the thread and the first connection attempt. `observer` may be
  // null and must outlive the client.
  explicit RedisClient(RedisClientOptions options,
                       RedisClientObserver* observer = nullptr);
  // Stops the thread; operations still pending complete UNAVAILABLE.
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Thread-safe. Sends `args` (command name first) and completes `done` on
  // the client's thread with the reply; a Redis error reply is INTERNAL,
  // no connection UNAVAILABLE, no reply within the budget
  // DEADLINE_EXCEEDED. After the destructor has begun, `done` runs at once
  // with UNAVAILABLE on the calling thread.
  void Command(std::vector<std::string> args, ReplyCallback done);
  // GET key.
  void Get(std::string key, GetCallback done);
  // SET key value PX ttl (ttl rounded up to a whole millisecond).
  void SetPx(std::string key, std::string value, absl::Duration ttl,
             DoneCallback done);

  // Whether the last handshake succeeded and no error came since.
  bool up() const { return up_.load(std::memory_order_relaxed); }

 private:
  struct Op;
  enum class State { kDown, kConnecting, kUp };

  void Run();
  void Submit(std::unique_ptr<Op> op);
  // Loop-thread steps.
  void SendQueued();
  void ExpireOverdue(absl::Time now);
  void Connect(absl::Time now);
  void Handshake();
  void Drop(absl::string_view why);
  void GoDown(absl::string_view why);
  void Complete(Op* op, absl::StatusOr<RedisReply> reply);
  int NextWaitMs(absl::Time now) const;

  // hiredis hooks and callbacks (privdata / ac->data: this client).
  static void OnConnect(const redisAsyncContext* ac, int status);
  static void OnDisconnect(const redisAsyncContext* ac, int status);
  static void OnReply(redisAsyncContext* ac, void* reply, void* privdata);
  static void OnHandshakeReply(redisAsyncContext* ac, void* reply,
                               void* privdata);
  static void AddRead(void* privdata);
  static void DelRead(void* privdata);
  static void AddWrite(void* privdata);
  static void DelWrite(void* privdata);
  static void Cleanup(void* privdata);
  void UpdateWatch();

  const RedisClientOptions options_;
  RedisClientObserver* const observer_;
  upstream::EventPoll poll_;
  std::atomic<bool> up_{false};

  absl::Mutex mu_;
  std::vector<std::unique_ptr<Op>> queued_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  // Loop thread only.
  State state_ = State::kDown;
  redisAsyncContext* context_ = nullptr;
  int fd_ = -1;
  bool want_read_ = false;
  bool want_write_ = false;
  // Sent, in reply order: hiredis answers in order, and every op has the
  // same budget, so the front is also the first to expire. Ops already
  // completed by their deadline stay until hiredis hands their reply back.
  std::deque<Op*> in_flight_;
  std::size_t expired_in_flight_ = 0;  // completed ops at the front
  absl::Time last_reply_ = absl::InfinitePast();
  absl::Time connect_deadline_ = absl::InfiniteFuture();
  absl::Time next_attempt_ = absl::InfinitePast();
  absl::Duration backoff_ = absl::ZeroDuration();
  // Set before a deliberate disconnect: the reason the down log gives.
  std::string down_reason_;
  // The last transition logged and reported (each is logged once).
  enum class Announced { kNothing, kUp, kDown };
  Announced announced_ = Announced::kNothing;
  bool stopped_ = false;

  std::thread thread_;
};

}  // namespace lipsync::sharedstate

#endif  // LIPSYNC_SERVICE_SHAREDSTATE_REDIS_CLIENT_H_
