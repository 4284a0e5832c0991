#include "service/workflow/shared_sessions.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "service/common/json_log.h"
#include "service/sharedstate/stored_value.h"

namespace lipsync::workflow {
namespace {

using sharedstate::ConsumeNumber;
using sharedstate::ConsumeSized;

constexpr absl::string_view kVersion = "v1;";
// Bounds a reader enforces, so a hostile value cannot make it allocate much.
constexpr int64_t kMaxFaces = 1000;
constexpr size_t kMaxFaceIdBytes = 4096;

absl::Status Unreadable(absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("unreadable stored session: ", what));
}

}  // namespace

// v1;<expires unix ms>;<count>;{<start ms>,<end ms>,<id bytes>:<id>;}*
std::string EncodeStoredSession(const StoredSession& session) {
  std::string out =
      absl::StrCat(kVersion, absl::ToUnixMillis(session.expires_at), ";",
                   session.faces.size(), ";");
  for (const validation::KnownFace& face : session.faces) {
    absl::StrAppend(&out, face.start_time_ms, ",", face.end_time_ms, ",",
                    face.face_id.size(), ":", face.face_id, ";");
  }
  return out;
}

absl::StatusOr<StoredSession> DecodeStoredSession(absl::string_view value) {
  absl::string_view in = value;
  if (!absl::ConsumePrefix(&in, kVersion)) {
    return Unreadable("unknown version");
  }
  StoredSession session;
  int64_t expires_ms = 0;
  int64_t count = 0;
  if (!ConsumeNumber(&in, ';', &expires_ms) ||
      !ConsumeNumber(&in, ';', &count) || count < 0 || count > kMaxFaces) {
    return Unreadable("bad header");
  }
  session.expires_at = absl::FromUnixMillis(expires_ms);
  session.faces.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    validation::KnownFace face;
    absl::string_view face_id;
    if (!ConsumeNumber(&in, ',', &face.start_time_ms) ||
        !ConsumeNumber(&in, ',', &face.end_time_ms) ||
        !ConsumeSized(&in, kMaxFaceIdBytes, &face_id)) {
      return Unreadable("bad face");
    }
    face.face_id = std::string(face_id);
    session.faces.push_back(std::move(face));
  }
  if (!in.empty()) return Unreadable("trailing bytes");
  return session;
}

SharedSessions::SharedSessions(sharedstate::RedisClient* redis,
                               std::shared_ptr<SessionCache> local,
                               SharedSessionsOptions options, Clock clock)
    : redis_(redis),
      local_(std::move(local)),
      options_(std::move(options)),
      clock_(std::move(clock)) {}

std::string SharedSessions::KeyOf(absl::string_view session_id) const {
  return absl::StrCat(options_.key_prefix, "session:", session_id);
}

void SharedSessions::Remember(const std::string& session_id,
                              std::vector<validation::KnownFace> faces,
                              std::function<void()> stored) {
  StoredSession session{faces, clock_() + options_.ttl};
  local_->Remember(session_id, std::move(faces));
  redis_->SetPx(KeyOf(session_id), EncodeStoredSession(session), options_.ttl,
                [stored = std::move(stored)](const absl::Status&) {
                  if (stored) stored();
                });
}

void SharedSessions::Lookup(const std::string& session_id,
                            LookupCallback done) {
  redis_->Get(
      KeyOf(session_id), [this, session_id, done = std::move(done)](
                             absl::StatusOr<std::optional<std::string>> value) {
        if (!value.ok()) return done(value.status());
        if (!value->has_value()) {
          return done(std::optional<std::vector<validation::KnownFace>>());
        }
        absl::StatusOr<StoredSession> stored = DecodeStoredSession(**value);
        if (!stored.ok()) {
          LogJson(LogLevel::kWarning,
                  "shared session unreadable; treated as absent",
                  {{"key", KeyOf(session_id)},
                   {"error", std::string(stored.status().message())}});
          return done(std::optional<std::vector<validation::KnownFace>>());
        }
        if (stored->expires_at <= clock_()) {
          return done(std::optional<std::vector<validation::KnownFace>>());
        }
        local_->RememberUntil(session_id, stored->faces, stored->expires_at);
        return done(std::optional<std::vector<validation::KnownFace>>(
            std::move(stored->faces)));
      });
}

}  // namespace lipsync::workflow
