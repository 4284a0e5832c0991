#include "service/workflow/session_cache.h"

#include <algorithm>
#include <utility>

namespace lipsync::workflow {

SessionCache::SessionCache(const SessionCacheOptions& options, Clock clock)
    : options_(options), clock_(std::move(clock)) {}

void SessionCache::Remember(const std::string& session_id,
                            std::vector<validation::KnownFace> faces) {
  RememberUntil(session_id, std::move(faces), clock_() + options_.ttl);
}

void SessionCache::RememberUntil(const std::string& session_id,
                                 std::vector<validation::KnownFace> faces,
                                 absl::Time expires_at) {
  if (options_.max_sessions == 0) return;
  expires_at = std::min(expires_at, clock_() + options_.ttl);
  absl::MutexLock lock(&mu_);
  if (auto it = index_.find(session_id); it != index_.end()) {
    lru_.erase(it->second);
    index_.erase(it);
  }
  lru_.push_front(Entry{session_id, std::move(faces), expires_at});
  index_[session_id] = lru_.begin();
  while (lru_.size() > options_.max_sessions) {
    index_.erase(lru_.back().session_id);
    lru_.pop_back();
  }
}

std::optional<std::vector<validation::KnownFace>> SessionCache::Lookup(
    const std::string& session_id) {
  const absl::Time now = clock_();
  absl::MutexLock lock(&mu_);
  auto it = index_.find(session_id);
  if (it == index_.end()) return std::nullopt;
  if (it->second->expires_at <= now) {
    lru_.erase(it->second);
    index_.erase(it);
    return std::nullopt;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->faces;
}

std::size_t SessionCache::size() const {
  absl::MutexLock lock(&mu_);
  return lru_.size();
}

}  // namespace lipsync::workflow
