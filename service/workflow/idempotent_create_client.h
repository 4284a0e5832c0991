// Decorator that makes CreateLipSyncTask safe to repeat (AIP-155 style).
//
// The idempotency key is the request's `request_id`, else its
// `external_task_id`. Within this replica: the same key while the first call
// is in flight joins it; after it succeeded, returns the remembered task for
// `ttl`; the same key with a different request is INVALID_ARGUMENT
// (IDEMPOTENCY_KEY_REUSED). Across replicas and restarts: the key travels as
// the upstream `external_task_id` (unique per Kling account), and an upstream
// "duplicate external_task_id" refusal is resolved by reading that task, so
// the caller still gets its one task. Failures are not remembered: a retry
// re-sends, which the external_task_id makes safe.
#ifndef LIPSYNC_SERVICE_WORKFLOW_IDEMPOTENT_CREATE_CLIENT_H_
#define LIPSYNC_SERVICE_WORKFLOW_IDEMPOTENT_CREATE_CLIENT_H_

#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "service/common/trace_context.h"
#include "service/upstream/forwarding_upstream_client.h"

namespace lipsync::workflow {

namespace v1 = ::kling::lipsync::v1;

struct IdempotencyOptions {
  // Completed outcomes remembered (oldest dropped first).
  std::size_t max_entries = 100000;
  absl::Duration ttl = absl::Hours(24);
};

// A digest of every field of the request but `request_id`, found by
// reflection (a field added to the schema counts without a change here),
// with each face's audio read from the request's Cord (its content, however
// chunked; the message's own `sound_file_bytes` is not read). Requests equal
// in all those fields have equal fingerprints within this process.
uint64_t CreateRequestFingerprint(const CreateRequest& request);

class IdempotentCreateClient final : public upstream::ForwardingUpstreamClient {
 public:
  using Clock = std::function<absl::Time()>;
  IdempotentCreateClient(
      std::shared_ptr<upstream::UpstreamClient> child,
      const IdempotencyOptions& options,
      Clock clock = [] { return absl::Now(); });

  void CreateLipSyncTask(
      std::shared_ptr<CallContext> call, const CreateRequest& request,
      upstream::UpstreamCallback<v1::LipSyncTask> done) override;

  // Keys currently remembered or in flight (tests, metrics).
  std::size_t entries() const;

 private:
  using Done = upstream::UpstreamCallback<v1::LipSyncTask>;
  struct Entry {
    uint64_t fingerprint = 0;
    bool completed = false;
    v1::LipSyncTask task;
    absl::Time expires_at;
    std::vector<Done> waiters;
    std::list<std::string>::iterator age;  // valid once completed
  };

  // `trace`: the leader caller's; the upstream exchanges carry it.
  void StartLeader(const std::string& key, const CreateRequest& request,
                   absl::Time deadline, const TraceContext& trace);
  void ResolveDuplicate(const std::string& key, std::string external_task_id,
                        absl::Time deadline, const TraceContext& trace);
  void CompleteKey(const std::string& key, absl::StatusOr<v1::LipSyncTask> r);

  const IdempotencyOptions options_;
  const Clock clock_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  // Completed keys, oldest first, for bounded memory.
  std::list<std::string> completed_order_ ABSL_GUARDED_BY(mu_);
};

}  // namespace lipsync::workflow

#endif  // LIPSYNC_SERVICE_WORKFLOW_IDEMPOTENT_CREATE_CLIENT_H_
