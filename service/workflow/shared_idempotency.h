// Idempotency records shared by the replicas through Redis: one key per
// (caller, idempotency key), `<prefix>idem:<caller>:<key>`, holding either an
// in-flight lease or the outcome.
//
// Claim takes the lease with one atomic `SET key <in-flight record> NX PX
// <lease> GET`: nil means this replica owns the key; an in-flight record of
// another owner is polled (the same command, with a capped backoff on the
// Scheduler: no thread ever waits) until it is done, released or expired, or
// the caller's deadline passes; a done record is the answer. The lease lives
// until the owner's own deadline plus a margin: an owner cannot still be
// creating after it, so an expired lease means a dead or stuck owner, and
// the next owner is told it took over (it must look the task up upstream
// before it may POST). Finish stores the outcome for the idempotency TTL, or
// releases the lease (compare-and-delete) after a failure.
#ifndef LIPSYNC_SERVICE_WORKFLOW_SHARED_IDEMPOTENCY_H_
#define LIPSYNC_SERVICE_WORKFLOW_SHARED_IDEMPOTENCY_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "kling/lipsync/v1/lipsync.pb.h"
#include "service/resilience/scheduler.h"
#include "service/sharedstate/redis_client.h"

namespace lipsync::workflow {

// One record as stored. The value starts with its format version ("v1;");
// a reader treats any other version, or any malformed value, as unreadable.
struct IdempotencyRecord {
  enum class State { kInFlight, kDone };
  State state = State::kInFlight;
  // CreateRequestFingerprint of the request that took the key.
  uint64_t fingerprint = 0;
  // The replica holding (or that held) the lease.
  std::string owner;
  // kInFlight: when the lease ends (the owner's deadline plus a margin).
  absl::Time lease_expires_at = absl::InfinitePast();
  // kDone: the task the key created.
  ::kling::lipsync::v1::LipSyncTask task;
};
std::string EncodeIdempotencyRecord(const IdempotencyRecord& record);
// INVALID_ARGUMENT (naming what is wrong, never quoting the value) for
// anything but a well-formed v1 value.
absl::StatusOr<IdempotencyRecord> DecodeIdempotencyRecord(
    absl::string_view value);

struct SharedIdempotencyOptions {
  // Every key starts with it (several gateways may share one Redis).
  std::string key_prefix = "lipsync:";
  // How long a done record is kept (IdempotencyOptions::ttl).
  absl::Duration ttl = absl::Hours(24);
  // Added to the owner's deadline to make its lease.
  absl::Duration lease_margin = absl::Seconds(2);
  // A lease never outlives this (plus the margin), whatever the deadline.
  absl::Duration max_lease = absl::Hours(1);
  // Polling of another owner's lease: doubling from `poll_initial` up to
  // `poll_max`.
  absl::Duration poll_initial = absl::Milliseconds(10);
  absl::Duration poll_max = absl::Milliseconds(200);
};

class SharedIdempotency {
 public:
  struct Claimed {
    enum class Kind {
      // This replica holds the lease: it may create (after an upstream
      // lookup when `took_over`).
      kOwned,
      // Another create with this key succeeded: `task` is the answer.
      kDone,
      // The key was taken by a request with another fingerprint.
      kConflict,
      // Another owner's lease outlived the caller's deadline.
      kWaitTimedOut,
      // Redis stayed too slow (DEADLINE_EXCEEDED, asked again a few times):
      // the lease may or may not be ours; the task must be looked up
      // upstream first. `lease` is the last value sent (an earlier one that
      // took the key then lives until its PX ends).
      kUnknown,
      // Redis is down, erroring, or holds an unreadable value: go on as
      // without shared state.
      kUnavailable,
    };
    Kind kind = Kind::kUnavailable;
    bool took_over = false;
    ::kling::lipsync::v1::LipSyncTask task;
    // kOwned and kUnknown: the lease value written, for Finish.
    std::string lease;
  };
  using ClaimCallback = std::function<void(Claimed)>;

  // `redis` and `scheduler` must outlive this object. `owner` names this
  // replica (unique in the fleet).
  SharedIdempotency(sharedstate::RedisClient* redis,
                    resilience::Scheduler* scheduler,
                    SharedIdempotencyOptions options, std::string owner);

  // `<prefix>idem:<caller or "-">:<key>`; the caller's name is
  // length-prefixed so that no caller can forge another's key.
  std::string KeyOf(absl::string_view caller, absl::string_view key) const;

  // Thread-safe. Completes `done` once, on the Redis client's or the
  // scheduler's thread, no later than shortly after `deadline`.
  void Claim(std::string key, uint64_t fingerprint, absl::Time deadline,
             ClaimCallback done);

  // Thread-safe, fire and forget. After a claim of kind kOwned or kUnknown:
  // stores `task` as the key's outcome for the TTL, or (with null `task`)
  // deletes the key if it still holds `lease`.
  void Finish(const std::string& key, const std::string& lease,
              uint64_t fingerprint,
              const ::kling::lipsync::v1::LipSyncTask* task);

  const std::string& owner() const { return owner_; }

 private:
  struct Attempt;
  void Try(const std::shared_ptr<Attempt>& attempt);

  sharedstate::RedisClient* const redis_;
  resilience::Scheduler* const scheduler_;
  const SharedIdempotencyOptions options_;
  const std::string owner_;
};

}  // namespace lipsync::workflow

#endif  // LIPSYNC_SERVICE_WORKFLOW_SHARED_IDEMPOTENCY_H_
