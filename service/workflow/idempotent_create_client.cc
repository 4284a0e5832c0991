#include "service/workflow/idempotent_create_client.h"

#include <optional>
#include <utility>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "service/common/status_details.h"
#include "service/translate/kling_error.h"

namespace lipsync::workflow {
namespace {

absl::Status KeyReused(const std::string& key) {
  google::rpc::ErrorInfo info;
  info.set_reason("IDEMPOTENCY_KEY_REUSED");
  info.set_domain(std::string(kGatewayErrorDomain));
  return WithErrorInfo(
      absl::InvalidArgumentError(absl::StrCat(
          "idempotency key \"", key,
          "\" was already used with a different request; use a new key")),
      info);
}

// True when the upstream refused the create because the external_task_id
// already names a task: the task exists, so read it instead.
bool IsDuplicateRefusal(const absl::Status& status) {
  const std::optional<translate::UpstreamError> error =
      translate::UpstreamErrorOf(status);
  return error.has_value() && translate::IsDuplicateExternalTaskId(*error);
}

}  // namespace

uint64_t CreateRequestFingerprint(const CreateRequest& request) {
  const v1::CreateLipSyncTaskRequest& r = request.message();
  size_t h = absl::HashOf(r.session_id(), r.external_task_id(),
                          r.callback_url(), r.has_watermark_info(),
                          r.watermark_info().enabled(), r.face_choose_size());
  for (int i = 0; i < r.face_choose_size(); ++i) {
    const v1::FaceChoose& f = r.face_choose(i);
    // A Cord hashes its content whatever its chunks: audio that came in
    // other slices hashes the same.
    h = absl::HashOf(h, f.face_id(), f.audio_id(), f.sound_file(),
                     request.sound_file_bytes(i), f.has_sound_start_time(),
                     f.sound_start_time(), f.has_sound_end_time(),
                     f.sound_end_time(), f.has_sound_insert_time(),
                     f.sound_insert_time(), f.has_sound_volume(),
                     f.sound_volume(), f.has_original_audio_volume(),
                     f.original_audio_volume());
  }
  return h;
}

IdempotentCreateClient::IdempotentCreateClient(
    std::shared_ptr<upstream::UpstreamClient> child,
    const IdempotencyOptions& options, Clock clock)
    : ForwardingUpstreamClient(std::move(child)),
      options_(options),
      clock_(std::move(clock)) {}

void IdempotentCreateClient::CreateLipSyncTask(
    std::shared_ptr<CallContext> call, const CreateRequest& request,
    Done done) {
  const std::string key = !request.message().request_id().empty()
                              ? request.message().request_id()
                              : request.message().external_task_id();
  if (key.empty()) {
    child()->CreateLipSyncTask(std::move(call), request, std::move(done));
    return;
  }
  const uint64_t fingerprint = CreateRequestFingerprint(request);
  const absl::Time now = clock_();
  enum class Action { kLead, kJoined, kReplay, kConflict };
  Action action = Action::kLead;
  v1::LipSyncTask replay;
  // The caller's callback when it is answered here (conflict, replay), run
  // after the lock is released.
  Done answer_now;
  {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second.completed &&
        it->second.expires_at <= now) {
      completed_order_.erase(it->second.age);
      entries_.erase(it);
      it = entries_.end();
    }
    if (it == entries_.end()) {
      Entry& entry = entries_[key];
      entry.fingerprint = fingerprint;
      entry.waiters.push_back(std::move(done));
    } else if (it->second.fingerprint != fingerprint) {
      answer_now = std::move(done);
      action = Action::kConflict;
    } else if (!it->second.completed) {
      it->second.waiters.push_back(std::move(done));
      action = Action::kJoined;
    } else {
      replay = it->second.task;
      answer_now = std::move(done);
      action = Action::kReplay;
    }
  }
  switch (action) {
    case Action::kConflict:
      answer_now(KeyReused(key));
      return;
    case Action::kJoined:
      return;
    case Action::kReplay:
      answer_now(std::move(replay));
      return;
    case Action::kLead:
      break;
  }
  StartLeader(key, request, call->deadline());
}

void IdempotentCreateClient::StartLeader(const std::string& key,
                                         const CreateRequest& request,
                                         absl::Time deadline) {
  // The key travels as the upstream's own uniqueness guarantee. It rides on
  // the upstream call's context (KlingUpstreamClient writes it into the
  // body), so the request, audio included, is not copied to set one field.
  std::string external_task_id = request.message().external_task_id().empty()
                                     ? key
                                     : request.message().external_task_id();
  // Detached from the first caller's cancellation: others may have joined,
  // and an abandoned in-flight create is exactly the double-pay risk.
  auto call = std::make_shared<CallContext>(deadline, external_task_id);
  // `request` is the leader caller's. The UpstreamClient contract keeps it
  // valid until that caller's `done` runs, and that `done` is one of this
  // key's waiters, run by CompleteKey only after the child's callback
  // below: so the child (and any decorator holding a reference, such as the
  // retry layer) may use it for the whole exchange.
  child()->CreateLipSyncTask(
      call, request,
      [this, key, external_task_id,
       deadline](absl::StatusOr<v1::LipSyncTask> result) {
        if (!result.ok() && IsDuplicateRefusal(result.status())) {
          ResolveDuplicate(key, external_task_id, deadline);
          return;
        }
        CompleteKey(key, std::move(result));
      });
}

void IdempotentCreateClient::ResolveDuplicate(const std::string& key,
                                              std::string external_task_id,
                                              absl::Time deadline) {
  v1::GetLipSyncTaskRequest get;
  get.set_external_task_id(std::move(external_task_id));
  child()->GetLipSyncTask(std::make_shared<CallContext>(deadline), get,
                          [this, key](absl::StatusOr<v1::LipSyncTask> task) {
                            CompleteKey(key, std::move(task));
                          });
}

void IdempotentCreateClient::CompleteKey(
    const std::string& key, absl::StatusOr<v1::LipSyncTask> result) {
  std::vector<Done> waiters;
  {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return;
    waiters = std::move(it->second.waiters);
    if (result.ok() && options_.max_entries > 0) {
      Entry& entry = it->second;
      entry.completed = true;
      entry.task = *result;
      entry.expires_at = clock_() + options_.ttl;
      completed_order_.push_back(key);
      entry.age = std::prev(completed_order_.end());
      while (completed_order_.size() > options_.max_entries) {
        entries_.erase(completed_order_.front());
        completed_order_.pop_front();
      }
    } else {
      entries_.erase(it);
    }
  }
  for (Done& waiter : waiters) waiter(result);
}

std::size_t IdempotentCreateClient::entries() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

}  // namespace lipsync::workflow
