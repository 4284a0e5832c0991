#include "service/workflow/task_watch_hub.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "service/translate/task_status.h"

namespace lipsync::workflow {
namespace {

// Errors that a later poll may not see again: keep polling through them.
bool IsTransient(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kAborted:
      return true;
    default:
      return false;
  }
}

}  // namespace

TaskWatchHub::TaskWatchHub(std::shared_ptr<upstream::UpstreamClient> upstream,
                           resilience::Scheduler* scheduler,
                           const WatchPollOptions& options,
                           std::function<double()> random_unit,
                           std::shared_ptr<SharedTaskWatches> shared)
    : upstream_(std::move(upstream)),
      scheduler_(scheduler),
      options_(options),
      shared_(std::move(shared)),
      random_unit_(std::move(random_unit)) {}

std::string TaskWatchHub::KeyOf(const v1::WatchLipSyncTaskRequest& request) {
  return request.task_id().empty()
             ? absl::StrCat("external:", request.external_task_id())
             : absl::StrCat("task:", request.task_id());
}

void TaskWatchHub::Watch(const v1::WatchLipSyncTaskRequest& request,
                         const std::shared_ptr<TaskWatcher>& watcher,
                         TraceContext trace) {
  const std::string key = KeyOf(request);
  std::optional<v1::LipSyncTask> known;
  uint64_t follow_generation = 0;
  {
    absl::MutexLock lock(&mu_);
    auto [it, created] = pollers_.try_emplace(key);
    Poller& poller = it->second;
    poller.watchers.push_back(watcher);
    if (created) {
      poller.request.set_task_id(request.task_id());
      poller.request.set_external_task_id(request.external_task_id());
      poller.next_interval = options_.initial_interval;
      poller.trace = std::make_shared<const TraceContext>(std::move(trace));
      poller.generation = ++next_generation_;
      if (shared_ == nullptr) {
        StartPoll(key);
      } else {
        if (!published_callback_set_) {
          published_callback_set_ = true;
          std::weak_ptr<TaskWatchHub> weak = weak_from_this();
          shared_->SetPublishedCallback(
              [weak](const std::string& task_key, const v1::LipSyncTask& t) {
                if (auto self = weak.lock()) self->OnPublished(task_key, t);
              });
        }
        poller.role = Role::kDeciding;
        follow_generation = poller.generation;
      }
    } else if (poller.last.has_value()) {
      known = poller.last;
    }
  }
  if (follow_generation != 0) Follow(key, follow_generation);
  // A late joiner learns the current status at once, without a poll.
  if (known.has_value()) watcher->OnTask(*known);
}

void TaskWatchHub::Unwatch(const v1::WatchLipSyncTaskRequest& request,
                           const TaskWatcher* watcher) {
  absl::MutexLock lock(&mu_);
  auto it = pollers_.find(KeyOf(request));
  if (it == pollers_.end()) return;
  auto& watchers = it->second.watchers;
  watchers.erase(
      std::remove_if(watchers.begin(), watchers.end(),
                     [watcher](const auto& w) { return w.get() == watcher; }),
      watchers.end());
  if (watchers.empty()) {
    Stop(it->first, it->second);
    // An in-flight poll finds no poller (or a newer generation) and stops.
    pollers_.erase(it);
  }
}

void TaskWatchHub::Shutdown() {
  absl::MutexLock lock(&mu_);
  for (auto& [key, poller] : pollers_) Stop(key, poller);
  pollers_.clear();
}

void TaskWatchHub::Stop(const std::string& key, Poller& poller) {
  if (poller.timer_id != 0) scheduler_->Cancel(poller.timer_id);
  if (poller.lease_timer_id != 0) scheduler_->Cancel(poller.lease_timer_id);
  poller.timer_id = 0;
  poller.lease_timer_id = 0;
  if (poller.following) shared_->Unfollow(key);
  poller.following = false;
  // Another replica's watchers need not wait for the lease to expire. The
  // client never calls back into the hub, so mu_ may be held.
  if (poller.role == Role::kOwner) shared_->ReleaseLease(key);
}

