#include "service/workflow/shared_idempotency.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

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
// SETs with no reply within the budget before a claim is left unknown.
constexpr size_t kUnknownRetries = 3;
// A stored task is a few hundred bytes; a reader refuses more than this.
constexpr size_t kMaxFieldBytes = 1 << 20;

// Deletes the key only while it still holds this owner's lease: a lease that
// expired and was taken by another replica is not ours to release.
constexpr absl::string_view kReleaseScript =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then "
    "return redis.call('DEL', KEYS[1]) else return 0 end";

absl::Status Unreadable(absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("unreadable idempotency record: ", what));
}

}  // namespace

// v1;<i|d>;<fingerprint>;<lease expiry unix ms>;<n>:<owner>;<n>:<task>;
// where <task> is the serialized LipSyncTask (empty while in flight).
std::string EncodeIdempotencyRecord(const IdempotencyRecord& record) {
  const std::string task = record.state == IdempotencyRecord::State::kDone
                               ? record.task.SerializeAsString()
                               : std::string();
  return absl::StrCat(
      kVersion, record.state == IdempotencyRecord::State::kDone ? "d" : "i",
      ";", record.fingerprint, ";", absl::ToUnixMillis(record.lease_expires_at),
      ";", record.owner.size(), ":", record.owner, ";", task.size(), ":", task,
      ";");
}

absl::StatusOr<IdempotencyRecord> DecodeIdempotencyRecord(
    absl::string_view value) {
  absl::string_view in = value;
  if (!absl::ConsumePrefix(&in, kVersion)) return Unreadable("unknown version");
  IdempotencyRecord record;
  if (absl::ConsumePrefix(&in, "d;")) {
    record.state = IdempotencyRecord::State::kDone;
  } else if (absl::ConsumePrefix(&in, "i;")) {
    record.state = IdempotencyRecord::State::kInFlight;
  } else {
    return Unreadable("bad state");
  }
  int64_t lease_ms = 0;
  if (!ConsumeNumber(&in, ';', &record.fingerprint) ||
      !ConsumeNumber(&in, ';', &lease_ms)) {
    return Unreadable("bad header");
  }
  record.lease_expires_at = absl::FromUnixMillis(lease_ms);
  absl::string_view owner;
  absl::string_view task;
  if (!ConsumeSized(&in, kMaxFieldBytes, &owner) ||
      !ConsumeSized(&in, kMaxFieldBytes, &task)) {
    return Unreadable("bad field");
  }
  if (!in.empty()) return Unreadable("trailing bytes");
  record.owner = std::string(owner);
  if (record.state == IdempotencyRecord::State::kDone &&
      (task.empty() || !record.task.ParseFromArray(
                           task.data(), static_cast<int>(task.size())))) {
    return Unreadable("bad task");
  }
  return record;
}

struct SharedIdempotency::Attempt {
  std::string key;
  uint64_t fingerprint = 0;
  absl::Time deadline;
  ClaimCallback done;
  absl::Duration next_poll;
  bool seen_other_lease = false;
  // Lease values sent by SETs whose outcome is unknown (no reply within
  // the budget): finding one of them in Redis means the key is ours.
  std::vector<std::string> unknown_leases;
};

SharedIdempotency::SharedIdempotency(sharedstate::RedisClient* redis,
                                     resilience::Scheduler* scheduler,
                                     SharedIdempotencyOptions options,
                                     std::string owner)
    : redis_(redis),
      scheduler_(scheduler),
      options_(std::move(options)),
      owner_(std::move(owner)) {}

std::string SharedIdempotency::KeyOf(absl::string_view caller,
                                     absl::string_view key) const {
  if (caller.empty()) caller = "-";
  return absl::StrCat(options_.key_prefix, "idem:", caller.size(), ":", caller,
                      ":", key);
}

void SharedIdempotency::Claim(std::string key, uint64_t fingerprint,
                              absl::Time deadline, ClaimCallback done) {
  auto attempt = std::make_shared<Attempt>();
  attempt->key = std::move(key);
  attempt->fingerprint = fingerprint;
  attempt->deadline = deadline;
  attempt->done = std::move(done);
  attempt->next_poll = options_.poll_initial;
  Try(attempt);
}

