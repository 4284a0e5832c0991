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
                           std::function<double()> random_unit)
    : upstream_(std::move(upstream)),
      scheduler_(scheduler),
      options_(options),
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
      StartPoll(key);
    } else if (poller.last.has_value()) {
      known = poller.last;
    }
  }
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
    if (it->second.timer_id != 0) scheduler_->Cancel(it->second.timer_id);
    // An in-flight poll finds no poller (or a newer generation) and stops.
    pollers_.erase(it);
  }
}

void TaskWatchHub::Shutdown() {
  absl::MutexLock lock(&mu_);
  for (auto& [key, poller] : pollers_) {
    if (poller.timer_id != 0) scheduler_->Cancel(poller.timer_id);
  }
  pollers_.clear();
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
      pollers_.erase(it);
    } else {
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
