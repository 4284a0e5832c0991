// Sessions shared by the replicas through Redis. IdentifyFace's faces are
// written through (the local SessionCache, then `SET <prefix>session:<id>
// <value> PX <ttl>`); a create whose session this replica does not hold asks
// Redis, and a hit fills the local cache for the session's remaining life.
// Nothing here waits: lookups complete through a callback on the Redis
// client's thread.
#ifndef LIPSYNC_SERVICE_WORKFLOW_SHARED_SESSIONS_H_
#define LIPSYNC_SERVICE_WORKFLOW_SHARED_SESSIONS_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "service/sharedstate/redis_client.h"
#include "service/validation/session_rules.h"
#include "service/workflow/session_cache.h"

namespace lipsync::workflow {

// A session as stored in Redis. The value starts with its format version
// ("v1;"); a reader treats any other version, or any malformed value, as
// absent.
struct StoredSession {
  std::vector<validation::KnownFace> faces;
  absl::Time expires_at;
};
std::string EncodeStoredSession(const StoredSession& session);
// INVALID_ARGUMENT (naming what is wrong, never quoting the value) for
// anything but a well-formed v1 value.
absl::StatusOr<StoredSession> DecodeStoredSession(absl::string_view value);

struct SharedSessionsOptions {
  // Every key starts with it (several gateways may share one Redis).
  std::string key_prefix = "lipsync:";
  // How long a session is kept (as SessionCacheOptions::ttl).
  absl::Duration ttl = absl::Hours(24);
};

class SharedSessions {
 public:
  using Clock = std::function<absl::Time()>;
  // What a lookup found: the faces, nullopt (absent, expired or unreadable),
  // or the Redis client's error (UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL).
  using LookupCallback = std::function<void(
      absl::StatusOr<std::optional<std::vector<validation::KnownFace>>>)>;

  // `redis` and `local` must outlive this object.
  SharedSessions(
      sharedstate::RedisClient* redis, std::shared_ptr<SessionCache> local,
      SharedSessionsOptions options, Clock clock = [] { return absl::Now(); });

  // Thread-safe. Remembers locally at once and writes through to Redis (a
  // failed write is only counted by the client's metrics). `stored`, when
  // set, runs once the write is done, failed or timed out (on the Redis
  // client's thread, or inline when the client is down).
  void Remember(const std::string& session_id,
                std::vector<validation::KnownFace> faces,
                std::function<void()> stored = nullptr);
  // Thread-safe. Asks Redis only (the caller has already missed the local
  // cache); a hit is also remembered locally.
  void Lookup(const std::string& session_id, LookupCallback done);

  std::string KeyOf(absl::string_view session_id) const;

 private:
  sharedstate::RedisClient* const redis_;
  const std::shared_ptr<SessionCache> local_;
  const SharedSessionsOptions options_;
  const Clock clock_;
};

}  // namespace lipsync::workflow

#endif  // LIPSYNC_SERVICE_WORKFLOW_SHARED_SESSIONS_H_