void TaskWatchHub::StartPoll(const std::string& key) {
  Poller& poller = pollers_[key];
  poller.timer_id = 0;
  poller.poll_in_flight = true;
  ++polls_started_;
  auto call = std::make_shared<CallContext>(
      scheduler_->Now() + options_.poll_timeout, *poller.trace);
  // The upstream may complete inline (e.g. a fake, or a failure before
  // sending): never hold mu_ across it.
  v1::GetLipSyncTaskRequest request = poller.request;
  const uint64_t generation = poller.generation;
  std::shared_ptr<TaskWatchHub> self = shared_from_this();
  mu_.Unlock();
  upstream_->GetLipSyncTask(
      call, request,
      [self, key, generation](absl::StatusOr<v1::LipSyncTask> result) {
        self->OnPolled(key, generation, std::move(result));
      });
  mu_.Lock();
}

void TaskWatchHub::OnPolled(const std::string& key, uint64_t generation,
                            absl::StatusOr<v1::LipSyncTask> result) {
  std::vector<std::shared_ptr<TaskWatcher>> notify;
  std::optional<v1::LipSyncTask> changed;
  absl::Status error;
  {
    absl::MutexLock lock(&mu_);
    auto it = pollers_.find(key);
    if (it == pollers_.end() || it->second.generation != generation) return;
    Poller& poller = it->second;
    poller.poll_in_flight = false;
    // Published before a terminal status releases the lease, so the next
    // owner reads it rather than polls.
    if (result.ok() && poller.role == Role::kOwner &&
        (!poller.last.has_value() ||
         poller.last->task_status() != result->task_status())) {
      shared_->Publish(key, *result);
    }
    bool finished = false;
    if (result.ok()) {
      const bool is_change =
          !poller.last.has_value() ||
          poller.last->task_status() != result->task_status();
      if (is_change) {
        poller.last = *result;
        changed = *result;
        notify = poller.watchers;
        poller.next_interval = options_.initial_interval;
      } else {
        poller.next_interval = std::min(
            options_.max_interval, poller.next_interval * options_.multiplier);
      }
      finished = translate::IsTerminal(result->task_status());
    } else if (IsTransient(result.status())) {
      poller.next_interval = std::min(
          options_.max_interval, poller.next_interval * options_.multiplier);
    } else {
      error = result.status();
      notify = poller.watchers;
      finished = true;
    }
    if (finished) {
      Stop(key, poller);
      pollers_.erase(it);
    } else if (poller.role != Role::kFollower) {
      const absl::Duration delay = Jittered(poller.next_interval);
      std::shared_ptr<TaskWatchHub> self = shared_from_this();
      poller.timer_id = scheduler_->Schedule(
          scheduler_->Now() + delay, [self, key, generation] {
            absl::MutexLock lock(&self->mu_);
            auto it = self->pollers_.find(key);
            if (it == self->pollers_.end() ||
                it->second.generation != generation) {
              return;
            }
            it->second.timer_id = 0;
            // Lost the lease meanwhile: another replica polls.
            if (it->second.role == Role::kFollower) return;
            self->StartPoll(key);
          });
    }
  }
  for (const auto& watcher : notify) {
    if (changed.has_value()) {
      watcher->OnTask(*changed);
    } else {
      watcher->OnError(error);
    }
  }
}

void TaskWatchHub::Follow(const std::string& key, uint64_t generation) {
  std::shared_ptr<TaskWatchHub> self = shared_from_this();
  shared_->ReadStatus(
      key, [self, key,
            generation](absl::StatusOr<std::optional<v1::LipSyncTask>> stored) {
        self->OnStoredStatus(key, generation, std::move(stored));
      });
}

void TaskWatchHub::OnStoredStatus(
    const std::string& key, uint64_t generation,
    absl::StatusOr<std::optional<v1::LipSyncTask>> stored) {
  if (!stored.ok()) {
    // Redis failed: OnLease falls back to polling locally.
    OnLease(key, generation, /*renewal=*/false, stored.status());
    return;
  }
  std::vector<std::shared_ptr<TaskWatcher>> notify;
  std::optional<v1::LipSyncTask> changed;
  {
    absl::MutexLock lock(&mu_);
    auto it = pollers_.find(key);
    if (it == pollers_.end() || it->second.generation != generation) return;
    Poller& poller = it->second;
    if (stored->has_value()) {
      const v1::LipSyncTask& task = **stored;
      if (!poller.last.has_value() ||
          poller.last->task_status() != task.task_status()) {
        poller.last = task;
        changed = task;
        notify = poller.watchers;
      }
      if (translate::IsTerminal(task.task_status())) {
        Stop(key, poller);
        pollers_.erase(it);
        generation = 0;
      }
    }
  }
  for (const auto& watcher : notify) watcher->OnTask(*changed);
  if (generation == 0) return;
  std::shared_ptr<TaskWatchHub> self = shared_from_this();
  shared_->TryLease(key, [self, key, generation](absl::StatusOr<bool> held) {
    self->OnLease(key, generation, /*renewal=*/false, std::move(held));
  });
}

