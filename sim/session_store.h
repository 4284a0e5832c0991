#ifndef LIPSYNC_SIM_SESSION_STORE_H_
#define LIPSYNC_SIM_SESSION_STORE_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "sim/face_identifier.h"

namespace kling_sim {

// The result of one identify-face call, which a create refers to by
// session_id.
struct Session {
  std::string session_id;
  std::string video_id;   // the caller's video_id, or empty
  std::string video_url;  // the caller's video_url, or empty
  int64_t duration_ms = 0;
  std::vector<Face> faces;

  // nullptr when `face_id` is not one of this session's faces.
  const Face* FindFace(absl::string_view face_id) const;
};

// In-memory sessions, bounded: beyond `max_sessions` the oldest is dropped.
// Thread-safe.
class SessionStore {
 public:
  explicit SessionStore(size_t max_sessions) : max_sessions_(max_sessions) {}

  void Put(Session session);
  std::optional<Session> Find(absl::string_view session_id) const;
  void Clear();

 private:
  const size_t max_sessions_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Session> sessions_ ABSL_GUARDED_BY(mu_);
  std::deque<std::string> order_ ABSL_GUARDED_BY(mu_);  // oldest first
};

}  // namespace kling_sim

#endif  // LIPSYNC_SIM_SESSION_STORE_H_
