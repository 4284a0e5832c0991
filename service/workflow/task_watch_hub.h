// Shared pollers for WatchLipSyncTask: one poller per task on this replica,
// however many callers watch it, so N watchers never cost N upstream polls.
//
// A poller reads the task at once when its first watcher arrives, then again
// on a backoff schedule with jitter (first soon, then slower, capped),
// tells every watcher about each status change, and stops after a terminal
// status, after a permanent error, or when its last watcher leaves.
//
// With shared watches (Redis, see shared_task_watches.h) a task has one
// poller across the fleet: the replica holding the task's lease polls as
// above, renews the lease every lease_ttl/3 and publishes each change; the
// others subscribe to the task's channel (each change reaches their watchers
// at once), read the stored status every follow_interval (a message lost
// while the subscriber reconnected), and take the lease over when it is free
// (its owner died or stopped). When
// Redis fails, a replica polls for its own watchers (as without Redis) and
// tries the lease again every follow_interval.
#ifndef LIPSYNC_SERVICE_WORKFLOW_TASK_WATCH_HUB_H_
#define LIPSYNC_SERVICE_WORKFLOW_TASK_WATCH_HUB_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "service/common/trace_context.h"
#include "service/resilience/scheduler.h"
#include "service/upstream/upstream_client.h"
#include "service/workflow/shared_task_watches.h"

namespace lipsync::workflow {

namespace v1 = ::kling::lipsync::v1;

struct WatchPollOptions {
  // Delay of the second poll (the first is immediate).
  absl::Duration initial_interval = absl::Seconds(1);
  // Each poll without a change waits `multiplier` times longer, up to this.
  absl::Duration max_interval = absl::Seconds(10);
  double multiplier = 1.5;
  // Each delay is scaled by a uniform factor in [1 - jitter, 1 + jitter], so
  // pollers started together spread out.
  double jitter = 0.2;
  // Deadline of one upstream read.
  absl::Duration poll_timeout = absl::Seconds(10);
};

// One watcher of one task. Methods are called on hub threads (possibly two
// at once, and a late joiner's first task may arrive after a newer one), so
// implementations lock and ignore stale statuses; they must not block.
class TaskWatcher {
 public:
  virtual ~TaskWatcher() = default;
  // A new status (the first call carries the current one).
  virtual void OnTask(const v1::LipSyncTask& task) = 0;
  // The poller stopped for good with this error (e.g. NOT_FOUND).
  virtual void OnError(const absl::Status& status) = 0;
};

class TaskWatchHub : public std::enable_shared_from_this<TaskWatchHub> {
 public:
  // Always owned by a shared_ptr (timers and upstream completions keep it
  // alive). `scheduler` must outlive it. `random_unit` returns uniform values
  // in [0, 1) (injected for deterministic tests). `shared` null: every
  // replica polls for its own watchers.
  TaskWatchHub(std::shared_ptr<upstream::UpstreamClient> upstream,
               resilience::Scheduler* scheduler,
               const WatchPollOptions& options,
               std::function<double()> random_unit,
               std::shared_ptr<SharedTaskWatches> shared = nullptr);
  // Stops every poller (pending timers cancelled); watchers get no more
  // calls. Call before the scheduler goes away.
  void Shutdown();

  // Starts watching the task selected by `request` (task_id or
  // external_task_id). The watcher stays registered until Unwatch or until
  // it received a terminal task or an error. When this watch starts the
  // task's poller, the poller's upstream reads carry `trace` (the trace of
  // the watch that started it; later joiners share those reads).
  // Thread-safe.
  void Watch(const v1::WatchLipSyncTaskRequest& request,
             const std::shared_ptr<TaskWatcher>& watcher,
             TraceContext trace = {});
  // Stops delivering to `watcher`; the last watcher out stops the poller.
  // Thread-safe; idempotent.
  void Unwatch(const v1::WatchLipSyncTaskRequest& request,
               const TaskWatcher* watcher);

  // Tasks with a live poller (tests, metrics).
  std::size_t active_pollers() const;
  // Upstream reads started since construction (tests, metrics).
  uint64_t polls_started() const;

 private:
  // Who polls the upstream for a task (shared watches only; else kLocal).
  enum class Role {
    kLocal,     // this replica, for its own watchers (Redis failed or off)
    kDeciding,  // first status read and lease attempt in flight
    kOwner,     // this replica, holding the lease, publishing
    kFollower,  // another replica: read the stored status
  };
  struct Poller {
    v1::GetLipSyncTaskRequest request;
    Role role = Role::kLocal;
    // The lease renewal (owner), lease retry (local) or follow timer.
    uint64_t lease_timer_id = 0;
    // Subscribed to the task's channel (a follower).
    bool following = false;
    std::vector<std::shared_ptr<TaskWatcher>> watchers;
    std::optional<v1::LipSyncTask> last;
    // Of the watch that started the poller; shared, not copied, per poll.
    std::shared_ptr<const TraceContext> trace;
    bool poll_in_flight = false;
    uint64_t timer_id = 0;
    absl::Duration next_interval;
    uint64_t generation = 0;
  };

  static std::string KeyOf(const v1::WatchLipSyncTaskRequest& request);
  void StartPoll(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void OnPolled(const std::string& key, uint64_t generation,
                absl::StatusOr<v1::LipSyncTask> result);
  absl::Duration Jittered(absl::Duration d) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Shared watches: reads the stored status, then tries the lease.
  void Follow(const std::string& key, uint64_t generation);
  void OnStoredStatus(const std::string& key, uint64_t generation,
                      absl::StatusOr<std::optional<v1::LipSyncTask>> stored);
  // `renewal`: the owner's renewal (a refusal: follow at once).
  void OnLease(const std::string& key, uint64_t generation, bool renewal,
               absl::StatusOr<bool> held);
  void OnLeaseTimer(const std::string& key, uint64_t generation);
  // A status another replica published on the task's channel.
  void OnPublished(const std::string& key, const v1::LipSyncTask& task);
  void ScheduleLeaseTimer(const std::string& key, Poller& poller,
                          absl::Duration delay)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Stops a poller's timers and, when it owns the lease, releases it.
  void Stop(const std::string& key, Poller& poller)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::shared_ptr<upstream::UpstreamClient> upstream_;
  resilience::Scheduler* const scheduler_;
  const WatchPollOptions options_;
  const std::shared_ptr<SharedTaskWatches> shared_;
  std::function<double()> random_unit_ ABSL_GUARDED_BY(mu_);
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Poller> pollers_ ABSL_GUARDED_BY(mu_);
  uint64_t next_generation_ ABSL_GUARDED_BY(mu_) = 0;
  bool published_callback_set_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t polls_started_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace lipsync::workflow

#endif  // LIPSYNC_SERVICE_WORKFLOW_TASK_WATCH_HUB_H_
