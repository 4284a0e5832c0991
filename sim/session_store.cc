#include "sim/session_store.h"

#include <utility>

namespace kling_sim {

const Face* Session::FindFace(absl::string_view face_id) const {
  for (const Face& face : faces) {
    if (face.face_id == face_id) return &face;
  }
  return nullptr;
}

void SessionStore::Put(Session session) {
  absl::MutexLock lock(&mu_);
  std::string id = session.session_id;
  if (sessions_.insert_or_assign(id, std::move(session)).second) {
    order_.push_back(std::move(id));
  }
  while (order_.size() > max_sessions_) {
    sessions_.erase(order_.front());
    order_.pop_front();
  }
}

std::optional<Session> SessionStore::Find(absl::string_view session_id) const {
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(session_id);
  if (it == sessions_.end()) return std::nullopt;
  return it->second;
}

void SessionStore::Clear() {
  absl::MutexLock lock(&mu_);
  sessions_.clear();
  order_.clear();
}

}  // namespace kling_sim
