#include "service/workflow/shared_task_watches.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "service/common/json_log.h"

namespace lipsync::workflow {
namespace {

constexpr absl::string_view kVersion = "v1;";
// A task's JSON from the upstream is a few kB; a stored value beyond this is
// not ours.
constexpr size_t kMaxValueBytes = 1 << 20;

// KEYS[1] the lease, ARGV[1] the owner, ARGV[2] the TTL in ms.
constexpr char kRenewScript[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then "
    "return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end";
// KEYS[1] the lease, ARGV[1] the owner.
constexpr char kReleaseScript[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then "
    "return redis.call('DEL', KEYS[1]) else return 0 end";

std::string Millis(absl::Duration d) {
  return absl::StrCat(std::max<int64_t>(
      1, absl::ToInt64Milliseconds(absl::Ceil(d, absl::Milliseconds(1)))));
}

}  // namespace

std::string EncodeWatchedTask(const v1::LipSyncTask& task) {
  return absl::StrCat(kVersion, task.SerializeAsString());
}

absl::StatusOr<v1::LipSyncTask> DecodeWatchedTask(absl::string_view value) {
  if (value.size() > kMaxValueBytes) {
    return absl::InvalidArgumentError("unreadable watched task: too large");
  }
  if (!absl::ConsumePrefix(&value, kVersion)) {
    return absl::InvalidArgumentError(
        "unreadable watched task: unknown version");
  }
  v1::LipSyncTask task;
  if (!task.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return absl::InvalidArgumentError("unreadable watched task: bad task");
  }
  return task;
}

SharedTaskWatches::SharedTaskWatches(sharedstate::RedisClient* redis,
                                     SharedWatchOptions options)
    : redis_(redis), options_(std::move(options)) {}

std::string SharedTaskWatches::LeaseKeyOf(absl::string_view task_key) const {
  return absl::StrCat(options_.key_prefix, "watch:", task_key);
}

std::string SharedTaskWatches::ChannelOf(absl::string_view task_key) const {
  return absl::StrCat(options_.key_prefix, "task:", task_key);
}

void SharedTaskWatches::SetPublishedCallback(PublishedCallback callback) {
  absl::MutexLock lock(&mu_);
  published_ = std::move(callback);
}

void SharedTaskWatches::SetSubscribeFunction(SubscribeFunction subscribe) {
  absl::MutexLock lock(&mu_);
  subscribe_ = std::move(subscribe);
}

void SharedTaskWatches::Follow(const std::string& task_key) {
  absl::MutexLock lock(&mu_);
  if (subscribe_) subscribe_(true, ChannelOf(task_key));
}

void SharedTaskWatches::Unfollow(const std::string& task_key) {
  absl::MutexLock lock(&mu_);
  if (subscribe_) subscribe_(false, ChannelOf(task_key));
}

void SharedTaskWatches::OnMessage(const std::string& channel,
                                  const std::string& message) {
  absl::string_view task_key = channel;
  if (!absl::ConsumePrefix(&task_key,
                           absl::StrCat(options_.key_prefix, "task:"))) {
    return;
  }
  absl::StatusOr<v1::LipSyncTask> task = DecodeWatchedTask(message);
  if (!task.ok()) {
    LogJson(LogLevel::kWarning, "watched task message unreadable; dropped",
            {{"channel", channel},
             {"error", std::string(task.status().message())}});
    return;
  }
  PublishedCallback published;
  {
    absl::MutexLock lock(&mu_);
    published = published_;
  }
  if (published) published(std::string(task_key), *std::move(task));
}

bool SharedTaskWatches::Note(const absl::Status& status) {
  const bool failing = !status.ok();
  if (failing_.exchange(failing, std::memory_order_relaxed) != failing) {
    if (failing) {
      LogJson(LogLevel::kWarning,
              "shared watches unavailable; each replica polls for its own "
              "watchers",
              {{"error", std::string(status.message())}});
    } else {
      LogJson(LogLevel::kInfo, "shared watches resumed", {});
    }
  }
  return !failing;
}

void SharedTaskWatches::TryLease(const std::string& task_key,
                                 LeaseCallback done) {
  const std::string key = LeaseKeyOf(task_key);
  // The NX SET first; when it is refused, a GET tells whether this replica
  // already holds the lease.
  redis_->Command(
      {"SET", key, options_.owner_id, "NX", "PX", Millis(options_.lease_ttl)},
      [this, key,
       done = std::move(done)](absl::StatusOr<sharedstate::RedisReply> reply) {
        if (!Note(reply.status())) return done(reply.status());
        if (reply->type != sharedstate::RedisReply::Type::kNil) {
          return done(true);
        }
        redis_->Get(key, [this, done](
                             absl::StatusOr<std::optional<std::string>> owner) {
          if (!Note(owner.status())) return done(owner.status());
          done(owner->has_value() && **owner == options_.owner_id);
        });
      });
}

void SharedTaskWatches::RenewLease(const std::string& task_key,
                                   LeaseCallback done) {
  redis_->Command(
      {"EVAL", kRenewScript, "1", LeaseKeyOf(task_key), options_.owner_id,
       Millis(options_.lease_ttl)},
      [this,
       done = std::move(done)](absl::StatusOr<sharedstate::RedisReply> reply) {
        if (!Note(reply.status())) return done(reply.status());
        done(reply->type == sharedstate::RedisReply::Type::kInteger &&
             reply->integer == 1);
      });
}

void SharedTaskWatches::ReleaseLease(const std::string& task_key) {
  redis_->Command(
      {"EVAL", kReleaseScript, "1", LeaseKeyOf(task_key), options_.owner_id},
      [](const absl::StatusOr<sharedstate::RedisReply>&) {});
}

void SharedTaskWatches::Publish(const std::string& task_key,
                                const v1::LipSyncTask& task) {
  const std::string channel = ChannelOf(task_key);
  std::string value = EncodeWatchedTask(task);
  // One connection answers in order: a reader of the key never sees an
  // older status than the last one published.
  redis_->SetPx(channel, value, options_.status_ttl,
                [this](const absl::Status& status) { Note(status); });
  redis_->Command({"PUBLISH", channel, std::move(value)},
                  [](const absl::StatusOr<sharedstate::RedisReply>&) {});
}

void SharedTaskWatches::ReadStatus(const std::string& task_key,
                                   StatusCallback done) {
  redis_->Get(ChannelOf(task_key),
              [this, task_key, done = std::move(done)](
                  absl::StatusOr<std::optional<std::string>> value) {
                if (!Note(value.status())) return done(value.status());
                if (!value->has_value()) {
                  return done(std::optional<v1::LipSyncTask>());
                }
                absl::StatusOr<v1::LipSyncTask> task =
                    DecodeWatchedTask(**value);
                if (!task.ok()) {
                  LogJson(LogLevel::kWarning,
                          "watched task unreadable; treated as absent",
                          {{"key", ChannelOf(task_key)},
                           {"error", std::string(task.status().message())}});
                  return done(std::optional<v1::LipSyncTask>());
                }
                done(std::optional<v1::LipSyncTask>(*std::move(task)));
              });
}

}  // namespace lipsync::workflow