void SharedIdempotency::Try(const std::shared_ptr<Attempt>& attempt) {
  const absl::Time now = scheduler_->Now();
  IdempotencyRecord lease;
  lease.state = IdempotencyRecord::State::kInFlight;
  lease.fingerprint = attempt->fingerprint;
  lease.owner = owner_;
  lease.lease_expires_at =
      std::min(std::max(attempt->deadline, now), now + options_.max_lease) +
      options_.lease_margin;
  std::string value = EncodeIdempotencyRecord(lease);
  const int64_t lease_ms = std::max<int64_t>(
      1, absl::ToInt64Milliseconds(lease.lease_expires_at - now));
  redis_->Command(
      {"SET", attempt->key, value, "NX", "PX", absl::StrCat(lease_ms), "GET"},
      [this, attempt, value](absl::StatusOr<sharedstate::RedisReply> reply) {
        Claimed claim;
        claim.took_over = attempt->seen_other_lease;
        if (!reply.ok()) {
          if (reply.status().code() != absl::StatusCode::kDeadlineExceeded) {
            return attempt->done(std::move(claim));
          }
          // The SET may have taken the key: asking again tells (our own
          // value comes back). Only when Redis stays too slow is the
          // outcome left unknown, for the upstream lookup to resolve.
          attempt->unknown_leases.push_back(value);
          const absl::Time now = scheduler_->Now();
          if (attempt->unknown_leases.size() >= kUnknownRetries ||
              now >= attempt->deadline) {
            claim.kind = Claimed::Kind::kUnknown;
            claim.lease = value;
            return attempt->done(std::move(claim));
          }
          scheduler_->Schedule(now + options_.poll_initial,
                               [this, attempt] { Try(attempt); });
          return;
        }
        if (reply->type == sharedstate::RedisReply::Type::kNil) {
          claim.kind = Claimed::Kind::kOwned;
          claim.lease = value;
          return attempt->done(std::move(claim));
        }
        if (reply->type != sharedstate::RedisReply::Type::kString) {
          return attempt->done(std::move(claim));
        }
        if (std::find(attempt->unknown_leases.begin(),
                      attempt->unknown_leases.end(),
                      reply->str) != attempt->unknown_leases.end()) {
          claim.kind = Claimed::Kind::kOwned;
          claim.lease = reply->str;
          return attempt->done(std::move(claim));
        }
        absl::StatusOr<IdempotencyRecord> record =
            DecodeIdempotencyRecord(reply->str);
        if (!record.ok()) {
          LogJson(LogLevel::kWarning,
                  "idempotency record unreadable; going on without it",
                  {{"key", attempt->key},
                   {"error", std::string(record.status().message())}});
          return attempt->done(std::move(claim));
        }
        if (record->fingerprint != attempt->fingerprint) {
          claim.kind = Claimed::Kind::kConflict;
          return attempt->done(std::move(claim));
        }
        if (record->state == IdempotencyRecord::State::kDone) {
          claim.kind = Claimed::Kind::kDone;
          claim.task = std::move(record->task);
          return attempt->done(std::move(claim));
        }
        attempt->seen_other_lease = true;
        const absl::Time now = scheduler_->Now();
        if (now >= attempt->deadline) {
          claim.kind = Claimed::Kind::kWaitTimedOut;
          return attempt->done(std::move(claim));
        }
        const absl::Time next =
            std::min(now + attempt->next_poll, attempt->deadline);
        attempt->next_poll =
            std::min(attempt->next_poll * 2, options_.poll_max);
        scheduler_->Schedule(next, [this, attempt] { Try(attempt); });
      });
}

void SharedIdempotency::Finish(const std::string& key, const std::string& lease,
                               uint64_t fingerprint,
                               const ::kling::lipsync::v1::LipSyncTask* task) {
  if (task == nullptr) {
    redis_->Command({"EVAL", std::string(kReleaseScript), "1", key, lease},
                    [](const absl::StatusOr<sharedstate::RedisReply>&) {});
    return;
  }
  IdempotencyRecord done;
  done.state = IdempotencyRecord::State::kDone;
  done.fingerprint = fingerprint;
  done.owner = owner_;
  done.task = *task;
  redis_->SetPx(key, EncodeIdempotencyRecord(done), options_.ttl,
                [](const absl::Status&) {});
}

}  // namespace lipsync::workflow
