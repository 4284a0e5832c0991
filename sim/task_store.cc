#include "sim/task_store.h"

#include <iterator>
#include <utility>

#include "absl/strings/str_cat.h"

namespace kling_sim {

const char* TaskStatusName(TaskStatus status) {
  switch (status) {
    case TaskStatus::kSubmitted:
      return "submitted";
    case TaskStatus::kProcessing:
      return "processing";
    case TaskStatus::kSucceed:
      return "succeed";
    case TaskStatus::kFailed:
      return "failed";
  }
  return "failed";
}

std::vector<TaskState> StatusChanges(const LipSyncTask& task,
                                     const TaskTimeline& timeline) {
  const TaskStatus final_status =
      task.will_fail ? TaskStatus::kFailed : TaskStatus::kSucceed;
  return {
      {TaskStatus::kSubmitted, task.created_at_ms},
      {TaskStatus::kProcessing,
       task.created_at_ms + timeline.processing_after_ms},
      {final_status, task.created_at_ms + timeline.finish_after_ms},
  };
}

TaskState StateAt(const LipSyncTask& task, const TaskTimeline& timeline,
                  int64_t now_ms) {
  TaskState state;
  for (const TaskState& change : StatusChanges(task, timeline)) {
    if (change.updated_at_ms > now_ms &&
        change.status != TaskStatus::kSubmitted) {
      break;
    }
    state = change;
  }
  return state;
}

absl::Status TaskStore::Insert(LipSyncTask task) {
  absl::MutexLock lock(&mu_);
  if (!accept_duplicate_external_task_id_ && !task.external_task_id.empty() &&
      by_external_id_.contains(task.external_task_id)) {
    return absl::AlreadyExistsError(absl::StrCat(
        "duplicate external_task_id '", task.external_task_id,
        "': it is already used by task ",
        by_seq_.at(by_external_id_.at(task.external_task_id)).task_id));
  }
  const uint64_t seq = next_seq_++;
  by_task_id_[task.task_id] = seq;
  if (!task.external_task_id.empty()) {
    by_external_id_.try_emplace(task.external_task_id, seq);
  }
  by_seq_.emplace(seq, std::move(task));
  while (by_seq_.size() > max_tasks_) EraseOldestLocked();
  return absl::OkStatus();
}

void TaskStore::EraseOldestLocked() {
  auto oldest = by_seq_.begin();
  by_task_id_.erase(oldest->second.task_id);
  auto by_external = by_external_id_.find(oldest->second.external_task_id);
  if (by_external != by_external_id_.end() &&
      by_external->second == oldest->first) {
    by_external_id_.erase(by_external);
  }
  by_seq_.erase(oldest);
}

std::optional<LipSyncTask> TaskStore::Find(absl::string_view id) const {
  absl::MutexLock lock(&mu_);
  auto it = by_task_id_.find(id);
  if (it == by_task_id_.end()) {
    it = by_external_id_.find(id);
    if (it == by_external_id_.end()) return std::nullopt;
  }
  return by_seq_.at(it->second);
}

std::vector<LipSyncTask> TaskStore::ListNewestFirst(size_t offset,
                                                    size_t limit) const {
  std::vector<LipSyncTask> page;
  absl::MutexLock lock(&mu_);
  if (offset >= by_seq_.size()) return page;
  auto it = by_seq_.rbegin();
  std::advance(it, offset);
  for (; it != by_seq_.rend() && page.size() < limit; ++it) {
    page.push_back(it->second);
  }
  return page;
}

size_t TaskStore::size() const {
  absl::MutexLock lock(&mu_);
  return by_seq_.size();
}

void TaskStore::Clear() {
  absl::MutexLock lock(&mu_);
  by_seq_.clear();
  by_task_id_.clear();
  by_external_id_.clear();
}

}  // namespace kling_sim
