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
//
// With shared state (a SharedIdempotency): a key's first caller on this
// replica first claims the key in Redis. Owned: it creates and stores the
// outcome (or releases the lease on failure); taken over from an expired
// lease, or claimed with an unknown outcome: it looks the task up upstream
// by external_task_id first and creates only if none exists; held by
// another replica: it waits for that outcome within its own deadline;
// done: that task; another fingerprint: IDEMPOTENCY_KEY_REUSED. Redis down
// or erroring: as without shared state. Keys are scoped by the call's
// caller (CallContext::caller) here and in Redis.
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
#include "service/workflow/shared_idempotency.h"

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
// The same fields digested by a fixed function: equal in every process (and
// every build of this format), for records shared between replicas.
uint64_t StableCreateRequestFingerprint(const CreateRequest& request);

class IdempotentCreateClient final : public upstream::ForwardingUpstreamClient {
 public:
  using Clock = std::function<absl::Time()>;
  IdempotentCreateClient(
      std::shared_ptr<upstream::UpstreamClient> child,
      const IdempotencyOptions& options,
      Clock clock = [] { return absl::Now(); },
      std::shared_ptr<SharedIdempotency> shared = nullptr);

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

  // The upstream work of a key's first caller on this replica.
  struct Leader {
    std::string local_key;
    std::string key;
    std::string external_task_id;
    absl::Time deadline;
    // The leader caller's; the upstream exchanges carry it.
    TraceContext trace;
    // With shared state: the Redis key, the stable fingerprint, and the
    // lease value when this replica holds (or may hold) the lease.
    std::string shared_key;
    uint64_t shared_fingerprint = 0;
    bool owns_lease = false;
    std::string lease;
  };

  void ClaimShared(Leader leader, const CreateRequest& request);
  void LookUpThenCreate(const std::shared_ptr<const Leader>& leader,
                        const CreateRequest& request);
  void Create(const std::shared_ptr<const Leader>& leader,
              const CreateRequest& request);
  void ResolveDuplicate(const std::shared_ptr<const Leader>& leader);
  // Stores or releases the shared record (when the lease is ours), then
  // answers the key's waiters.
  void Settle(const Leader& leader, absl::StatusOr<v1::LipSyncTask> result);
  void CompleteKey(const std::string& key, absl::StatusOr<v1::LipSyncTask> r);

  const IdempotencyOptions options_;
  const Clock clock_;
  // Null: no shared state (this replica's memory and the upstream's
  // external_task_id check only).
  const std::shared_ptr<SharedIdempotency> shared_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  // Completed keys, oldest first, for bounded memory.
  std::list<std::string> completed_order_ ABSL_GUARDED_BY(mu_);
};

}  // namespace lipsync::workflow

#endif  // LIPSYNC_SERVICE_WORKFLOW_IDEMPOTENT_CREATE_CLIENT_H_