void TaskWatchHub::OnLease(const std::string& key, uint64_t generation,
                           bool renewal, absl::StatusOr<bool> held) {
  absl::MutexLock lock(&mu_);
  auto it = pollers_.find(key);
  if (it == pollers_.end() || it->second.generation != generation) {
    // Taken for a poller that has stopped meanwhile: free it again.
    if (held.ok() && *held) shared_->ReleaseLease(key);
    return;
  }
  Poller& poller = it->second;
  if (held.ok() && !*held) {
    poller.role = Role::kFollower;
    if (!poller.following) {
      poller.following = true;
      shared_->Follow(key);
    }
    if (poller.timer_id != 0 && scheduler_->Cancel(poller.timer_id)) {
      poller.timer_id = 0;
    }
    // A lost renewal: the lease may be free; try it again at once.
    ScheduleLeaseTimer(
        key, poller,
        renewal ? absl::ZeroDuration() : shared_->options().follow_interval);
    return;
  }
  if (held.ok()) {
    poller.role = Role::kOwner;
    ScheduleLeaseTimer(key, poller, shared_->options().lease_ttl / 3);
  } else {
    if (poller.role != Role::kLocal) shared_->CountLocalFallback();
    poller.role = Role::kLocal;
    ScheduleLeaseTimer(key, poller, shared_->options().follow_interval);
  }
  // Last: StartPoll releases mu_ while it starts the read.
  if (!poller.poll_in_flight && poller.timer_id == 0) StartPoll(key);
}

void TaskWatchHub::ScheduleLeaseTimer(const std::string& key, Poller& poller,
                                      absl::Duration delay) {
  if (poller.lease_timer_id != 0) scheduler_->Cancel(poller.lease_timer_id);
  std::shared_ptr<TaskWatchHub> self = shared_from_this();
  const uint64_t generation = poller.generation;
  poller.lease_timer_id = scheduler_->Schedule(
      scheduler_->Now() + delay,
      [self, key, generation] { self->OnLeaseTimer(key, generation); });
}

void TaskWatchHub::OnLeaseTimer(const std::string& key, uint64_t generation) {
  Role role = Role::kDeciding;
  {
    absl::MutexLock lock(&mu_);
    auto it = pollers_.find(key);
    if (it == pollers_.end() || it->second.generation != generation) return;
    it->second.lease_timer_id = 0;
    role = it->second.role;
  }
  std::shared_ptr<TaskWatchHub> self = shared_from_this();
  switch (role) {
    case Role::kOwner:
      shared_->RenewLease(
          key, [self, key, generation](absl::StatusOr<bool> held) {
            self->OnLease(key, generation, /*renewal=*/true, std::move(held));
          });
      break;
    case Role::kLocal:
      shared_->TryLease(
          key, [self, key, generation](absl::StatusOr<bool> held) {
            self->OnLease(key, generation, /*renewal=*/false, std::move(held));
          });
      break;
    case Role::kFollower:
      Follow(key, generation);
      break;
    case Role::kDeciding:
      break;
  }
}

void TaskWatchHub::OnPublished(const std::string& key,
                               const v1::LipSyncTask& task) {
  std::vector<std::shared_ptr<TaskWatcher>> notify;
  {
    absl::MutexLock lock(&mu_);
    auto it = pollers_.find(key);
    if (it == pollers_.end()) return;
    Poller& poller = it->second;
    if (poller.last.has_value() &&
        poller.last->task_status() == task.task_status()) {
      return;
    }
    poller.last = task;
    notify = poller.watchers;
    if (translate::IsTerminal(task.task_status())) {
      Stop(key, poller);
      pollers_.erase(it);
    }
  }
  for (const auto& watcher : notify) watcher->OnTask(task);
}

absl::Duration TaskWatchHub::Jittered(absl::Duration d) {
  const double factor = 1.0 + options_.jitter * (2.0 * random_unit_() - 1.0);
  return d * factor;
}

std::size_t TaskWatchHub::active_pollers() const {
  absl::MutexLock lock(&mu_);
  return pollers_.size();
}

uint64_t TaskWatchHub::polls_started() const {
  absl::MutexLock lock(&mu_);
  return polls_started_;
}

}  // namespace lipsync::workflow
