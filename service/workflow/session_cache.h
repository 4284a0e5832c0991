// Remembers, per session_id, the faces that IdentifyFace returned, so that a
// later CreateLipSyncTask can be checked against them before the paid call.
// Bounded in entries (LRU) and in time (TTL). A session unknown to this
// replica (another replica answered the identify, or a restart) is not
// checked: Lookup returns nothing and the caller skips those rules, unless
// SharedSessions (shared_sessions.h) finds it in Redis.
#ifndef LIPSYNC_SERVICE_WORKFLOW_SESSION_CACHE_H_
#define LIPSYNC_SERVICE_WORKFLOW_SESSION_CACHE_H_

#include <cstddef>
#include <functional>
#include <list>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "service/validation/session_rules.h"

namespace lipsync::workflow {

struct SessionCacheOptions {
  std::size_t max_sessions = 100000;
  // Kling's session_id is valid for 24 hours.
  absl::Duration ttl = absl::Hours(24);
};

class SessionCache {
 public:
  using Clock = std::function<absl::Time()>;
  explicit SessionCache(
      const SessionCacheOptions& options,
      Clock clock = [] { return absl::Now(); });

  // Thread-safe. Replaces an earlier entry of the same session.
  void Remember(const std::string& session_id,
                std::vector<validation::KnownFace> faces);
  // Thread-safe. As Remember, but kept until `expires_at` at most (a
  // session learnt from another replica keeps its original expiry).
  void RememberUntil(const std::string& session_id,
                     std::vector<validation::KnownFace> faces,
                     absl::Time expires_at);
  // Thread-safe. The faces of a known, unexpired session.
  std::optional<std::vector<validation::KnownFace>> Lookup(
      const std::string& session_id);
  std::size_t size() const;

 private:
  struct Entry {
    std::string session_id;
    std::vector<validation::KnownFace> faces;
    absl::Time expires_at;
  };
  using Lru = std::list<Entry>;  // most recently used first

  const SessionCacheOptions options_;
  const Clock clock_;
  mutable absl::Mutex mu_;
  Lru lru_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, Lru::iterator> index_ ABSL_GUARDED_BY(mu_);
};

}  // namespace lipsync::workflow

#endif  // LIPSYNC_SERVICE_WORKFLOW_SESSION_CACHE_H_
