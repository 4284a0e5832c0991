// Watches shared by the replicas through Redis: one upstream poller per task
// across the fleet. For a task key K (TaskWatchHub's "task:<id>" or
// "external:<id>"):
//   <prefix>watch:K  the poll lease: the owning replica's id, PX lease_ttl.
//                    Taken with SET NX; renewed by its owner while it polls
//                    (compare-and-PEXPIRE); released when its poller stops
//                    (compare-and-DEL). Only the owner polls the upstream.
//   <prefix>task:K   the latest status the owner saw (a versioned value),
//                    PX status_ttl, so a replica that starts watching late
//                    reads the current status at once. Each change is also
//                    PUBLISHed on the channel of the same name; callbacks (a
//                    later issue) publish through that channel too.
// Nothing here waits: each operation completes through its callback on the
// Redis client's thread.
#ifndef LIPSYNC_SERVICE_WORKFLOW_SHARED_TASK_WATCHES_H_
#define LIPSYNC_SERVICE_WORKFLOW_SHARED_TASK_WATCHES_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "kling/lipsync/v1/lipsync.pb.h"
#include "service/sharedstate/redis_client.h"

namespace lipsync::workflow {

namespace v1 = ::kling::lipsync::v1;

// "v1;" then the task's protobuf bytes.
std::string EncodeWatchedTask(const v1::LipSyncTask& task);
// INVALID_ARGUMENT (never quoting the value) for anything but a well-formed
// v1 value.
absl::StatusOr<v1::LipSyncTask> DecodeWatchedTask(absl::string_view value);

struct SharedWatchOptions {
  // Every key and channel starts with it.
  std::string key_prefix = "lipsync:";
  // This replica's id in the leases it holds (unique per process).
  std::string owner_id;
  // A lease not renewed for this long is free: its owner is gone.
  absl::Duration lease_ttl = absl::Seconds(6);
  // How long the latest status is kept.
  absl::Duration status_ttl = absl::Hours(1);
  // A replica that does not own the lease reads the stored status, and
  // tries to take the lease over, this often.
  absl::Duration follow_interval = absl::Seconds(1);
  // Called on each fall back to local polling (a metric); may be empty.
  std::function<void()> on_local_fallback;
};

class SharedTaskWatches {
 public:
  // True: this replica holds the lease. An error (UNAVAILABLE,
  // DEADLINE_EXCEEDED: outcome unknown, INTERNAL): Redis cannot say.
  using LeaseCallback = std::function<void(absl::StatusOr<bool>)>;
  // The stored status; nullopt when none (or unreadable: one log line).
  using StatusCallback =
      std::function<void(absl::StatusOr<std::optional<v1::LipSyncTask>>)>;

  // A status published on a task's channel: its task key and the task.
  using PublishedCallback =
      std::function<void(const std::string& task_key, v1::LipSyncTask task)>;

  // `redis` must outlive this object.
  SharedTaskWatches(sharedstate::RedisClient* redis,
                    SharedWatchOptions options);

  // Where messages of the channels followed are handed (the hub). Without
  // one, followers learn statuses only from the stored key.
  void SetPublishedCallback(PublishedCallback callback);
  // The subscriber's message callback: decodes and hands the status on
  // (an unreadable message: one log line, dropped).
  void OnMessage(const std::string& channel, const std::string& message);
  // Subscribes to / leaves the task's channel through `subscribe`, a
  // function the owner of the subscriber connection sets (null: no
  // subscriber; follow by reading the stored status only).
  using SubscribeFunction =
      std::function<void(bool subscribe, std::string channel)>;
  void SetSubscribeFunction(SubscribeFunction subscribe);
  void Follow(const std::string& task_key);
  void Unfollow(const std::string& task_key);

  // All thread-safe.
  // SET NX PX: true when taken (or already held by this replica).
  void TryLease(const std::string& task_key, LeaseCallback done);
  // True while this replica still holds the lease (its TTL restarted).
  void RenewLease(const std::string& task_key, LeaseCallback done);
  // Frees the lease when this replica holds it; fire and forget.
  void ReleaseLease(const std::string& task_key);
  // Stores the status and publishes it; fire and forget.
  void Publish(const std::string& task_key, const v1::LipSyncTask& task);
  void ReadStatus(const std::string& task_key, StatusCallback done);

  std::string LeaseKeyOf(absl::string_view task_key) const;
  // The stored status's key, which is also the channel name.
  std::string ChannelOf(absl::string_view task_key) const;
  const SharedWatchOptions& options() const { return options_; }

  // Redis answered after failing (or failed after answering): logged once
  // per transition. Returns whether `status` is ok.
  bool Note(const absl::Status& status);
  // Times a poller fell back to polling locally because Redis failed.
  uint64_t local_fallbacks() const {
    return local_fallbacks_.load(std::memory_order_relaxed);
  }
  void CountLocalFallback() {
    local_fallbacks_.fetch_add(1, std::memory_order_relaxed);
    if (options_.on_local_fallback) options_.on_local_fallback();
  }

 private:
  sharedstate::RedisClient* const redis_;
  const SharedWatchOptions options_;
  std::atomic<bool> failing_{false};
  std::atomic<uint64_t> local_fallbacks_{0};
  absl::Mutex mu_;
  PublishedCallback published_ ABSL_GUARDED_BY(mu_);
  SubscribeFunction subscribe_ ABSL_GUARDED_BY(mu_);
};

}  // namespace lipsync::workflow

#endif  // LIPSYNC_SERVICE_WORKFLOW_SHARED_TASK_WATCHES_H_
